// Benchmark of the sandbox's memory monitor: the memory of the runtime plus one idle Node
// extension as each accounting counts it, and the sandbox's own CPU per reading (an unfrozen, idle
// environment for 5 s at each interval; the 1000 ms run is the baseline). Needs `pnpm run build`
// first. Prints figures; asserts nothing.
//   node bench/memory.mjs [environments=5]
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLambdaSandbox } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const environments = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-memory-'));
mkdirSync(join(dir, 'extensions'));
mkdirSync(join(dir, 'lib'));
copyFileSync(join(root, 'test/fixtures/extensions/idle-extension.mjs'), join(dir, 'lib/idle-extension.mjs'));
writeFileSync(
  join(dir, 'extensions/idle'),
  '#!/bin/sh\nexec node "$(dirname "$0")/../lib/idle-extension.mjs" idle\n',
);
chmodSync(join(dir, 'extensions/idle'), 0o755);
const base = {
  layer: dir,
  handler: 'index.handler',
  functionDir: join(root, 'test/fixtures/functions'),
  hostEnv: { PATH: process.env.PATH },
};
const mib = (kb) => (kb / 1024).toFixed(1);

try {
  console.log(`runtime + one idle Node extension, ${environments} environments of 5 invocations:`);
  for (let i = 0; i < environments; i += 1) {
    const sandbox = createLambdaSandbox(base);
    await sandbox.init();
    for (let j = 0; j < 5; j += 1) await sandbox.invoke({});
    const m = sandbox.report().memory;
    const each = m.processes.map((p) => `${p.name} VmRSS ${mib(p.peakKb)}`).join(', ');
    console.log(`  cgroup ${mib(m.peakCgroupKb)} MiB, rss-sum ${mib(m.peakRssSumKb)} MiB (${each})`);
    await sandbox.shutdown();
  }
  console.log('sandbox CPU per reading (idle, unfrozen environment, 5 s each):');
  for (const interval of [1000, 20, 5, 1000, 20, 5]) {
    const sandbox = createLambdaSandbox({ ...base, freeze: false, memorySampleIntervalMs: interval });
    await sandbox.init();
    await sandbox.invoke({});
    const cpu0 = process.cpuUsage();
    const samples0 = sandbox.report().memory.samples;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const cpu = process.cpuUsage(cpu0);
    const samples = sandbox.report().memory.samples - samples0;
    const ms = (cpu.user + cpu.system) / 1000;
    console.log(
      `  every ${interval} ms: ${samples} readings, sandbox CPU ${ms.toFixed(1)} ms (${(ms / samples).toFixed(3)} ms per reading)`,
    );
    await sandbox.shutdown();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
