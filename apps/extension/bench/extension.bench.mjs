// Benchmarks of the built extension (run `pnpm build` first; `pnpm bench` in apps/extension).
// Every figure is printed beside a baseline measured in the same run on the same machine:
//   1. the size of each file of the layer vs its budget (scripts/package-layer.mjs);
//   2. cold start: spawn -> registered and subscribed, vs spawn -> exit of a bare `node -e ''`,
//      spawn -> registered of a no-op extension (bench/noop-extension.mjs) and spawn -> subscribed
//      of the least a subscribing extension can do (bench/subscribe-only.cjs: node:http, no checks);
//   3. idle RSS after Init, vs a bare idle node process and the no-op extension;
//   4. INVOKE -> the extension's next `next` call with a healthy tap (median, p90, p99), vs the no-op.
// Usage: node bench/extension.bench.mjs [coldStartRuns=15] [invocations=300]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeExtensionsApi } from '@data-taps/extensions-api/testing';
import { extractZip } from '@data-taps/lambda-sandbox';
import { createFakeTelemetryApi } from '@data-taps/telemetry-receiver/testing';
import { LAYER_FILES } from '../scripts/package-layer.mjs';
import { extensionEnv } from './extension-env.mjs';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const zipPath = join(appDir, 'dist/extension.zip');
const layerFilesDir = join(appDir, 'dist/layer/data-taps-lambda-extension');
const noopPath = join(appDir, 'bench/noop-extension.mjs');
const floorPath = join(appDir, 'bench/subscribe-only.cjs');
const COLD_RUNS = Number(process.argv[2] ?? 15);
const INVOCATIONS = Number(process.argv[3] ?? 300);

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
}
const ms = (x) => `${x.toFixed(2)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const rssKb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function startTap() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"statusCode":200}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

async function startLambda() {
  const telemetry = createFakeTelemetryApi();
  const api = await createFakeExtensionsApi({
    fallback: (req, res) => {
      if (!telemetry.handle(req, res)) {
        res.writeHead(404);
        res.end();
      }
    },
  });
  return {
    api,
    telemetry,
    close: async () => {
      await api.close();
      await telemetry.close();
    },
  };
}

/** Spawns `command`, resolves when `ready()` holds, with the elapsed ms; the process keeps running. */
async function timeUntil(command, args, env, ready) {
  const t0 = performance.now();
  const child = spawn(command, args, { env, stdio: 'ignore' });
  while (!ready()) await sleep(0.2);
  return { ms: performance.now() - t0, child, t0 };
}

// The baselines get the extension's environment, not this process's: a variable such as
// NODE_EXTRA_CA_CERTS (set on some machines) alone adds tens of ms to every node start.
const baseEnv = extensionEnv('127.0.0.1:9', 'http://127.0.0.1:9/', tmpdir());

async function bareNodeStart() {
  const t0 = performance.now();
  await new Promise((r) =>
    spawn(process.execPath, ['-e', ''], { env: baseEnv, stdio: 'ignore' }).once('exit', r),
  );
  return performance.now() - t0;
}

const layerDir = mkdtempSync(join(tmpdir(), 'dt-bench-layer-'));
const spoolDir = join(layerDir, 'spool');
await extractZip(zipPath, layerDir);
const launcher = join(layerDir, 'extensions/data-taps-lambda-extension');
const tap = await startTap();

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);

// 1. the layer's files, each against its budget
const n = (x) => x.toLocaleString('en-US');
console.log(`layer zip: ${n(statSync(zipPath).size)} bytes`);
for (const file of LAYER_FILES) {
  const bytes = statSync(join(layerFilesDir, file.name)).size;
  console.log(
    `  ${file.name} (${file.role}): ${n(bytes)} bytes; budget ${n(file.budgetBytes)}: ${bytes <= file.budgetBytes ? 'met' : 'NOT met'}`,
  );
}

// 2 + 3. cold start and idle RSS, interleaved runs of the three candidates
const bare = [];
const noop = [];
const floor = [];
const ext = [];
// Spawn -> the first `next` call: the end of the extension's Init, what a cold start waits for.
const initDone = { noop: [], ext: [] };
// Spawn -> the registration: Lambda starts the runtime once every extension registered.
const registeredAt = { ext: [] };
const rss = { bare: [], noop: [], ext: [] };
/**
 * One cold start in a fresh fake Lambda: spawn -> `ready` (registered, or subscribed), then
 * optionally spawn -> the first `next` and the idle RSS 200 ms later.
 */
async function coldStart(command, args, ready, { init = true } = {}) {
  const lambda = await startLambda();
  const run = await timeUntil(command, args, extensionEnv(lambda.api.runtimeApi, tap.url, spoolDir), () =>
    ready(lambda),
  );
  const registration = lambda.api.registrations[0];
  const result = {
    ms: run.ms,
    // the fake's registration time is Date.now(): whole ms
    registeredMs: registration ? registration.at - (performance.timeOrigin + run.t0) : Number.NaN,
  };
  if (init) {
    await lambda.api.waitForIdle();
    result.initDone = performance.now() - run.t0;
    await sleep(200);
    result.rssKb = rssKb(run.child.pid);
  }
  run.child.kill('SIGKILL');
  await lambda.close();
  return result;
}
const registered = (lambda) => lambda.api.registrations.length === 1;
const subscribed = (lambda) => lambda.telemetry.subscriptions.length === 1;

for (let i = 0; i < COLD_RUNS; i++) {
  bare.push(await bareNodeStart());
  {
    const run = await coldStart(process.execPath, [noopPath], registered);
    noop.push(run.ms);
    initDone.noop.push(run.initDone);
    rss.noop.push(run.rssKb);
  }
  floor.push((await coldStart(process.execPath, [floorPath], subscribed, { init: false })).ms);
  {
    const run = await coldStart(launcher, [], subscribed);
    ext.push(run.ms);
    registeredAt.ext.push(run.registeredMs);
    initDone.ext.push(run.initDone);
    rss.ext.push(run.rssKb);
  }
  {
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: baseEnv,
      stdio: 'ignore',
    });
    await sleep(300);
    rss.bare.push(rssKb(idle.pid));
    idle.kill('SIGKILL');
  }
}
console.log(`cold start (median of ${COLD_RUNS}):`);
console.log(`  bare node -e '' spawn->exit        ${ms(median(bare))}`);
console.log(`  no-op extension spawn->registered  ${ms(median(noop))}`);
console.log(
  `  subscribe-only floor spawn->registered+subscribed ${ms(median(floor))}  (+${ms(median(floor) - median(bare))} over bare node)`,
);
console.log(
  `  data-taps spawn->registered ${ms(median(registeredAt.ext))} (the eager entry; the no-op's above), spawn->registered+subscribed ${ms(median(ext))}  (+${ms(median(ext) - median(bare))} over bare node)`,
);
console.log(
  `  spawn->first next (Init done): no-op ${ms(median(initDone.noop))}, data-taps ${ms(median(initDone.ext))}  (+${ms(median(initDone.ext) - median(bare))} over bare node)`,
);
console.log('  (the whole Init with the runtime, in the sandbox: node bench/sandbox-init.mjs)');
console.log(`idle RSS after Init (median of ${COLD_RUNS}):`);
console.log(
  `  bare idle node ${mb(median(rss.bare))}, no-op extension ${mb(median(rss.noop))}, data-taps ${mb(median(rss.ext))}  (+${mb(median(rss.ext) - median(rss.bare))} over bare node; target within 12 MB)`,
);

