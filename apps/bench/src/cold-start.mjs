// @ts-check
// Cold start and idle memory: Init of the sandbox with the empty layer (the function alone), the
// no-op extension and the extension, beside a bare node process started and ended by hand.
import { spawn } from 'node:child_process';
import { createEnvironment } from './environment.mjs';
import { startInitCpuSampler } from './init-sampler.mjs';
import { memoryKb } from './proc.mjs';

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The sandbox's clock (its default `now`): record times are taken from it. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * @typedef {object} ColdStartSample
 * @property {number} bareNodeMs spawn of `node -e ''` to its exit
 * @property {number} bareIdleRssKb VmRSS of an idle `node -e 'setInterval(...)'` after 300 ms
 * @property {number} bareIdleHwmKb its VmHWM
 * @property {number} emptyInitMs sandbox Init with no extension (the runtime alone)
 * @property {number} noopReadyMs init() to the no-op extension's first `next` (it registers, then calls next at once)
 * @property {number} noopInitMs sandbox Init with the no-op extension
 * @property {number} noopIdleRssKb VmRSS of the no-op extension after Init
 * @property {number} noopCpuToNextMs utime + stime of the no-op extension up to its first `next`
 * @property {number} subscribedMs init() to the extension's Telemetry API subscription (registered and subscribed)
 * @property {number} readyMs init() to the extension's first `next`
 * @property {number} initMs sandbox Init with the extension
 * @property {number} idleRssKb VmRSS of the extension after Init
 * @property {number} cpuToNextMs utime + stime of the extension up to its first `next`
 */

/**
 * One round of the three candidates (interleaved rounds spread the machine's noise evenly).
 *
 * @example
 * ```js
 * const sample = await coldStartRound({ layers, tapUrl, token });
 * ```
 * @param {{ layers: { dataTaps: string, noop: string, empty: string }, tapUrl: string, token: string, round: number }} options
 * @returns {Promise<ColdStartSample>}
 */
export async function coldStartRound(options) {
  const bareNodeMs = await bareNode();
  const bareIdle = await bareIdleMemory();

  const empty = await initOnce(options, options.layers.empty, 'cs-empty');
  const noop = await initOnce(options, options.layers.noop, 'cs-noop');
  const ext = await initOnce(options, options.layers.dataTaps, 'cs-data-taps');
  return {
    bareNodeMs,
    bareIdleRssKb: bareIdle.rssKb,
    bareIdleHwmKb: bareIdle.hwmKb,
    emptyInitMs: empty.initMs,
    noopReadyMs: noop.readyMs,
    noopInitMs: noop.initMs,
    noopIdleRssKb: noop.idleRssKb,
    noopCpuToNextMs: noop.cpuToNextMs,
    subscribedMs: ext.subscribedMs,
    readyMs: ext.readyMs,
    initMs: ext.initMs,
    idleRssKb: ext.idleRssKb,
    cpuToNextMs: ext.cpuToNextMs,
  };
}

/**
 * @param {{ tapUrl: string, token: string, round: number }} options
 * @param {string} layer
 * @param {string} name
 */
async function initOnce(options, layer, name) {
  const env = createEnvironment({
    layer,
    functionName: `${name}-${options.round}`,
    tapUrl: options.tapUrl,
    token: options.token,
  });
  const { sandbox } = env;
  // every contender is sampled alike (the sampler shares the benchmark process with the sandbox)
  const sampler = startInitCpuSampler(layer);
  try {
    const t0 = clock();
    const init = await sandbox.init();
    sampler.stop();
    if (init.status !== 'success') throw new Error(`Init failed: ${init.status} ${init.errorType ?? ''}`);
    const timeOf = (/** @type {string} */ type) => {
      const record = sandbox.emitted().find((r) => r.type === type);
      return record ? Date.parse(record.time) : Number.NaN;
    };
    const at = (/** @type {string} */ type) => timeOf(type) - t0;
    const pid = init.extensions.find((e) => e.pid !== undefined)?.pid;
    // the environment is frozen now: the figure is the memory it keeps while idle
    const idleRssKb = pid === undefined ? Number.NaN : (memoryKb(pid)?.rssKb ?? Number.NaN);
    return {
      initMs: init.durationMs,
      readyMs: at('platform.extension'),
      subscribedMs: at('platform.telemetrySubscription'),
      idleRssKb,
      // the sampler's process must be the one the sandbox reports
      cpuToNextMs:
        pid !== undefined && sampler.pid === pid
          ? sampler.cpuBefore(timeOf('platform.extension'))
          : Number.NaN,
    };
  } finally {
    sampler.stop();
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

// The bare node baselines run with what the sandbox passes its processes from the host (PATH, HOME,
// NODE_OPTIONS), not this process's whole environment: a variable such as NODE_EXTRA_CA_CERTS,
// set on some machines, alone adds tens of ms to every node start.
const bareEnv = Object.fromEntries(
  ['PATH', 'HOME', 'NODE_OPTIONS'].flatMap((name) =>
    process.env[name] === undefined ? [] : [[name, process.env[name]]],
  ),
);

async function bareNode() {
  const t0 = performance.now();
  await new Promise((resolve) =>
    spawn(process.execPath, ['-e', ''], { env: bareEnv, stdio: 'ignore' }).once('exit', resolve),
  );
  return performance.now() - t0;
}

async function bareIdleMemory() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: bareEnv,
    stdio: 'ignore',
  });
  await sleep(300);
  const memory = memoryKb(/** @type {number} */ (child.pid)) ?? { rssKb: Number.NaN, hwmKb: Number.NaN };
  child.kill('SIGKILL');
  await new Promise((resolve) =>
    child.exitCode === null ? child.once('exit', resolve) : resolve(undefined),
  );
  return memory;
}
