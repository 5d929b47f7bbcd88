import { definePackageConfig } from '@data-taps/vitest-preset';

// The entry (src/main.ts) only wires process.env and process signals to runExtension; it runs in the
// end-to-end tests as a child process (the built bundle), where v8 coverage does not reach.
export default definePackageConfig({ testTimeout: 30_000, coverageExclude: ['src/main.ts'] });
