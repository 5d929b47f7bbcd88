// @ts-check
// Overhead per invocation: invocations at a fixed rate (each writes a few log lines), recording the
// sandbox's postRuntimeExtensionsDurationMs (the runtime's answer to the last extension's `next`).
import { createEnvironment } from './environment.mjs';

/**
 * @typedef {object} OverheadRun
 * @property {string} functionName
 * @property {number} rate invocations per second asked for
 * @property {number} achievedRate invocations per second achieved
 * @property {number[]} postRuntimeMs post-runtime time of every invocation, in order
 * @property {number[]} runtimeMs runtime duration of every invocation, in order
 * @property {number} emitted function records the sandbox produced
 * @property {number} lambdaDropped records the sandbox dropped (subscriber too slow)
 * @property {number} spooledFunctionRecords function records left in the spool at exit
 */

/**
 * Runs `count` invocations starting every `1000 / rate` ms (at once when the previous one ended
 * late), then SHUTDOWN.
 *
 * @example
 * ```js
 * const run = await runOverhead({ layer, functionName: 'oh-10', tap, token, rate: 10, count: 300, linesPerInvocation: 10, lineBytes: 100 });
 * ```
 * @param {{ layer: string, functionName: string, tap: { url: string }, token: string, rate: number, count: number, linesPerInvocation: number, lineBytes: number }} options
 * @returns {Promise<OverheadRun>}
 */
export async function runOverhead(options) {
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
    const event = { lines: options.linesPerInvocation, size: options.lineBytes };
    const period = 1000 / options.rate;
    /** @type {number[]} */
    const postRuntimeMs = [];
    /** @type {number[]} */
    const runtimeMs = [];
    const t0 = performance.now();
    for (let i = 0; i < options.count; i += 1) {
      const wait = t0 + i * period - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const r = await sandbox.invoke(event);
      if (r.status !== 'success') throw new Error(`invocation ${i + 1} ended ${r.status}`);
      postRuntimeMs.push(r.postRuntimeExtensionsDurationMs);
      runtimeMs.push(r.durationMs);
    }
    // the last invocation started at t0 + (count - 1) * period: rate over the periods actually used
    const elapsed = performance.now() - t0;
    const achievedRate = options.count / Math.max(elapsed / 1000, options.count / options.rate);
    await sandbox.shutdown();
    return {
      functionName: options.functionName,
      rate: options.rate,
      achievedRate,
      postRuntimeMs,
      runtimeMs,
      emitted: sandbox.emitted().filter((r) => r.type === 'function').length,
      lambdaDropped: sandbox.report().dropped.records,
      spooledFunctionRecords: env.spooled().functionRecords,
    };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}
