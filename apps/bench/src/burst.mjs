// @ts-check
// The 128 MB burst: a 128 MB function writes a burst of log lines in back-to-back invocations,
// then SHUTDOWN. Peak resident memory (VmHWM) of the extension and of the runtime, whether the
// sandbox ended an invocation with Runtime.OutOfMemory, and where every function record went.
import { extensionDrops } from './accounting.mjs';
import { createEnvironment } from './environment.mjs';
import { memoryKb } from './proc.mjs';

/** The shape: memory, invocations, lines per invocation, line size. */
export const BURST_SHAPE = { memorySizeMb: 128, invocations: 10, linesPerInvocation: 5000, lineBytes: 200 };
/** The tap that is down: every request answered 503. */
export const TAP_DOWN_ANSWER = { status: 503 };

/**
 * @typedef {object} BurstRun
 * @property {string} functionName
 * @property {number} invocations invocations that ran (fewer than asked when one ran out of memory)
 * @property {string[]} statuses status (and error type) of every invocation that was not a success
 * @property {boolean} outOfMemory the sandbox reported Runtime.OutOfMemory (an invocation, or a crash)
 * @property {number} extensionPeakRssKb VmHWM of the extension process (0 without one)
 * @property {number} runtimePeakRssKb VmHWM of the runtime process
 * @property {number} maxMemoryUsedMB the sandbox's `maxMemoryUsedMB` (all processes together)
 * @property {number} postRuntimeMsMax
 * @property {number} shutdownMs
 * @property {string} shutdownOutcome
 * @property {number} emitted function records the sandbox produced
 * @property {number} inTap
 * @property {number} lambdaDropped
 * @property {number} extensionDropped
 * @property {string} extensionDroppedSource
 * @property {number} spooledFunctionRecords
 */

const isOom = (/** @type {unknown} */ text) => typeof text === 'string' && text.includes('OutOfMemory');

/**
 * One run of the burst with one layer; `tapDown` answers every tap request with 503.
 *
 * @example
 * ```js
 * const run = await runBurst({ layer: layers.dataTaps, functionName: 'burst-healthy', tap, token, tapDown: false });
 * ```
 * @param {{ layer: string, functionName: string, tap: Awaited<ReturnType<typeof import('./tap.mjs').startBenchTap>>, token: string, tapDown: boolean, ships: boolean }} options
 * @returns {Promise<BurstRun>}
 */
export async function runBurst(options) {
  const { tap } = options;
  const env = createEnvironment({
    layer: options.layer,
    functionName: options.functionName,
    tapUrl: tap.url,
    token: options.token,
    memorySizeMb: BURST_SHAPE.memorySizeMb,
  });
  const { sandbox } = env;
  if (options.tapDown) tap.setScript(() => TAP_DOWN_ANSWER);
  /** @type {NodeJS.Timeout | undefined} */
  let sampler;
  try {
    const init = await sandbox.init();
    if (init.status !== 'success') throw new Error(`Init failed: ${init.status} ${init.errorType ?? ''}`);
    const pid = init.extensions.find((e) => e.pid !== undefined)?.pid;
    const runtimePid = init.runtimePid;
    let extensionPeakRssKb = 0;
    let runtimePeakRssKb = 0;
    const sample = () => {
      if (pid !== undefined) extensionPeakRssKb = Math.max(extensionPeakRssKb, memoryKb(pid)?.hwmKb ?? 0);
      if (runtimePid !== undefined)
        runtimePeakRssKb = Math.max(runtimePeakRssKb, memoryKb(runtimePid)?.hwmKb ?? 0);
    };
    // VmHWM is a high-water mark: sampling only keeps the last figure before a process exits
    sampler = setInterval(sample, 5);
    const event = { lines: BURST_SHAPE.linesPerInvocation, size: BURST_SHAPE.lineBytes };
    /** @type {string[]} */
    const statuses = [];
    let outOfMemory = false;
    let invocations = 0;
    let postRuntimeMsMax = 0;
    let maxMemoryUsedMB = 0;
    for (let i = 0; i < BURST_SHAPE.invocations; i += 1) {
      const r = await sandbox.invoke(event);
      invocations += 1;
      postRuntimeMsMax = Math.max(postRuntimeMsMax, r.postRuntimeExtensionsDurationMs);
      maxMemoryUsedMB = Math.max(maxMemoryUsedMB, r.maxMemoryUsedMB);
      if (r.status !== 'success') {
        const errorType = r.error?.errorType ?? '';
        statuses.push(`#${i + 1} ${r.status}${errorType ? ` ${errorType}` : ''}`);
        if (isOom(errorType)) outOfMemory = true;
        break; // the environment is gone (Lambda starts a new one)
      }
    }
    sample();
    const shutdown = await sandbox.shutdown(statuses.length > 0 ? 'failure' : 'spindown');
    clearInterval(sampler);
    const report = sandbox.report();
    if (report.crashes.some((c) => isOom(c.errorType))) outOfMemory = true;
    maxMemoryUsedMB = Math.max(maxMemoryUsedMB, report.maxMemoryUsedMB);
    const emitted = sandbox.emitted();
    tap.setScript(undefined);
    let inTap = 0;
    /** @type {unknown[]} */
    let tapDrops = [];
    if (options.ships) {
      await tap.convert();
      inTap = (await tap.countFunctionRecords(options.functionName)).distinct;
      tapDrops = await tap.recordsOfType(options.functionName, 'dataTaps.dropped');
    }
    const drops = options.ships ? extensionDrops(emitted, tapDrops) : { records: 0, source: 'none' };
    return {
      functionName: options.functionName,
      invocations,
      statuses,
      outOfMemory,
      extensionPeakRssKb,
      runtimePeakRssKb,
      maxMemoryUsedMB,
      postRuntimeMsMax,
      shutdownMs: shutdown.durationMs,
      shutdownOutcome: shutdown.extensions.map((e) => e.outcome).join(', ') || '–',
      emitted: emitted.filter((r) => r.type === 'function').length,
      inTap,
      lambdaDropped: report.dropped.records,
      extensionDropped: drops.records,
      extensionDroppedSource: drops.source,
      spooledFunctionRecords: env.spooled().functionRecords,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    tap.setScript(undefined);
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}
