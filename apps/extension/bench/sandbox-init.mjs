// @ts-check
// The whole Init in the local Lambda sandbox, as `pnpm bench` (apps/bench/src/cold-start.mjs)
// measures it, in interleaved rounds: no extension (the function alone), the no-op extension, and
// one or more builds of this extension (say, before and after a change). It reuses apps/bench's
// environment (the function, the variables) and layers, read-only.
//
// Besides the Init, it reports each extension's CPU time up to its first `next`: read from /proc
// at the moment the sandbox records that `next` (the sandbox emits `platform.extension` for it,
// synchronously in its handler of the request; this script watches the sandbox's record list), so
// nothing is added to the extensions themselves and nothing polls. Two readings: utime + stime of
// /proc/<pid>/stat (what `ps` and Lambda-side tools see; 10 ms clock ticks) and the sum of
// /proc/<pid>/task/*/schedstat (nanoseconds, every thread of the process).
//
// Usage: node bench/sandbox-init.mjs [--rounds 15] [label=]<layer.zip | layer folder> ...
//   (no layer given: dist/extension.zip of `pnpm build`, labelled data-taps)
// e.g.   node bench/sandbox-init.mjs --rounds 15 before=/tmp/before/extension.zip after=dist/extension.zip
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip } from '@data-taps/lambda-sandbox';
import { createEnvironment } from '../../bench/src/environment.mjs';
import { prepareLayers } from '../../bench/src/layers.mjs';
import { cpuMs } from '../../bench/src/proc.mjs';
import { processCpuMs } from './minimal-api.mjs';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 15;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('usage: node bench/sandbox-init.mjs [--rounds N] [label=]<layer.zip | folder> ...');
  process.exit(2);
}
const given = (args.length > 0 ? args : [`data-taps=${join(appDir, 'dist/extension.zip')}`]).map((arg) => {
  const at = arg.indexOf('=');
  return at > 0
    ? { label: arg.slice(0, at), path: resolve(arg.slice(at + 1)) }
    : { label: basename(arg), path: resolve(arg) };
});

const TOKEN = 'bench-token';
const tap = await startTap();
const layers = await prepareLayers();
const scratch = mkdtempSync(join(tmpdir(), 'dt-sandbox-init-'));
/** @type {{ label: string, layer: string, extension?: string }[]} */
const contenders = [
  { label: 'no extension', layer: layers.empty },
  { label: 'no-op extension', layer: layers.noop, extension: 'noop-extension' },
];
for (const [i, { label, path }] of given.entries()) {
  let layer = path;
  if (statSync(path).isFile()) {
    layer = join(scratch, `layer-${i}`);
    mkdirSync(layer);
    await extractZip(path, layer);
  }
  contenders.push({ label, layer, extension: 'data-taps-lambda-extension' });
}

