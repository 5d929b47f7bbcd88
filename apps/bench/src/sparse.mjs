// @ts-check
// The sparse shape: invocations far apart (cron jobs, low-traffic APIs), at the extension's
// defaults. Three environments live side by side (the extension, the no-op extension, no
// extension); their invocations are interleaved, a third of the period apart, so that no two run at
// once. Each environment is shut down one period after its last invocation.
import { deliveryByInvocation } from './accounting.mjs';
import { createEnvironment, reportedBilledMs } from './environment.mjs';

const sleepUntil = (/** @type {number} */ at) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/**
 * @typedef {object} SparseInvocation
 * @property {string} requestId
 * @property {number} startedAt Unix ms
 * @property {number} billedMs `billedDurationMs` of the invocation's `platform.report`
 * @property {number} postRuntimeMs
 * @property {number} durationMs
 */

/**
 * @typedef {object} SparseRun
 * @property {string} functionName
 * @property {SparseInvocation[]} invocations
 * @property {number} shutdownAt Unix ms
 * @property {number} shutdownMs
 * @property {number} emitted function records the sandbox produced
 * @property {number} lambdaDropped
 * @property {number} spooledFunctionRecords
 */

/**
 * One environment's part: Init, `count` invocations `periodMs` apart from `firstAt`, SHUTDOWN one
 * period after the last.
 * @param {{ layer: string, functionName: string, tapUrl: string, token: string, count: number, periodMs: number, firstAt: number, event: unknown }} o
 * @param {Awaited<ReturnType<typeof createEnvironment>>} env
 * @returns {Promise<SparseRun>}
 */
async function runOne(o, env) {
  const { sandbox } = env;
  /** @type {SparseInvocation[]} */
  const invocations = [];
  for (let i = 0; i < o.count; i += 1) {
    await sleepUntil(o.firstAt + i * o.periodMs);
    const startedAt = Date.now();
    const r = await sandbox.invoke(o.event);
    if (r.status !== 'success') throw new Error(`${o.functionName}: invocation ${i + 1} ended ${r.status}`);
    invocations.push({
      requestId: r.requestId,
      startedAt,
      billedMs: r.billedDurationMs,
      postRuntimeMs: r.postRuntimeExtensionsDurationMs,
      durationMs: r.durationMs,
    });
  }
  await sleepUntil(o.firstAt + o.count * o.periodMs);
  const shutdownAt = Date.now();
  const shutdown = await sandbox.shutdown();
  const emitted = sandbox.emitted();
  // the billed figure Lambda reports: the platform.report record of each invocation
  for (const inv of invocations) inv.billedMs = reportedBilledMs(emitted, inv.requestId, inv.billedMs);
  return {
    functionName: o.functionName,
    invocations,
    shutdownAt,
    shutdownMs: shutdown.durationMs,
    emitted: emitted.filter((r) => r.type === 'function').length,
    lambdaDropped: sandbox.report().dropped.records,
    spooledFunctionRecords: env.spooled().functionRecords,
  };
}

/**
 * Runs the three environments side by side and finds, in the tap, when each invocation's function
 * records arrived (beside which later invocation, or at SHUTDOWN).
 *
 * @example
 * ```js
 * const sparse = await runSparse({ layers, tap, token, count: 8, periodMs: 15_000, linesPerInvocation: 10, lineBytes: 100 });
 * ```
 * @param {{ layers: import('./layers.mjs').BenchLayers, tap: Awaited<ReturnType<typeof import('./tap.mjs').startBenchTap>>, token: string, count: number, periodMs: number, linesPerInvocation: number, lineBytes: number }} options
 */
export async function runSparse(options) {
  const contenders = /** @type {const} */ ([
    ['dataTaps', options.layers.dataTaps, 'sparse-data-taps'],
    ['noop', options.layers.noop, 'sparse-noop'],
    ['empty', options.layers.empty, 'sparse-empty'],
  ]);
  const envs = contenders.map(([, layer, functionName]) =>
    createEnvironment({ layer, functionName, tapUrl: options.tap.url, token: options.token }),
  );
  try {
    // Init one after another (Init is measured elsewhere), then the invocations, interleaved
    for (const [i, env] of envs.entries()) {
      const init = await env.sandbox.init();
      if (init.status !== 'success') {
        throw new Error(`${contenders[i]?.[2]}: Init failed: ${init.status} ${init.errorType ?? ''}`);
      }
    }
    const firstAt = Date.now() + 200;
    const event = { lines: options.linesPerInvocation, size: options.lineBytes };
    const [dataTaps, noop, empty] = await Promise.all(
      envs.map((env, i) =>
        runOne(
          {
            layer: /** @type {string} */ (contenders[i]?.[1]),
            functionName: /** @type {string} */ (contenders[i]?.[2]),
            tapUrl: options.tap.url,
            token: options.token,
            count: options.count,
            periodMs: options.periodMs,
            firstAt: firstAt + (i * options.periodMs) / contenders.length,
            event,
          },
          env,
        ),
      ),
    );
    const dt = /** @type {SparseRun} */ (dataTaps);
    await options.tap.convert();
    const arrivals = await options.tap.functionRecordArrivals(dt.functionName);
    const { perInvocation, unmatched } = deliveryByInvocation(
      arrivals,
      dt.invocations.map((i) => i.requestId),
      dt.invocations.map((i) => i.startedAt),
      dt.shutdownAt,
    );
    const delivered = await options.tap.countFunctionRecords(dt.functionName);
    return {
      count: options.count,
      periodMs: options.periodMs,
      linesPerInvocation: options.linesPerInvocation,
      lineBytes: options.lineBytes,
      dataTaps: { ...dt, delivery: perInvocation, unmatched, delivered },
      noop: /** @type {SparseRun} */ (noop),
      empty: /** @type {SparseRun} */ (empty),
    };
  } finally {
    for (const env of envs) {
      await env.sandbox.kill().catch(() => {});
      env.cleanup();
    }
  }
}
