// @ts-check
// What the benchmark's commands share: the build before a run, the machine facts written under
// every table, where a report goes.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * Builds the layer, the sandbox and the tap (turbo, cached); exits the process when it fails.
 *
 * @example
 * ```js
 * if (!args['no-build']) buildOrExit();
 * ```
 */
export function buildOrExit() {
  const build = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@data-taps/bench...', '--output-logs=errors-only'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    },
  );
  if (build.status !== 0) {
    console.error('bench: the build failed (see above)');
    process.exit(1);
  }
}

/**
 * The machine the run is on (the load average after the run is added by `withLoadAfter`).
 *
 * @example
 * ```js
 * const machine = machineFacts();
 * ```
 */
export function machineFacts() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadBefore: loadavg()[0]?.toFixed(1) ?? 'n/a',
  };
}

/**
 * The machine facts with the load average now.
 * @param {ReturnType<typeof machineFacts>} machine
 */
export function withLoadAfter(machine) {
  return { ...machine, loadAfter: loadavg()[0]?.toFixed(1) ?? 'n/a' };
}

/**
 * Where a report goes: `--out`, else `docs/` at the root in full mode, else a temporary folder (a
 * quick run never replaces a committed report).
 *
 * @example
 * ```js
 * const outDir = reportDir(args.out, quick);
 * ```
 * @param {string | undefined} out
 * @param {boolean} quick
 */
export function reportDir(out, quick) {
  return out ? resolve(out) : quick ? join(tmpdir(), 'data-taps-bench') : join(repoRoot, 'docs');
}
