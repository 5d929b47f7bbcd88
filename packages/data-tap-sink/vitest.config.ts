import { definePackageConfig } from '@data-taps/vitest-preset';
import { mergeConfig } from 'vitest/config';

// test/setup.ts only adds Promise.withResolvers, which nock needs, on Node 20.
export default mergeConfig(definePackageConfig(), { test: { setupFiles: ['test/setup.ts'] } });
