#!/usr/bin/env node
// @ts-check
// `pnpm --filter @data-taps/bench run timeout-study`: builds (turbo, cached), then measures what
// the Telemetry API buffering timeout (TIMEOUT_MS) changes: the SHUTDOWN drain, the POSTs Lambda
// makes to the listener, the cost of the `end` flush strategy. Writes docs/timeout-study.md in full
// mode (about 2 minutes on 2 cores); --quick (about 40 s) writes to a temporary folder unless
// --out is given.
//   node src/timeout-study.mjs [--quick] [--out <dir>] [--no-build]
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
const { runTimeoutStudy } = await import('./run-timeout-study.mjs');
const { renderTimeoutStudy } = await import('./timeout-report.mjs');

const quick = args.quick === true;
const outDir = reportDir(args.out, quick);
const command = `pnpm --filter @data-taps/bench run timeout-study${quick ? ' --quick' : ''}`;
const machine = machineFacts();
console.log(
  `timeout study: ${quick ? 'quick' : 'full'} run on ${machine.cpus} x ${machine.model}, node ${machine.node}; report to ${outDir}`,
);
const results = await runTimeoutStudy({
  quick,
  // a fresh secret per run: it never leaves this process and the children it starts
  token: `bench-${randomBytes(16).toString('hex')}`,
  log: (line) => console.log(line),
});
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'timeout-study.md');
writeFileSync(
  file,
  renderTimeoutStudy({
    ...results,
    machine: withLoadAfter(machine),
    command,
    mode: quick ? 'quick' : 'full',
  }),
);
console.log(`timeout study: wrote ${file} (${(results.elapsedS / 60).toFixed(1)} min)`);
