// @ts-check
// The measurements of the TIMEOUT_MS study (the Telemetry API buffering timeout the extension
// subscribes with), one environment each:
// - drain: a backlog, a tap answering in 100 ms, SHUTDOWN at once after the last invocation: when
//   the last invocation's platform.report reaches the extension, when the last request reaches the
//   tap, when the extension exits, and whether everything got out within the 2 s Shutdown phase;
// - posts: invocations at 100 per second: the POSTs Lambda (the sandbox) makes to the listener;
// - end flush: DATA_TAPS_FLUSH_STRATEGY=end, the post-runtime time each invocation pays.
import { readFileSync } from 'node:fs';
import { positionInStream } from './accounting.mjs';
import { createEnvironment } from './environment.mjs';
import { cpuMs } from './proc.mjs';

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {number} pid whether the process is still there (not gone, not a zombie) */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * @param {string} functionName
 * @param {string} tapUrl
 * @param {string} token
 * @param {string} layer
 * @param {Record<string, string>} env
 */
async function started(functionName, tapUrl, token, layer, env) {
  const e = createEnvironment({ layer, functionName, tapUrl, token, env });
  const init = await e.sandbox.init();
  if (init.status !== 'success') {
    await e.sandbox.kill().catch(() => {});
    e.cleanup();
    throw new Error(`${functionName}: Init failed: ${init.status} ${init.errorType ?? ''}`);
  }
  return { env: e, init };
}

/**
 * @typedef {object} DrainRun
 * @property {number} timeoutMs
 * @property {number} backlogLines NDJSON lines the tap stored during the Shutdown phase (all record types)
 * @property {number} requestsDuringShutdown
 * @property {number} runtimeExitMs SHUTDOWN phase start to the runtime's exit (extensions get SHUTDOWN then)
 * @property {number} reportAtExtensionMs to the last invocation's platform.report acknowledged by the extension's listener (NaN: never)
 * @property {number} lastTapRequestMs to the last request reaching the tap (NaN: none)
 * @property {number} extensionExitMs to the extension's exit
 * @property {string} outcome how the extension ended (`exited`, `killed` at the deadline)
 * @property {boolean} reportInTap
 * @property {number} emitted function records
 * @property {number} inTap function records in the tap
 * @property {number} lambdaDropped
 * @property {number} spooledFunctionRecords
 */

/**
 * The drain: `invocations` back-to-back invocations of `lines` lines of 100 B (the backlog), the
 * tap answering every request `tapDelayMs` late, SHUTDOWN at once; times from the start of the
 * Shutdown phase (its 2,000 ms budget includes the runtime's share), read by polling about every
 * millisecond.
 *
 * @example
 * ```js
 * const run = await runDrain({ layer, tap, token, timeoutMs: 25, invocations: 10, lines: 1000, tapDelayMs: 100, functionName: 'ts-drain-25' });
 * ```
 * @param {{ layer: string, tap: Awaited<ReturnType<typeof import('./tap.mjs').startBenchTap>>, token: string, timeoutMs: number, invocations: number, lines: number, tapDelayMs: number, functionName: string }} o
 * @returns {Promise<DrainRun>}
 */
