// @ts-check
// One Lambda environment of the benchmark: the sandbox with a layer, the benchmark's function, and
// the extension's variables pointing at the local tap.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLambdaSandbox } from '@data-taps/lambda-sandbox';

const functionDir = fileURLToPath(new URL('../function', import.meta.url));

/**
 * @typedef {object} EnvironmentOptions
 * @property {string} layer layer folder
 * @property {string} functionName distinct per run: the tap's rows are told apart by it
 * @property {string} tapUrl
 * @property {string} token
 * @property {Record<string, string>} [env] more variables for the function and the extension
 * @property {number} [memorySizeMb] the function's memory (the sandbox's default, 128, when not given)
 */

/**
 * Creates a sandbox for one run. The extension gets the tap's URL and token, a free listener port
 * and its own spool folder; everything else is the extension's defaults.
 *
 * @example
 * ```js
 * const run = createEnvironment({ layer, functionName: 'tp-small', tapUrl, token });
 * await run.sandbox.init();
 * ```
 * @param {EnvironmentOptions} options
 */
export function createEnvironment(options) {
  const spoolDir = mkdtempSync(join(tmpdir(), 'data-taps-bench-spool-'));
  const sandbox = createLambdaSandbox({
    layer: options.layer,
    handler: 'index.handler',
    functionDir,
    functionName: options.functionName,
    timeoutMs: 30_000,
    ...(options.memorySizeMb === undefined ? {} : { memorySizeMb: options.memorySizeMb }),
    env: {
      BD_TAP_CLIENT_TOKEN: options.token,
      BD_DATA_TAP_URL: options.tapUrl,
      RECEIVER_PORT: '0',
      DATA_TAPS_SPOOL_DIR: spoolDir,
      ...options.env,
    },
    hostEnv: pick(process.env, ['PATH', 'HOME', 'TMPDIR']),
  });
  return {
    sandbox,
    spoolDir,
    /** Bytes and function records left in the spool (what the extension could not send before it exited). */
    spooled() {
      let bytes = 0;
      let functionRecords = 0;
      for (const name of readdirSync(spoolDir, { recursive: true })) {
        const path = join(spoolDir, String(name));
        if (!statSync(path).isFile()) continue;
        const text = readFileSync(path, 'utf8');
        bytes += Buffer.byteLength(text);
        functionRecords += text.split('"type":"function"').length - 1;
      }
      return { bytes, functionRecords };
    },
    cleanup() {
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string[]} names
 * @returns {Record<string, string>}
 */
function pick(env, names) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * `billedDurationMs` of an invocation's `platform.report` (what Lambda bills and reports), or
 * `fallback` when the sandbox produced no report for it.
 *
 * @example
 * ```js
 * const billed = reportedBilledMs(sandbox.emitted(), r.requestId, r.billedDurationMs);
 * ```
 * @param {readonly { type: string, record?: unknown }[]} emitted
 * @param {string} requestId
 * @param {number} fallback
 * @returns {number}
 */
export function reportedBilledMs(emitted, requestId, fallback) {
  for (const r of emitted) {
    if (r.type !== 'platform.report') continue;
    const record = /** @type {{ requestId?: string, metrics?: { billedDurationMs?: unknown } }} */ (r.record);
    if (record?.requestId === requestId && typeof record.metrics?.billedDurationMs === 'number') {
      return record.metrics.billedDurationMs;
    }
  }
  return fallback;
}
