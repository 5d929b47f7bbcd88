import { definePackageConfig } from '@data-taps/vitest-preset';

// The unit tests cover the pure parts (statistics, /proc parsing, raw ingest, the markdown and the
// SVG). The modules that start sandboxes, the tap and real processes run in `pnpm bench --quick`
// (about a minute on 2 cores, with timing figures): they stay out of the test command and coverage.
export default definePackageConfig({
  coverageExclude: [
    'src/main.mjs',
    'src/timeout-study.mjs',
    'src/run-timeout-study.mjs',
    'src/timeout-runs.mjs',
    'src/command.mjs',
    'src/run-benchmark.mjs',
    'src/throughput.mjs',
    'src/overhead.mjs',
    'src/cold-start.mjs',
    'src/init-sampler.mjs',
    'src/sparse.mjs',
    'src/first-invocation.mjs',
    'src/burst.mjs',
    'src/environment.mjs',
    'src/layers.mjs',
    'src/tap.mjs',
    'src/heap-study.mjs',
    'src/gc-study.mjs',
  ],
});