// 4. INVOKE -> next, with records flowing to a healthy tap
async function invokeLatencies(command, args, env, withTelemetry) {
  const lambda = await startLambda();
  const child = spawn(command, args, {
    env: { ...env, AWS_LAMBDA_RUNTIME_API: lambda.api.runtimeApi },
    stdio: 'ignore',
  });
  await lambda.api.waitForRegistrations(1);
  if (withTelemetry) while (lambda.telemetry.subscriptions.length === 0) await sleep(1);
  await lambda.api.waitForIdle();
  const out = [];
  for (let i = 0; i < INVOCATIONS + 1; i++) {
    const requestId = `r${i}`;
    const { durationMs } = await lambda.api.invoke({ requestId });
    if (i > 0) out.push(durationMs); // the first invocation is the planner's end-of-invoke flush
    if (withTelemetry) {
      const time = new Date().toISOString();
      await lambda.telemetry.deliver([
        { time, type: 'platform.start', record: { requestId } },
        ...Array.from({ length: 5 }, (_, j) => ({
          time,
          type: 'function',
          record: `line ${j} of ${requestId}\n`,
        })),
        {
          time,
          type: 'platform.runtimeDone',
          record: { requestId, status: 'success', metrics: { durationMs: 5 } },
        },
        {
          time,
          type: 'platform.report',
          record: {
            requestId,
            status: 'success',
            metrics: { durationMs: 5, billedDurationMs: 5, memorySizeMB: 128, maxMemoryUsedMB: 60 },
          },
        },
      ]);
    }
  }
  await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 2000 });
  await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r()));
  await lambda.close();
  return out;
}
const env = extensionEnv('', tap.url, spoolDir);
const noopInvoke = await invokeLatencies(process.execPath, [noopPath], env, false);
const extInvoke = await invokeLatencies(launcher, [], env, true);
console.log(`INVOKE -> next (${INVOCATIONS} invocations, 7 records each to a healthy tap):`);
console.log(
  `  no-op extension  median ${ms(median(noopInvoke))}  p90 ${ms(quantile(noopInvoke, 0.9))}  p99 ${ms(quantile(noopInvoke, 0.99))}`,
);
console.log(
  `  data-taps        median ${ms(median(extInvoke))}  p90 ${ms(quantile(extInvoke, 0.9))}  p99 ${ms(quantile(extInvoke, 0.99))}  (target median < 1 ms)`,
);

await tap.close();
rmSync(layerDir, { recursive: true, force: true });
