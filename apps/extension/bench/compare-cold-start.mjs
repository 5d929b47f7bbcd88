// Paired cold-start comparison of extension bundles, for before/after measurements on a noisy
// machine: the contenders' cold starts are interleaved in one run, each round also timing a bare
// `node -e ''`, against one minimal Extensions + Telemetry API on 127.0.0.1 (bench/minimal-api.mjs).
// Usage: node bench/compare-cold-start.mjs [--runs N] <bundle.cjs> [<other.cjs> ...]
// e.g.   cp -r dist/layer /tmp/before        (a build of the code before the change)
//        pnpm build
//        node bench/compare-cold-start.mjs --runs 41 /tmp/before/data-taps-lambda-extension/index.cjs \
//          dist/layer/data-taps-lambda-extension/index.cjs bench/noop-extension.mjs bench/subscribe-only.cjs
// Prints, per bundle, the median ms over bare node from spawn to: register received, subscription
// received, first `next` received; and the median CPU time the process used up to its first `next`
// (give the no-op extension, bench/noop-extension.mjs, as one of the bundles for a baseline).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionEnv } from './extension-env.mjs';
import { median, startMinimalApi } from './minimal-api.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 21;
const bundles = args;
if (bundles.length === 0 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('usage: node bench/compare-cold-start.mjs [--runs N] <bundle.cjs> [<other.cjs> ...]');
  process.exit(2);
}

const api = await startMinimalApi();
const spoolDir = mkdtempSync(join(tmpdir(), 'dt-compare-'));
const env = extensionEnv(api.runtimeApi, 'http://127.0.0.1:9/', spoolDir);

const bare = [];
const times = bundles.map(() => ({ registerMs: [], subscribeMs: [], nextMs: [], cpuMs: [] }));
for (let round = 0; round < RUNS; round++) {
  const t0 = performance.now();
  await new Promise((resolve) =>
    spawn(process.execPath, ['-e', ''], { env, stdio: 'ignore' }).once('exit', resolve),
  );
  bare.push(performance.now() - t0);
  for (const [i, bundle] of bundles.entries()) {
    const run = await api.coldStart(process.execPath, [bundle], env);
    for (const key of /** @type {const} */ (['registerMs', 'subscribeMs', 'nextMs', 'cpuMs'])) {
      times[i][key].push(run[key]);
    }
  }
}
const base = median(bare);
console.log(`bare node -e '' spawn->exit: ${base.toFixed(1)} ms (median of ${RUNS})`);
for (const [i, bundle] of bundles.entries()) {
  const over = (key) => {
    const m = median(times[i][key]);
    return Number.isNaN(m) ? 'n/a' : `+${(m - base).toFixed(1)}`;
  };
  const cpu = median(times[i].cpuMs);
  console.log(
    `${bundle}: register ${over('registerMs')}  subscribed ${over('subscribeMs')}  first next ${over('nextMs')} ms; CPU to the first next ${Number.isNaN(cpu) ? 'n/a' : cpu.toFixed(1)} ms`,
  );
}
await api.close();
rmSync(spoolDir, { recursive: true, force: true });
