import { definePackageConfig } from '@data-taps/vitest-preset';

// The entries (src/entry.ts: the registration, then main.cjs; src/main.ts: process.env, signals, the
// exit code) only wire the process to register and runExtension; they run in the end-to-end tests as
// a child process (the built bundle), where v8 coverage does not reach.
export default definePackageConfig({ testTimeout: 30_000, coverageExclude: ['src/main.ts', 'src/entry.ts'] });
