import { definePackageConfig } from '@data-taps/vitest-preset';

// Every case runs the built extension zip as real processes in the sandbox against a real local tap
// (DuckDB), on a machine shared with other work: generous timeouts, no timing assertions beyond the
// documented bound against the healthy twin, and one file at a time so that a case and its twin
// see the same load. There is no src/ to cover (the suite checks the built artefact): threshold 0.
const config = definePackageConfig({ testTimeout: 120_000, lines: 0 });
export default { ...config, test: { ...config.test, fileParallelism: false } };
