// @ts-check
import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration every workspace package uses.
 *
 * - tests live in `test/unit` and `test/integration` (`*.test.ts`);
 * - coverage (v8) is measured over `src/`, with a line threshold (100 by default for libraries);
 * - besides vitest's own output, a JSON report is written to `.vitest-report.json`, which the root
 *   `pnpm test` totals across packages into one `N passed, N failed, N skipped` line.
 *
 * @param {import('./index.d.mts').PresetOptions} [options]
 */
export function definePackageConfig(options = {}) {
  const {
    lines = 100,
    include = ['test/**/*.test.ts'],
    exclude = [],
    coverageExclude = [],
    testTimeout = 15_000,
  } = options;
  return defineConfig({
    test: {
      include,
      exclude: ['**/node_modules/**', '**/dist/**', ...exclude],
      testTimeout,
      hookTimeout: testTimeout,
      reporters: ['default', 'json'],
      outputFile: { json: './.vitest-report.json' },
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts', 'src/**/*.mjs'],
        exclude: ['src/**/*.d.ts', ...coverageExclude],
        reporter: ['text-summary'],
        thresholds: { lines },
      },
    },
  });
}
