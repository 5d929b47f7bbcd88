import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeShim } from '../../src/node-shim.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createNodeShim', () => {
  it('runs node with the preload imported first, with NODE_OPTIONS unset, and quotes paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), "shim test 'quoted' "));
    dirs.push(dir);
    const preload = join(dir, 'pre load.mjs');
    writeFileSync(preload, 'globalThis.preloaded = true;\n');
    const shim = await createNodeShim(process.execPath, preload, dir);
    const run = spawnSync(
      join(shim.dir, 'node'),
      [
        '-e',
        'process.stdout.write(String(globalThis.preloaded === true) + " " + process.argv[1])',
        'arg one',
      ],
      { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('true arg one');
    await shim.cleanup();
    expect(existsSync(shim.dir)).toBe(false);
  });
});
