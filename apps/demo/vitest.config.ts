import { definePackageConfig } from '@data-taps/vitest-preset';

// apps/demo has no library code: src/demo.mjs is the `pnpm demo` script, run by the tests as a child
// process (where v8 coverage does not reach), so nothing is left to measure. The end-to-end runs
// start real processes on a 2-core machine: generous timeouts, no timed assertions.
export default definePackageConfig({ lines: 0, coverageExclude: ['src/demo.mjs'], testTimeout: 120_000 });
