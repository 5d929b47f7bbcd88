#!/usr/bin/env node
// @ts-check
// `pnpm bench` (root): builds the layer and the stand-ins (turbo, cached), then runs the system
// benchmark in the local Lambda sandbox against the local Data Tap and writes the report.
//   node src/main.mjs [--quick] [--out <dir>] [--no-build]
// Full mode writes docs/benchmarks.md and docs/benchmarks.svg at the repository root (~9 minutes
// on 2 cores); --quick scales every duration down (~2 minutes) and writes to a temporary folder
// unless --out is given, so a quick run never replaces the committed report.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildOrExit, machineFacts, reportDir, withLoadAfter } from './command.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!args['no-build']) buildOrExit();

// imported after the build: they load the built packages
const { runBenchmark } = await import('./run-benchmark.mjs');
const { renderChart, renderMarkdown } = await import('./report.mjs');

const quick = args.quick === true;
const outDir = reportDir(args.out, quick);
const command = quick ? 'pnpm bench --quick' : 'pnpm bench';
const machine = machineFacts();
console.log(
  `bench: ${quick ? 'quick' : 'full'} run on ${machine.cpus} x ${machine.model}, node ${machine.node}; report to ${outDir}`,
);

const results = await runBenchmark({
  quick,
  // a fresh secret per run: it never leaves this process and the children it starts
  token: `bench-${randomBytes(16).toString('hex')}`,
  log: (line) => console.log(line),
});

const report = {
  ...results,
  machine: withLoadAfter(machine),
  command,
  mode: quick ? 'quick' : 'full',
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'benchmarks.md'), renderMarkdown(report));
writeFileSync(join(outDir, 'benchmarks.svg'), renderChart(report));
console.log(`bench: wrote ${join(outDir, 'benchmarks.md')} and ${join(outDir, 'benchmarks.svg')}`);
