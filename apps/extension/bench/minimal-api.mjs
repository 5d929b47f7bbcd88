// The least Lambda the cold-start benchmarks need: the Extensions API's register (answered at
// once), the Telemetry API's subscription (200), and `next`, never answered (a run ends there), on
// 127.0.0.1; and one cold start against it, timed from spawn, with the CPU time the process used up
// to its first `next` (every thread's /proc/<pid>/task/*/schedstat, read when that `next` arrives).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * CPU time of every thread of a process so far, ms; NaN once it is gone.
 * @param {number} pid
 */
export function processCpuMs(pid) {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
  } catch {
    return Number.NaN;
  }
  return ns / 1e6;
}

/**
 * Starts the API.
 * @example
 * const api = await startMinimalApi();
 * const run = await api.coldStart(process.execPath, ['dist/layer/data-taps-lambda-extension/index.cjs'], env);
 * await api.close();
 */
export async function startMinimalApi() {
  /** @type {{ step: 'register' | 'subscribe' | 'next', at: number }[]} */
  let seen = [];
  let pid = 0;
  let cpuAtNext = Number.NaN;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      const step = url.endsWith('/register')
        ? 'register'
        : url.includes('/event/next')
          ? 'next'
          : 'subscribe';
      if (step === 'next' && Number.isNaN(cpuAtNext)) cpuAtNext = processCpuMs(pid);
      seen.push({ step, at: performance.now() });
      if (step === 'register') {
        res.writeHead(200, { 'lambda-extension-identifier': 'bench', 'content-type': 'application/json' });
        res.end('{"functionName":"bench","functionVersion":"$LATEST","handler":"index.handler"}');
      } else if (step === 'subscribe') {
        res.writeHead(200);
        res.end('OK');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const runtimeApi = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    runtimeApi,
    /**
     * Spawns `command args` and waits for its first `next` (or its exit); then kills it, or with
     * `exitAfter` stops it with SIGINT (the extension drains and exits: what it writes at exit is written).
     * @param {string} command
     * @param {string[]} args
     * @param {Record<string, string | undefined>} env
     * @param {{ exitAfter?: boolean }} [options]
     */
    async coldStart(command, args, env, options = {}) {
      seen = [];
      cpuAtNext = Number.NaN;
      const start = performance.now();
      const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
      pid = child.pid ?? 0;
      while (!seen.some((s) => s.step === 'next') && child.exitCode === null) await sleep(0.2);
      const at = (/** @type {string} */ step) => {
        const found = seen.find((s) => s.step === step);
        return found ? found.at - start : Number.NaN;
      };
      const result = {
        registerMs: at('register'),
        subscribeMs: at('subscribe'),
        nextMs: at('next'),
        cpuMs: cpuAtNext,
      };
      if (options.exitAfter) {
        await sleep(300);
        child.kill('SIGINT');
      } else child.kill('SIGKILL');
      await new Promise((resolve) =>
        child.exitCode === null ? child.once('exit', resolve) : resolve(undefined),
      );
      return result;
    },
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/**
 * The median of the finite values (NaN when none).
 * @param {number[]} values
 */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0
    ? Number.NaN
    : /** @type {number} */ (sorted[Math.floor((sorted.length - 1) / 2)]);
}
