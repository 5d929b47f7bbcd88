import type { UserConfig } from 'vitest/config';

/** Options of {@link definePackageConfig}. */
export interface PresetOptions {
  /** Minimum line coverage of `src/` in percent. Default 100. */
  lines?: number;
  /** Test file globs. Default `test/**\/*.test.ts`. */
  include?: string[];
  /** Extra globs excluded from the test run. */
  exclude?: string[];
  /** Extra globs under `src/` left out of coverage. */
  coverageExclude?: string[];
  /** Per-test and per-hook timeout in ms. Default 15000. */
  testTimeout?: number;
}

/**
 * The shared vitest configuration.
 * @example
 * // vitest.config.ts
 * import { definePackageConfig } from '@data-taps/vitest-preset';
 * export default definePackageConfig();
 */
export declare function definePackageConfig(options?: PresetOptions): UserConfig;
