// @ts-check
// The TIMEOUT_MS study: for each Telemetry API buffering timeout, the SHUTDOWN drain, the POSTs
// Lambda makes to the listener at 100 invocations/s, and the post-runtime time of the `end` flush
// strategy; the values interleaved round by round, the no-op extension as the end flush's baseline.
import { prepareLayers } from './layers.mjs';
import { startBenchTap } from './tap.mjs';
import { runDrain, runEndFlush, runPosts } from './timeout-runs.mjs';

/** The timeouts compared (the Telemetry API accepts 25-30,000 ms). */
export const STUDY_TIMEOUTS = [25, 100, 250, 1000];

/** Rounds and sizes of the full and quick modes. */
export const STUDY_PLANS = {
  full: {
    drainRounds: 3,
    drain: { invocations: 12, lines: 1000, tapDelayMs: 100 },
    posts: { rate: 100, count: 1000, lines: 10 },
    endFlush: { count: 20, gapMs: 100, lines: 10 },
  },
  quick: {
    drainRounds: 1,
    drain: { invocations: 12, lines: 1000, tapDelayMs: 100 },
    posts: { rate: 100, count: 200, lines: 10 },
    endFlush: { count: 5, gapMs: 100, lines: 10 },
  },
};

/**
 * Runs the study and returns the raw figures (timeout-report.mjs makes the tables).
 *
 * @example
 * ```js
 * const results = await runTimeoutStudy({ quick: true, token: 'secret', log: console.log });
 * ```
 * @param {{ quick: boolean, token: string, log(line: string): void }} options
 */
export async function runTimeoutStudy(options) {
  const plan = options.quick ? STUDY_PLANS.quick : STUDY_PLANS.full;
  const { token, log } = options;
  const startedAt = new Date();
  const layers = await prepareLayers();
  const tap = await startBenchTap(token);
  try {
    /** @type {import('./timeout-runs.mjs').DrainRun[]} */
    const drain = [];
    for (let round = 0; round < plan.drainRounds; round += 1) {
      for (const timeoutMs of STUDY_TIMEOUTS) {
        const run = await runDrain({
          layer: layers.dataTaps,
          tap,
          token,
          timeoutMs,
          ...plan.drain,
          functionName: `ts-drain-${timeoutMs}-${round}`,
        });
        drain.push(run);
        log(
          `drain TIMEOUT_MS=${timeoutMs} (round ${round + 1}): backlog ${run.backlogLines} lines; report at the extension ${run.reportAtExtensionMs.toFixed(0)} ms, ` +
            `last tap request ${run.lastTapRequestMs.toFixed(0)} ms, extension exit ${run.extensionExitMs.toFixed(0)} ms (${run.outcome}); ` +
            `report in the tap: ${run.reportInTap}; ${run.inTap}/${run.emitted} function records in the tap`,
        );
      }
    }
    /** @type {import('./timeout-runs.mjs').PostsRun[]} */
    const posts = [];
    for (const timeoutMs of STUDY_TIMEOUTS) {
      const run = await runPosts({
        layer: layers.dataTaps,
        tap,
        token,
        timeoutMs,
        ...plan.posts,
        functionName: `ts-posts-${timeoutMs}`,
      });
      posts.push(run);
      log(
        `posts TIMEOUT_MS=${timeoutMs} at ${run.achievedRate.toFixed(0)} invocations/s: ${run.postsPerS.toFixed(1)} POSTs/s to the listener, ` +
          `${run.recordsPerPost.toFixed(1)} records each, extension CPU ${run.extensionCpuMsPerS.toFixed(0)} ms/s`,
      );
    }
    const endFlush = [
      await runEndFlush({
        layer: layers.noop,
        tap,
        token,
        timeoutMs: 0,
        env: {},
        ...plan.endFlush,
        functionName: 'ts-end-noop',
      }),
    ];
    for (const timeoutMs of STUDY_TIMEOUTS) {
      const run = await runEndFlush({
        layer: layers.dataTaps,
        tap,
        token,
        timeoutMs,
        env: { TIMEOUT_MS: String(timeoutMs), DATA_TAPS_FLUSH_STRATEGY: 'end' },
        ...plan.endFlush,
        functionName: `ts-end-${timeoutMs}`,
      });
      endFlush.push(run);
      log(
        `end flush TIMEOUT_MS=${timeoutMs}: post-runtime ${run.postRuntimeMs.map((v) => v.toFixed(0)).join(', ')} ms`,
      );
    }
    const finishedAt = new Date();
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      elapsedS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      plan,
      timeouts: STUDY_TIMEOUTS,
      drain,
      posts,
      endFlush,
    };
  } finally {
    await tap.stop();
    layers.cleanup();
  }
}
