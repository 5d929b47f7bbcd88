// Benchmark of the sandbox itself: Init time, invocations per second, runtime duration and the
// sandbox's own cost per invocation (invoke() wall time minus the runtime's duration and the
// extensions' post-runtime time), without and with a subscribed telemetry extension, with and
// without freezing. Needs `pnpm run build` first. Prints figures; asserts nothing.
//   node bench/invoke-overhead.mjs [invocations=300] [logLinesPerInvocation=10]
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLambdaSandbox, durationStats } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const invocations = Number(process.argv[2] ?? 300);
const lines = Number(process.argv[3] ?? 10);

function layer(withExtension) {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-'));
  mkdirSync(join(dir, 'extensions'));
  mkdirSync(join(dir, 'lib'));
  if (withExtension) {
    copyFileSync(join(root, 'test/fixtures/extensions/telemetry-extension.mjs'), join(dir, 'lib/t.mjs'));
    writeFileSync(
      join(dir, 'extensions/bench-ext'),
      '#!/bin/sh\nexec node "$(dirname "$0")/../lib/t.mjs" bench-ext\n',
    );
    chmodSync(join(dir, 'extensions/bench-ext'), 0o755);
  }
  return dir;
}

async function run(name, withExtension, freeze) {
  const dir = layer(withExtension);
  const sandbox = createLambdaSandbox({
    layer: dir,
    handler: 'index.handler',
    functionDir: join(root, 'test/fixtures/functions'),
    hostEnv: { PATH: process.env.PATH },
    freeze,
  });
  const init = await sandbox.init();
  const own = [];
  const started = performance.now();
  for (let i = 0; i < invocations; i += 1) {
    const t0 = performance.now();
    const r = await sandbox.invoke({ log: lines });
    own.push(performance.now() - t0 - r.durationMs - r.postRuntimeExtensionsDurationMs);
  }
  const elapsed = performance.now() - started;
  await sandbox.shutdown();
  const report = sandbox.report();
  rmSync(dir, { recursive: true, force: true });
  const d = report.durationMs;
  const o = report.overheadMs;
  const s = durationStats(own);
  console.log(
    `${name.padEnd(34)} init ${init.durationMs.toFixed(0).padStart(4)} ms | ${(invocations / (elapsed / 1000)).toFixed(0).padStart(4)} inv/s | ` +
      `runtime p50 ${d.p50.toFixed(2)} p95 ${d.p95.toFixed(2)} ms | ext post p50 ${o.p50.toFixed(2)} p95 ${o.p95.toFixed(2)} ms | ` +
      `sandbox own p50 ${s.p50.toFixed(2)} p95 ${s.p95.toFixed(2)} ms | records ${report.records.total} dropped ${report.dropped.records} | ` +
      `maxMem ${report.maxMemoryUsedMB} MB`,
  );
}

console.log(
  `lambda-sandbox bench: ${invocations} invocations, ${lines} log lines each, node ${process.version}`,
);
await run('no extension, freeze', false, true);
await run('no extension, no freeze', false, false);
await run('telemetry extension, freeze', true, true);
await run('telemetry extension, no freeze', true, false);
