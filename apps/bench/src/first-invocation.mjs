// @ts-check
// The first invocation of fresh environments: Init, a first invocation, a second one shortly
// after, SHUTDOWN. With the extension and a healthy tap, with the extension and a tap that fails
// its first answers (500, 500, 503, then 429 with Retry-After: 1, then healthy), beside the no-op
// extension; one round of the three after another.
import { extensionDrops } from './accounting.mjs';
import { createEnvironment, reportedBilledMs } from './environment.mjs';

/** The failing tap's first answers in each environment; after them it answers as usual. */
export const FAILING_TAP_ANSWERS = /** @type {const} */ ([
  { status: 500 },
  { status: 500 },
  { status: 503 },
  { status: 429, headers: { 'retry-after': '1' } },
]);
/** The time between the first and the second invocation. */
export const SECOND_INVOCATION_GAP_MS = 200;

/**
 * @typedef {object} FirstInvocationRun
 * @property {string} functionName
 * @property {number} firstPostRuntimeMs
 * @property {number} firstBilledMs
 * @property {number} firstDurationMs
 * @property {number} secondPostRuntimeMs
 * @property {number} secondBilledMs
 * @property {number} shutdownMs
 * @property {string} shutdownOutcome
 * @property {number} emitted function records the sandbox produced
 * @property {number} inTap distinct function records in the tap (0 for the no-op)
 * @property {number} lambdaDropped
 * @property {number} extensionDropped
 * @property {number} spooledFunctionRecords
 */

/**
 * @param {{ layer: string, functionName: string, tap: Awaited<ReturnType<typeof import('./tap.mjs').startBenchTap>>, token: string, event: unknown }} o
 * @returns {Promise<Omit<FirstInvocationRun, 'inTap' | 'extensionDropped'> & { emittedRecords: readonly any[] }>}
 */
async function oneEnvironment(o) {
  const env = createEnvironment({
    layer: o.layer,
    functionName: o.functionName,
    tapUrl: o.tap.url,
    token: o.token,
  });
  const { sandbox } = env;
  try {
    const init = await sandbox.init();
    if (init.status !== 'success') throw new Error(`Init failed: ${init.status} ${init.errorType ?? ''}`);
    const first = await sandbox.invoke(o.event);
    if (first.status !== 'success')
      throw new Error(`${o.functionName}: first invocation ended ${first.status}`);
    await new Promise((resolve) => setTimeout(resolve, SECOND_INVOCATION_GAP_MS));
    const second = await sandbox.invoke(o.event);
    if (second.status !== 'success')
      throw new Error(`${o.functionName}: second invocation ended ${second.status}`);
    const shutdown = await sandbox.shutdown();
    const emitted = sandbox.emitted();
    return {
      functionName: o.functionName,
      firstPostRuntimeMs: first.postRuntimeExtensionsDurationMs,
      firstBilledMs: reportedBilledMs(emitted, first.requestId, first.billedDurationMs),
      firstDurationMs: first.durationMs,
      secondPostRuntimeMs: second.postRuntimeExtensionsDurationMs,
      secondBilledMs: reportedBilledMs(emitted, second.requestId, second.billedDurationMs),
      shutdownMs: shutdown.durationMs,
      shutdownOutcome: shutdown.extensions.map((e) => e.outcome).join(', ') || '–',
      emitted: emitted.filter((r) => r.type === 'function').length,
      emittedRecords: emitted,
      lambdaDropped: sandbox.report().dropped.records,
      spooledFunctionRecords: env.spooled().functionRecords,
    };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

/**
 * Runs `rounds` rounds of the three environments and accounts for every function record.
 *
 * @example
 * ```js
 * const first = await runFirstInvocations({ layers, tap, token, rounds: 10, linesPerInvocation: 10, lineBytes: 100 });
 * ```
 * @param {{ layers: import('./layers.mjs').BenchLayers, tap: Awaited<ReturnType<typeof import('./tap.mjs').startBenchTap>>, token: string, rounds: number, linesPerInvocation: number, lineBytes: number }} options
 */
export async function runFirstInvocations(options) {
  const { layers, tap, token } = options;
  const event = { lines: options.linesPerInvocation, size: options.lineBytes };
  /** @type {{ noop: Awaited<ReturnType<typeof oneEnvironment>>[], healthy: Awaited<ReturnType<typeof oneEnvironment>>[], failing: Awaited<ReturnType<typeof oneEnvironment>>[] }} */
  const raw = { noop: [], healthy: [], failing: [] };
  for (let round = 0; round < options.rounds; round += 1) {
    raw.noop.push(
      await oneEnvironment({ layer: layers.noop, functionName: `fi-noop-${round}`, tap, token, event }),
    );
    raw.healthy.push(
      await oneEnvironment({
        layer: layers.dataTaps,
        functionName: `fi-healthy-${round}`,
        tap,
        token,
        event,
      }),
    );
    tap.setScript((n) => FAILING_TAP_ANSWERS[n - 1]);
    try {
      raw.failing.push(
        await oneEnvironment({
          layer: layers.dataTaps,
          functionName: `fi-failing-${round}`,
          tap,
          token,
          event,
        }),
      );
    } finally {
      tap.setScript(undefined);
    }
  }
  await tap.convert();
  /** @param {Awaited<ReturnType<typeof oneEnvironment>>[]} runs @param {boolean} ships */
  const account = async (runs, ships) => {
    /** @type {FirstInvocationRun[]} */
    const out = [];
    for (const { emittedRecords, ...run } of runs) {
      const inTap = ships ? (await tap.countFunctionRecords(run.functionName)).distinct : 0;
      const drops = ships
        ? extensionDrops(emittedRecords, await tap.recordsOfType(run.functionName, 'dataTaps.dropped'))
        : { records: 0 };
      out.push({ ...run, inTap, extensionDropped: drops.records });
    }
    return out;
  };
  return {
    rounds: options.rounds,
    linesPerInvocation: options.linesPerInvocation,
    lineBytes: options.lineBytes,
    noop: await account(raw.noop, false),
    healthy: await account(raw.healthy, true),
    failing: await account(raw.failing, true),
  };
}