export async function runDrain(o) {
  const { tap } = o;
  tap.setDelay(o.tapDelayMs);
  const { env, init } = await started(o.functionName, tap.url, o.token, o.layer, {
    TIMEOUT_MS: String(o.timeoutMs),
  });
  const { sandbox } = env;
  try {
    const pid = /** @type {number} */ (init.extensions.find((e) => e.pid !== undefined)?.pid);
    const runtimePid = /** @type {number} */ (init.runtimePid);
    let lastRequestId = '';
    for (let i = 0; i < o.invocations; i += 1) {
      const r = await sandbox.invoke({ lines: o.lines, size: 100 });
      if (r.status !== 'success') throw new Error(`${o.functionName}: invocation ${i + 1} ended ${r.status}`);
      lastRequestId = r.requestId;
    }
    const subscriber = sandbox.report().subscribers[0];
    const position = subscriber
      ? positionInStream(
          sandbox.emitted(),
          subscriber.types,
          subscriber.name,
          (r) => r.type === 'platform.report' && r.record?.requestId === lastRequestId,
        )
      : 0;
    tap.takeArrivals();
    const linesBefore = tap.stats().acceptedLines;
    const t0 = performance.now();
    let runtimeExitMs = Number.NaN;
    let reportAtExtensionMs = Number.NaN;
    let extensionExitMs = Number.NaN;
    const poll = setInterval(() => {
      const t = performance.now() - t0;
      if (Number.isNaN(runtimeExitMs) && !alive(runtimePid)) runtimeExitMs = t;
      if (Number.isNaN(reportAtExtensionMs) && position > 0) {
        const s = sandbox.report().subscribers[0];
        if (s && s.deliveredRecords + s.droppedRecords >= position) reportAtExtensionMs = t;
      }
      if (Number.isNaN(extensionExitMs) && !alive(pid)) extensionExitMs = t;
    }, 1);
    const shutdown = await sandbox.shutdown();
    clearInterval(poll);
    const end = performance.now() - t0;
    if (Number.isNaN(extensionExitMs)) extensionExitMs = end;
    const arrivals = tap.takeArrivals();
    const lastTapRequestMs = arrivals.length ? Math.max(...arrivals.map((a) => a.at)) - t0 : Number.NaN;
    const backlogLines = tap.stats().acceptedLines - linesBefore;
    tap.setDelay(0);
    await tap.convert();
    return {
      timeoutMs: o.timeoutMs,
      backlogLines,
      requestsDuringShutdown: arrivals.length,
      runtimeExitMs,
      reportAtExtensionMs,
      lastTapRequestMs,
      extensionExitMs,
      outcome: shutdown.extensions.map((e) => e.outcome).join(', '),
      reportInTap: await tap.hasRecord(o.functionName, 'platform.report', lastRequestId),
      emitted: sandbox.emitted().filter((r) => r.type === 'function').length,
      inTap: (await tap.countFunctionRecords(o.functionName)).distinct,
      lambdaDropped: sandbox.report().dropped.records,
      spooledFunctionRecords: env.spooled().functionRecords,
    };
  } finally {
    tap.setDelay(0);
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

/**
 * @typedef {object} PostsRun
 * @property {number} timeoutMs
 * @property {number} achievedRate invocations per second
 * @property {number} postsPerS POSTs the sandbox made to the listener per second of load (acknowledged or not)
 * @property {number} recordsPerPost
 * @property {number} extensionCpuMsPerS utime + stime of the extension per second of load
 * @property {number[]} postRuntimeMs
 */

/**
 * Invocations at a fixed rate, `lines` lines of 100 B each: the POSTs Lambda makes to the listener
 * (the sandbox's count of delivered and failed batches to the subscriber) over the load.
 *
 * @example
 * ```js
 * const run = await runPosts({ layer, tap, token, timeoutMs: 25, rate: 100, count: 1000, lines: 10, functionName: 'ts-posts-25' });
 * ```
 * @param {{ layer: string, tap: { url: string }, token: string, timeoutMs: number, rate: number, count: number, lines: number, functionName: string }} o
 * @returns {Promise<PostsRun>}
 */
export async function runPosts(o) {
  const { env, init } = await started(o.functionName, o.tap.url, o.token, o.layer, {
    TIMEOUT_MS: String(o.timeoutMs),
  });
  const { sandbox } = env;
  try {
    const pid = /** @type {number} */ (init.extensions.find((e) => e.pid !== undefined)?.pid);
    const counts = () => {
      const s = sandbox.report().subscribers[0];
      return s
        ? { posts: s.deliveredBatches + s.failedBatches, records: s.deliveredRecords }
        : { posts: 0, records: 0 };
    };
    const before = counts();
    const cpu0 = cpuMs(pid) ?? 0;
    const period = 1000 / o.rate;
    /** @type {number[]} */
    const postRuntimeMs = [];
    const t0 = performance.now();
    for (let i = 0; i < o.count; i += 1) {
      const wait = t0 + i * period - performance.now();
      if (wait > 0) await sleep(wait);
      const r = await sandbox.invoke({ lines: o.lines, size: 100 });
      if (r.status !== 'success') throw new Error(`${o.functionName}: invocation ${i + 1} ended ${r.status}`);
      postRuntimeMs.push(r.postRuntimeExtensionsDurationMs);
    }
    const loadS = (performance.now() - t0) / 1000;
    const after = counts();
    const cpu = (cpuMs(pid) ?? cpu0) - cpu0;
    await sandbox.shutdown();
    const posts = after.posts - before.posts;
    return {
      timeoutMs: o.timeoutMs,
      achievedRate: o.count / Math.max(loadS, o.count / o.rate),
      postsPerS: posts / loadS,
      recordsPerPost: posts > 0 ? (after.records - before.records) / posts : Number.NaN,
      extensionCpuMsPerS: cpu / loadS,
      postRuntimeMs,
    };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

/**
 * @typedef {object} EndFlushRun
 * @property {number} timeoutMs 0 for the no-op baseline
 * @property {number[]} postRuntimeMs
 * @property {number[]} billedMs
 */

/**
 * Invocations `gapMs` apart (from the end of one to the start of the next), `lines` lines of 100 B
 * each, with the given variables (`DATA_TAPS_FLUSH_STRATEGY=end`): the post-runtime time of each.
 *
 * @example
 * ```js
 * const run = await runEndFlush({ layer, tap, token, timeoutMs: 25, env: { TIMEOUT_MS: '25', DATA_TAPS_FLUSH_STRATEGY: 'end' }, count: 20, gapMs: 100, lines: 10, functionName: 'ts-end-25' });
 * ```
 * @param {{ layer: string, tap: { url: string }, token: string, timeoutMs: number, env: Record<string, string>, count: number, gapMs: number, lines: number, functionName: string }} o
 * @returns {Promise<EndFlushRun>}
 */
export async function runEndFlush(o) {
  const { env } = await started(o.functionName, o.tap.url, o.token, o.layer, o.env);
  const { sandbox } = env;
  try {
    /** @type {number[]} */
    const postRuntimeMs = [];
    /** @type {number[]} */
    const billedMs = [];
    for (let i = 0; i < o.count; i += 1) {
      if (i > 0) await sleep(o.gapMs);
      const r = await sandbox.invoke({ lines: o.lines, size: 100 });
      if (r.status !== 'success') throw new Error(`${o.functionName}: invocation ${i + 1} ended ${r.status}`);
      postRuntimeMs.push(r.postRuntimeExtensionsDurationMs);
      billedMs.push(r.billedDurationMs);
    }
    await sandbox.shutdown();
    return { timeoutMs: o.timeoutMs, postRuntimeMs, billedMs };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}
