#!/usr/bin/env node
// @ts-check
/**
 * The root test command (`pnpm test`): lint, type-check (sources and tests), the workspace guard, then
 * every package's vitest suite with coverage through turbo. It ends with one line that totals the tests
 * of all packages, `N passed, N failed, N skipped`, and exits non-zero if anything failed.
 *
 * `--faults` runs the long fault-injection suites (`test:faults` tasks) instead of the regular tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const faults = process.argv.includes('--faults');
const REPORT = '.vitest-report.json';
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};

/** @param {string} dir */
function workspaceDirs(dir) {
  return ['packages', 'apps', 'tooling']
    .map((top) => join(dir, top))
    .filter((top) => existsSync(top))
    .flatMap((top) => readdirSync(top).map((name) => join(top, name)))
    .filter((pkg) => existsSync(join(pkg, 'package.json')));
}

/**
 * @param {string} title
 * @param {string} command
 * @param {string[]} args
 */
function step(title, command, args) {
  console.log(`\n=== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  const ok = result.status === 0;
  console.log(`=== ${title}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}`);
  return ok;
}

for (const dir of workspaceDirs(root)) rmSync(join(dir, REPORT), { force: true });

/** @type {{ name: string, ok: boolean }[]} */
const gates = [];
if (!faults) {
  gates.push({ name: 'lint', ok: step('lint', 'pnpm', ['exec', 'biome', 'check', '.']) });
  gates.push({
    name: 'typecheck',
    ok: step('typecheck', 'pnpm', ['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']),
  });
  gates.push({
    name: 'guard',
    ok: step('guard', process.execPath, ['tooling/repo-guard/bin/repo-guard.mjs']),
  });
}
const task = faults ? 'test:faults' : 'test';
const testsOk = step('tests', 'pnpm', ['exec', 'turbo', 'run', task, '--continue', '--concurrency=2']);

let passed = 0;
let failed = 0;
let skipped = 0;
/** @type {string[]} */
const missing = [];
for (const dir of workspaceDirs(root)) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.[task]) continue;
  const reportPath = join(dir, REPORT);
  if (!existsSync(reportPath)) {
    missing.push(manifest.name);
    continue;
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, missing import) has no failed test but must fail the run.
  failed += (report.testResults ?? []).filter(
    (/** @type {{ status: string, assertionResults?: unknown[] }} */ r) =>
      r.status === 'failed' && (r.assertionResults ?? []).length === 0,
  ).length;
}

console.log('');
for (const gate of gates) console.log(`${gate.ok ? 'passed' : 'FAILED'}: ${gate.name}`);
for (const name of missing) console.log(`FAILED: ${name} wrote no test report`);
if (!testsOk && failed === 0 && missing.length === 0) {
  console.log('FAILED: a test task failed (coverage threshold or runner error; see above)');
}
const gateFailures =
  gates.filter((g) => !g.ok).length +
  missing.length +
  (!testsOk && failed === 0 && missing.length === 0 ? 1 : 0);
console.log(`Totals across all packages (tests, plus ${gates.length} gates as checks):`);
console.log(
  `${passed + gates.filter((g) => g.ok).length} passed, ${failed + gateFailures} failed, ${skipped} skipped`,
);
process.exitCode = failed + gateFailures > 0 ? 1 : 0;
