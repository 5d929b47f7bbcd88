import { definePackageConfig } from '@data-taps/vitest-preset';
import { mergeConfig } from 'vitest/config';

// The setup file only polyfills Promise.withResolvers for nock on Node 20 (see test/setup.ts).
export default mergeConfig(definePackageConfig(), { test: { setupFiles: ['test/setup.ts'] } });
