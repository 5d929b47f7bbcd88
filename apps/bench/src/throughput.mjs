// @ts-check
// Throughput: back-to-back invocations whose handler writes many log lines of one size, for a
// fixed time, then SHUTDOWN (the extension drains what it holds). Measures what reached the tap,
// when the last request arrived, the extension's CPU time (/proc/<pid>/stat) and its peak RSS.

import { extensionDrops } from './accounting.mjs';
import { createEnvironment } from './environment.mjs';
import { cpuMs, memoryKb } from './proc.mjs';

/**
 * @typedef {object} ThroughputRun
 * @property {string} functionName
 * @property {number} lineBytes size of one function record
 * @property {number} invocations
 * @property {number} emitted function records the sandbox produced
 * @property {number} loadMs from the first invocation to the end of the last one
 * @property {number} meanRuntimeMs mean invocation duration (request reaching the runtime to its answer)
 * @property {number} meanPostRuntimeMs mean post-runtime extension time
 * @property {number} windowMs from the first invocation to the last request reaching the tap (0 without one)
 * @property {number} requests requests that reached the tap
 * @property {number} requestBytes their body bytes
 * @property {number} tapLines NDJSON lines the tap accepted during the run (all record types)
 * @property {number} tapBytes bytes the tap accepted during the run
 * @property {number} extensionCpuMs user + system CPU of the extension process over the run, shutdown included
 * @property {number} runtimeCpuMs user + system CPU of the function's runtime process over the load
 * @property {number} peakRssKb VmHWM of the extension process (peak resident memory)
 * @property {number} lambdaDropped records the sandbox dropped because the subscriber did not keep up
 * @property {number} extensionDropped records the extension dropped and counted (its last log line's `dropped`)
 * @property {Record<string, number>} extensionDroppedByCause the same by cause (causes with none left out)
 * @property {number} spooledFunctionRecords function records left in the spool at exit
 * @property {string} shutdownOutcome how the extension process ended
 * @property {string} [stoppedBy] the invocation that ended the run early and how (such as `Runtime.OutOfMemory`: the sandbox enforces the function's memory)
 */

/**
 * Runs one throughput measurement.
 *
 * @example
 * ```js
 * const run = await runThroughput({ layer, functionName: 'tp-small', tap, token, lineBytes: 100, linesPerInvocation: 1000, durationMs: 20_000 });
 * ```
 * @param {{ layer: string, functionName: string, tap: { url: string, takeArrivals(): { at: number, bytes: number }[], stats(): { acceptedLines: number, acceptedBytes: number } }, token: string, lineBytes: number, linesPerInvocation: number, durationMs: number }} options
 * @returns {Promise<ThroughputRun>}
 */
export async function runThroughput(options) {
  const env = createEnvironment({
    layer: options.layer,
    functionName: options.functionName,
    tapUrl: options.tap.url,
    token: options.token,
  });
  const { sandbox } = env;
  try {
    const init = await sandbox.init();
    if (init.status !== 'success') throw new Error(`Init failed: ${init.status} ${init.errorType ?? ''}`);
    const pid = /** @type {number} */ (init.extensions.find((e) => e.pid !== undefined)?.pid);
    const runtimePid = /** @type {number} */ (init.runtimePid);
    options.tap.takeArrivals();
    const tapBefore = options.tap.stats();
    const cpu0 = cpuMs(pid) ?? 0;
    const runtimeCpu0 = cpuMs(runtimePid) ?? 0;
    const event = { lines: options.linesPerInvocation, size: options.lineBytes };
    const t0 = performance.now();
    let invocations = 0;
    let runtimeMs = 0;
    let postRuntimeMs = 0;
    /** @type {string | undefined} */
    let stoppedBy;
    while (performance.now() - t0 < options.durationMs) {
      const r = await sandbox.invoke(event);
      invocations += 1;
      runtimeMs += r.durationMs;
      postRuntimeMs += r.postRuntimeExtensionsDurationMs;
      if (r.status !== 'success') {
        // the environment is gone (Lambda would start another): the run ends here and says so
        stoppedBy = `invocation ${invocations}: ${r.status}${r.error?.errorType ? ` ${r.error.errorType}` : ''}`;
        break;
      }
    }
    const loadMs = performance.now() - t0;
    const runtimeCpuMs = (cpuMs(runtimePid) ?? runtimeCpu0) - runtimeCpu0;
    // the process exits during SHUTDOWN: sample often to keep its last CPU and memory figures
    let lastCpu = cpuMs(pid) ?? cpu0;
    let peakRssKb = memoryKb(pid)?.hwmKb ?? 0;
    const sampler = setInterval(() => {
      lastCpu = cpuMs(pid) ?? lastCpu;
      peakRssKb = memoryKb(pid)?.hwmKb ?? peakRssKb;
    }, 5);
    const shutdown = await sandbox.shutdown(stoppedBy ? 'failure' : 'spindown');
    clearInterval(sampler);
    const arrivals = options.tap.takeArrivals();
    const tapAfter = options.tap.stats();
    const last = arrivals.reduce((m, a) => Math.max(m, a.at), 0);
    return {
      functionName: options.functionName,
      lineBytes: options.lineBytes,
      invocations,
      emitted: sandbox.emitted().filter((r) => r.type === 'function').length,
      loadMs,
      meanRuntimeMs: runtimeMs / invocations,
      meanPostRuntimeMs: postRuntimeMs / invocations,
      windowMs: last > 0 ? last - t0 : 0,
      requests: arrivals.length,
      requestBytes: arrivals.reduce((s, a) => s + a.bytes, 0),
      tapLines: tapAfter.acceptedLines - tapBefore.acceptedLines,
      tapBytes: tapAfter.acceptedBytes - tapBefore.acceptedBytes,
      extensionCpuMs: lastCpu - cpu0,
      runtimeCpuMs,
      peakRssKb,
      lambdaDropped: sandbox.report().dropped.records,
      extensionDropped: extensionDrops(sandbox.emitted(), []).records,
      extensionDroppedByCause: droppedByCause(sandbox.emitted()),
      spooledFunctionRecords: env.spooled().functionRecords,
      shutdownOutcome: shutdown.extensions.map((e) => `${e.name}: ${e.outcome}`).join(', '),
      ...(stoppedBy ? { stoppedBy } : {}),
    };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

/**
 * The extension's drops by cause, from its last "shut down" log line (causes with none left out).
 * @param {readonly { type: string, record?: unknown }[]} emitted
 * @returns {Record<string, number>}
 */
function droppedByCause(emitted) {
  for (let i = emitted.length - 1; i >= 0; i -= 1) {
    const r = /** @type {{ type: string, record?: unknown }} */ (emitted[i]);
    if (r.type !== 'extension' || typeof r.record !== 'string' || !r.record.includes('"shut down"')) continue;
    try {
      const causes = JSON.parse(r.record).droppedByCause ?? {};
      return Object.fromEntries(
        Object.entries(causes)
          .filter(([, n]) => Number(n) > 0)
          .map(([k, n]) => [k, Number(n)]),
      );
    } catch {
      return {};
    }
  }
  return {};
}
