import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaSandbox } from '../../src/index.js';
import { fixtures, functionDir, tempFile } from '../helpers/layer.js';
import { readOutput } from '../helpers/sandbox.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// A launcher that drops the function's NODE_OPTIONS (as an extension should: its preloads are the
// function's) must still find sandbox.localdomain, as Lambda's /etc/hosts serves every process.
describe('sandbox.localdomain for an extension whose launcher drops NODE_OPTIONS', () => {
  it('resolves: the extension listens on it, subscribes and receives records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-test-layer-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'extensions'));
    await mkdir(join(dir, 'lib'));
    await copyFile(join(fixtures, 'extensions', 'telemetry-extension.mjs'), join(dir, 'lib', 'ext.mjs'));
    const launcher = join(dir, 'extensions', 'no-node-options');
    await writeFile(
      launcher,
      '#!/bin/sh\nunset NODE_OPTIONS\nexec node "$(dirname "$0")/../lib/ext.mjs" no-node-options\n',
    );
    await chmod(launcher, 0o755);
    const out = await tempFile('out.ndjson');
    const sandbox = createLambdaSandbox({
      layer: dir,
      handler: 'index.handler',
      functionDir,
      env: { EXT_OUT: out },
      hostEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
    });
    cleanups.push(() => sandbox.kill().catch(() => undefined));
    expect(await sandbox.init()).toMatchObject({ status: 'success' });
    expect(await sandbox.invoke({ log: 1 })).toMatchObject({ status: 'success' });
    expect(await sandbox.shutdown()).toMatchObject({
      extensions: [{ name: 'no-node-options', outcome: 'exited', code: 0 }],
    });
    const output = await readOutput(out);
    expect(output.find((o) => o.kind === 'subscribe')?.data).toEqual({ status: 200, body: 'OK' });
    expect(output.some((o) => o.kind === 'batch')).toBe(true);
  });
});