/** @type {Map<string, { initMs: number[], firstNextMs: number[], statCpuMs: number[], schedCpuMs: number[], initCpuMs: number[] }>} */
const samples = new Map(
  contenders.map((c) => [
    c.label,
    { initMs: [], firstNextMs: [], statCpuMs: [], schedCpuMs: [], initCpuMs: [] },
  ]),
);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${ROUNDS} interleaved rounds of ${contenders.map((c) => c.label).join(', ')}`,
);
for (let round = 0; round < ROUNDS; round += 1) {
  // The order turns each round, so that no contender always follows the same one.
  for (let k = 0; k < contenders.length; k += 1) {
    const contender = /** @type {(typeof contenders)[number]} */ (
      contenders[(round + k) % contenders.length]
    );
    const s = /** @type {NonNullable<ReturnType<typeof samples.get>>} */ (samples.get(contender.label));
    const r = await initOnce(contender, `si-${round}-${k}`);
    s.initMs.push(r.initMs);
    if (contender.extension) {
      s.firstNextMs.push(r.firstNextMs);
      s.statCpuMs.push(r.statCpuMs);
      s.schedCpuMs.push(r.schedCpuMs);
      s.initCpuMs.push(r.initCpuMs);
    }
  }
}

const median = (/** @type {number[]} */ xs) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0
    ? Number.NaN
    : /** @type {number} */ (sorted[Math.floor((sorted.length - 1) / 2)]);
};
const noop = /** @type {NonNullable<ReturnType<typeof samples.get>>} */ (samples.get('no-op extension'));
const noopInit = median(noop.initMs);
const f = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
console.log(
  `\nmedians of ${ROUNDS} rounds, ms | whole Init (vs no-op) | init() to first next | CPU to first next: stat (10 ms ticks), schedstat | CPU to the end of Init (schedstat)`,
);
for (const { label, extension } of contenders) {
  const s = /** @type {NonNullable<ReturnType<typeof samples.get>>} */ (samples.get(label));
  const init = median(s.initMs);
  const vs = label === 'no-op extension' ? '' : ` (${init - noopInit >= 0 ? '+' : ''}${f(init - noopInit)})`;
  const ext = extension
    ? ` | ${f(median(s.firstNextMs))} | ${f(median(s.statCpuMs))}, ${f(median(s.schedCpuMs))} | ${f(median(s.initCpuMs))}`
    : '';
  console.log(`${label.padEnd(20)} ${f(init)}${vs}${ext}`);
}

await tap.close();
layers.cleanup();
rmSync(scratch, { recursive: true, force: true });

/**
 * One Init of the sandbox with `contender`'s layer.
 * @param {{ label: string, layer: string, extension?: string }} contender
 * @param {string} functionName
 */
async function initOnce(contender, functionName) {
  const env = createEnvironment({ layer: contender.layer, functionName, tapUrl: tap.url, token: TOKEN });
  const { sandbox } = env;
  /** @type {{ at: number, statCpuMs: number, schedCpuMs: number } | undefined} */
  let firstNext;
  // The sandbox's own record list (live): its `platform.extension` record is pushed in the
  // handler of the extension's first `next`, the moment to read the process's CPU.
  const records = /** @type {{ type: string, time: string, record: { name?: string } }[]} */ (
    /** @type {unknown} */ (sandbox.emitted())
  );
  const push = records.push;
  records.push = (...entries) => {
    for (const entry of entries) {
      if (!firstNext && entry.type === 'platform.extension' && entry.record?.name === contender.extension) {
        const pid = childPid(/** @type {string} */ (contender.extension));
        firstNext = {
          at: Date.parse(entry.time),
          statCpuMs: pid === undefined ? Number.NaN : (cpuMs(pid) ?? Number.NaN),
          schedCpuMs: pid === undefined ? Number.NaN : processCpuMs(pid),
        };
      }
    }
    return push.apply(records, entries);
  };
  try {
    const t0 = performance.timeOrigin + performance.now();
    const init = await sandbox.init();
    if (init.status !== 'success')
      throw new Error(`${contender.label}: Init ${init.status} ${init.errorType ?? ''}`);
    const pid = init.extensions.find((e) => e.pid !== undefined)?.pid;
    return {
      initMs: init.durationMs,
      firstNextMs: firstNext ? firstNext.at - t0 : Number.NaN,
      statCpuMs: firstNext?.statCpuMs ?? Number.NaN,
      schedCpuMs: firstNext?.schedCpuMs ?? Number.NaN,
      initCpuMs: pid === undefined ? Number.NaN : processCpuMs(pid),
    };
  } finally {
    await sandbox.kill().catch(() => {});
    env.cleanup();
  }
}

/** The pid of this process's child whose command line names `name` (the launcher execs node in place). */
function childPid(name) {
  let children = '';
  try {
    children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
  } catch {
    return undefined;
  }
  for (const pid of children.trim().split(/\s+/).map(Number)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`/${name}`)) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** A tap that takes everything (nothing is sent during Init; the pipeline is built as in Lambda). */
async function startTap() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"statusCode":200}');
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done(undefined));
      }),
  };
}
