#!/usr/bin/env node
// @ts-check
/**
 * `pnpm demo`: builds the layer, then runs the whole pipeline on the local stand-ins.
 * The sandbox and the local tap are delivered by their own issue; until both exist this script
 * builds what there is and says plainly what is missing (it never fakes output).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (build.status !== 0) {
  console.error('demo: the build failed (see above)');
  process.exit(1);
}
const demoEntry = join(root, 'apps/demo/package.json');
if (!existsSync(demoEntry)) {
  const parts = [
    ['apps/extension/dist/extension.zip', 'the extension layer (apps/extension)'],
    ['packages/lambda-sandbox/package.json', 'the local Lambda sandbox (packages/lambda-sandbox)'],
    ['packages/local-tap/package.json', 'the local Data Tap (packages/local-tap)'],
    ['apps/demo/package.json', 'the demo app that runs them together (apps/demo)'],
  ];
  console.log('\ndemo: the build succeeded. The end-to-end demo cannot run yet; missing:');
  for (const [path, what] of parts) if (!existsSync(join(root, path))) console.log(`  - ${what}`);
  process.exit(0);
}
const run = spawnSync('pnpm', ['--filter', '@data-taps/demo', 'run', 'demo'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(run.status ?? 1);
