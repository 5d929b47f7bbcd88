// What node command-line flags cost the built extension's cold start, per Node.js version:
// interleaved cold starts of dist/layer's index.cjs with each set of flags (and without), against a
// minimal Extensions + Telemetry API, from spawn to the first `next` and the CPU time used until then.
// The heap sizes the launcher passes (layer/extensions/data-taps-lambda-extension, sized to
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE) are the sets measured by default. On Node 20 and 22 any V8 heap
// flag, even at its default value, makes node compile its own built-in modules (http, net,
// stream, ...) without their embedded code cache, which V8 accepts only with the flags it was made with.
// Usage: node bench/v8-flags.mjs [--runs 15] [--flags "<flags>"]... [/path/to/node ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extensionEnv } from './extension-env.mjs';
import { median, startMinimalApi } from './minimal-api.mjs';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(appDir, 'dist/layer/data-taps-lambda-extension/index.cjs');
const args = process.argv.slice(2);
const take = (name) => {
  const values = [];
  for (let at = args.indexOf(name); at >= 0; at = args.indexOf(name)) values.push(args.splice(at, 2)[1]);
  return values;
};
const RUNS = Number(take('--runs')[0] ?? 15);
const given = take('--flags');
const flagSets = [
  '',
  ...(given.length > 0
    ? given
    : [
        '--max-semi-space-size=1 --max-old-space-size=32', // the launcher at 128 MB
        '--max-semi-space-size=8 --max-old-space-size=256', // the launcher at 1024 MB (and unset)
        '--max-old-space-size=4096', // a heap flag alone, near its default
        '--stack-size=984', // a flag outside the heap's, its default value
      ]),
];
const nodes = args.length > 0 ? args : [process.execPath];

const api = await startMinimalApi();
const spoolDir = mkdtempSync(join(tmpdir(), 'dt-v8-flags-'));
const env = extensionEnv(api.runtimeApi, 'http://127.0.0.1:9/', spoolDir);
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const samples = flagSets.map(() => ({ registerMs: [], nextMs: [], cpuMs: [] }));
  for (let round = 0; round < RUNS; round += 1) {
    for (let k = 0; k < flagSets.length; k += 1) {
      const i = (round + k) % flagSets.length;
      const flags = /** @type {string} */ (flagSets[i]).split(' ').filter(Boolean);
      const run = await api.coldStart(node, [...flags, entry, 'data-taps-lambda-extension'], env);
      samples[i].registerMs.push(run.registerMs);
      samples[i].nextMs.push(run.nextMs);
      samples[i].cpuMs.push(run.cpuMs);
    }
  }
  console.log(`node ${version} (${RUNS} interleaved rounds; medians; in brackets: against no flags)`);
  const base = /** @type {(typeof samples)[number]} */ (samples[0]);
  for (const [i, flags] of flagSets.entries()) {
    const s = /** @type {(typeof samples)[number]} */ (samples[i]);
    const d = (xs, ys) =>
      i === 0 ? '' : ` (${median(xs) - median(ys) >= 0 ? '+' : ''}${(median(xs) - median(ys)).toFixed(1)})`;
    console.log(
      `  ${(flags || '(no flags)').padEnd(50)} spawn->register ${median(s.registerMs).toFixed(1)}${d(s.registerMs, base.registerMs)}  ->first next ${median(s.nextMs).toFixed(1)}${d(s.nextMs, base.nextMs)}  CPU to the first next ${median(s.cpuMs).toFixed(1)}${d(s.cpuMs, base.cpuMs)} ms`,
    );
  }
}
await api.close();
rmSync(spoolDir, { recursive: true, force: true });
