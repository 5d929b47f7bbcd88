// Paired cold-start comparison of extension bundles, for before/after measurements on a noisy
// machine: the contenders' cold starts are interleaved in one run, each round also timing a bare
// `node -e ''`, against one minimal Extensions + Telemetry API on 127.0.0.1.
// Usage: node bench/compare-cold-start.mjs [--runs N] <bundle.cjs> [<other.cjs> ...]
// e.g.   git stash && pnpm build && cp dist/layer/data-taps-lambda-extension/index.cjs /tmp/before.cjs
//        git stash pop && pnpm build
//        node bench/compare-cold-start.mjs --runs 41 /tmp/before.cjs dist/layer/data-taps-lambda-extension/index.cjs
// Prints, per bundle, the median ms over bare node from spawn to: register received, subscription
// received, first `next` received; and the median CPU time the process used up to its first `next`
// (every thread's /proc/<pid>/task/*/schedstat, read when the `next` request arrives; give the
// no-op extension, bench/noop-extension.mjs, as one of the bundles for a baseline).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionEnv } from './extension-env.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 21;
const bundles = args;
if (bundles.length === 0 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('usage: node bench/compare-cold-start.mjs [--runs N] <bundle.cjs> [<other.cjs> ...]');
  process.exit(2);
}

/** CPU time of every thread of a process so far (ms), from schedstat (ns); NaN once it is gone. */
function cpuMs(pid) {
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

// What the extension calls, answered at once; `next` is never answered (the run ends there).
let seen = [];
let pid = 0;
let cpuAtNext = Number.NaN;
const api = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen.push([req.url ?? '', performance.now()]);
    if (req.url?.includes('/event/next') && Number.isNaN(cpuAtNext)) cpuAtNext = cpuMs(pid);
    if (req.url?.endsWith('/register')) {
      res.writeHead(200, { 'lambda-extension-identifier': 'compare', 'content-type': 'application/json' });
      res.end('{"functionName":"compare","functionVersion":"$LATEST","handler":"index.handler"}');
    } else if (!req.url?.includes('/event/next')) {
      res.writeHead(200);
      res.end('OK');
    }
  });
});
await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
const spoolDir = mkdtempSync(join(tmpdir(), 'dt-compare-'));
const env = extensionEnv(`127.0.0.1:${api.address().port}`, 'http://127.0.0.1:9/', spoolDir);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const bare = [];
const times = bundles.map(() => ({ register: [], subscribe: [], next: [], cpu: [] }));
for (let round = 0; round < RUNS; round++) {
  const t0 = performance.now();
  await new Promise((resolve) =>
    spawn(process.execPath, ['-e', ''], { env, stdio: 'ignore' }).once('exit', resolve),
  );
  bare.push(performance.now() - t0);
  for (const [i, bundle] of bundles.entries()) {
    seen = [];
    cpuAtNext = Number.NaN;
    const start = performance.now();
    const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    pid = child.pid;
    while (!seen.some(([url]) => url.includes('/event/next')) && child.exitCode === null) await sleep(0.2);
    for (const [url, at] of seen) {
      const step = url.endsWith('/register')
        ? 'register'
        : url.includes('/event/next')
          ? 'next'
          : 'subscribe';
      times[i][step].push(at - start);
    }
    times[i].cpu.push(cpuAtNext);
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
  }
}
const base = median(bare);
console.log(`bare node -e '' spawn->exit: ${base.toFixed(1)} ms (median of ${RUNS})`);
for (const [i, bundle] of bundles.entries()) {
  const over = (step) => (times[i][step].length ? `+${(median(times[i][step]) - base).toFixed(1)}` : 'n/a');
  const cpu = times[i].cpu.filter(Number.isFinite);
  console.log(
    `${bundle}: register ${over('register')}  subscribed ${over('subscribe')}  first next ${over('next')} ms; CPU to the first next ${cpu.length ? median(cpu).toFixed(1) : 'n/a'} ms`,
  );
}
api.close();
rmSync(spoolDir, { recursive: true, force: true });
