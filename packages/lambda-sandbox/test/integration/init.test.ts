import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaSandbox, LayerError, SandboxStateError } from '../../src/index.js';
import { functionDir, makeLayer, tempFile } from '../helpers/layer.js';
import { startSandbox, waitFor } from '../helpers/sandbox.js';
import { writeZip, type ZipInput } from '../helpers/zip-writer.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const statuses = (records: readonly { type: string; record: unknown }[]) =>
  records
    .filter((r) => r.type.startsWith('platform.init'))
    .map((r) => [
      r.type,
      (r.record as { status?: string }).status,
      (r.record as { errorType?: string }).errorType,
    ]);

async function zipFolder(dir: string): Promise<Buffer> {
  const entries: ZipInput[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        entries.push({ name: `${relative(dir, p)}/`, mode: 0o040755 });
        await walk(p);
      } else {
        const executable = (await import('node:fs')).statSync(p).mode & 0o111;
        entries.push({
          name: relative(dir, p),
          data: await readFile(p),
          mode: executable ? 0o100755 : 0o100644,
          deflate: true,
        });
      }
    }
  };
  await walk(dir);
  return writeZip(entries);
}

describe('Init', () => {
  it('runs a layer given as a zip, unpacked to a temporary folder', async () => {
    const layer = await makeLayer({ zipped: 'idle-extension.mjs' });
    cleanups.push(layer.cleanup);
    const zip = await tempFile('layer.zip');
    await writeFile(zip, await zipFolder(layer.dir));
    const sandbox = createLambdaSandbox({
      layer: zip,
      handler: 'index.handler',
      functionDir,
      hostEnv: { PATH: process.env['PATH'] },
    });
    cleanups.push(() => sandbox.kill());
    expect(await sandbox.init()).toMatchObject({ status: 'success', extensions: [{ name: 'zipped' }] });
    expect((await sandbox.invoke({})).status).toBe('success');
    expect((await sandbox.shutdown()).extensions[0]).toMatchObject({ name: 'zipped', outcome: 'killed' });
  });

  it('reports a handler module that fails to load as Runtime.ImportModuleError', async () => {
    const s = await startSandbox({}, { handler: 'broken.handler' });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    expect(init).toMatchObject({ status: 'error', errorType: 'Runtime.ImportModuleError' });
    expect(statuses(s.sandbox.emitted())).toEqual([
      ['platform.initStart', undefined, undefined],
      ['platform.initRuntimeDone', 'error', 'Runtime.ImportModuleError'],
      ['platform.initReport', 'error', 'Runtime.ImportModuleError'],
    ]);
    await expect(s.sandbox.invoke({})).rejects.toBeInstanceOf(SandboxStateError);
    await s.sandbox.shutdown('failure');
  });

  it('reports a missing export as Runtime.HandlerNotFound and a missing module as Runtime.ImportModuleError', async () => {
    const a = await startSandbox({}, { handler: 'index.nope' });
    cleanups.push(a.cleanup);
    expect(await a.sandbox.init()).toMatchObject({ status: 'error', errorType: 'Runtime.HandlerNotFound' });
    const b = await startSandbox({}, { handler: 'missing.handler' });
    cleanups.push(b.cleanup);
    expect(await b.sandbox.init()).toMatchObject({ status: 'error', errorType: 'Runtime.ImportModuleError' });
    const fn = b.sandbox.emitted().find((e) => e.type === 'function');
    expect(fn?.record).toMatch(/\tundefined\tERROR\tInvoke Error \t.*Cannot find module 'missing'/);
  });

  it('fails Init with the error type an extension reports on init/error', async () => {
    const s = await startSandbox(
      { picky: 'idle-extension.mjs' },
      { env: { EXT_INIT_ERROR: 'Extension.ConfigInvalid' } },
    );
    cleanups.push(s.cleanup);
    expect(await s.sandbox.init()).toMatchObject({ status: 'error', errorType: 'Extension.ConfigInvalid' });
    const line = await waitFor(() => s.sandbox.emitted().find((e) => e.type === 'extension')?.record);
    expect(line).toBe('init/error answered 202\n');
  });

  it('times Init out when an extension registers under another name than its file', async () => {
    const s = await startSandbox(
      { 'real-name': 'idle-extension.mjs' },
      { initTimeoutMs: 800, env: { EXT_REGISTER_AS: 'other-name' } },
    );
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    expect(init).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timedout' });
    expect(init.extensions).toEqual([{ name: 'other-name', external: false, events: ['INVOKE'] }]);
    expect(statuses(s.sandbox.emitted()).slice(1)).toEqual([
      ['platform.initRuntimeDone', 'timeout', undefined],
      ['platform.initReport', 'timeout', undefined],
    ]);
  });

  it('refuses SHUTDOWN for a name that is no executable (an internal extension)', async () => {
    const s = await startSandbox(
      { 'real-name': 'idle-extension.mjs' },
      { initTimeoutMs: 800, env: { EXT_REGISTER_AS: 'other-name', EXT_EVENTS: 'INVOKE,SHUTDOWN' } },
    );
    cleanups.push(s.cleanup);
    expect((await s.sandbox.init()).status).toBe('timeout');
    const line = s.sandbox.emitted().find((e) => e.type === 'extension')?.record as string;
    expect(line).toMatch(/^register failed: 403 .*Extension\.InvalidEventType/);
  });

  it('fails Init when an extension is not executable, or exits during Init', async () => {
    const layer = await makeLayer({ 'not-exec': 'idle-extension.mjs' });
    cleanups.push(layer.cleanup);
    await chmod(join(layer.dir, 'extensions/not-exec'), 0o644);
    const sandbox = createLambdaSandbox({ layer: layer.dir, handler: 'index.handler', functionDir });
    cleanups.push(() => sandbox.kill());
    expect(await sandbox.init()).toMatchObject({ status: 'error', errorType: 'Extension.LaunchError' });

    const crashing = await makeLayer({});
    cleanups.push(crashing.cleanup);
    await writeFile(join(crashing.dir, 'extensions/quitter'), '#!/bin/sh\necho bye\nexit 4\n');
    await chmod(join(crashing.dir, 'extensions/quitter'), 0o755);
    const other = createLambdaSandbox({ layer: crashing.dir, handler: 'index.handler', functionDir });
    cleanups.push(() => other.kill());
    expect(await other.init()).toMatchObject({ status: 'error', errorType: 'Extension.Crash' });
    expect(other.report().crashes).toEqual([
      { name: 'quitter', errorType: 'Extension.Crash', code: 4, signal: null },
    ]);
  });

  it('reports an extension whose launcher cannot be executed as Extension.LaunchError', async () => {
    const layer = await makeLayer({});
    cleanups.push(layer.cleanup);
    await writeFile(join(layer.dir, 'extensions/no-interpreter'), '#!/nonexistent/interpreter\n');
    await chmod(join(layer.dir, 'extensions/no-interpreter'), 0o755);
    const sandbox = createLambdaSandbox({ layer: layer.dir, handler: 'index.handler', functionDir });
    cleanups.push(() => sandbox.kill());
    expect(await sandbox.init()).toMatchObject({ status: 'error', errorType: 'Extension.LaunchError' });
    expect(sandbox.report().crashes).toEqual([
      { name: 'no-interpreter', errorType: 'Extension.LaunchError', code: null, signal: null },
    ]);
  });

  it('kill() during Init settles init() with failure', async () => {
    const s = await startSandbox(
      { 'real-name': 'idle-extension.mjs' },
      { initTimeoutMs: 60_000, env: { EXT_REGISTER_AS: 'other' } },
    );
    cleanups.push(s.cleanup);
    const pending = s.sandbox.init();
    await waitFor(() => s.sandbox.emitted().some((e) => e.type === 'platform.initStart'));
    await s.sandbox.kill();
    expect(await pending).toMatchObject({ status: 'failure', errorType: 'Sandbox.Killed' });
  });

  it('waits for an internal extension registered by the function module', async () => {
    const s = await startSandbox({}, { handler: 'internal-extension.handler' });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    expect(init).toMatchObject({
      status: 'success',
      extensions: [{ name: 'in-process-agent', external: false, events: ['INVOKE'] }],
    });
    const r = await s.sandbox.invoke({});
    expect(r).toMatchObject({
      status: 'success',
      response: {
        registered: 200,
        duplicate: { status: 403, body: { errorType: 'Extension.InvalidExtensionState' } },
      },
      extensionsInvoked: ['in-process-agent'],
    });
    const shutdown = await s.sandbox.shutdown();
    expect(shutdown.extensionsNotified).toEqual([]);
  });

  it('rejects a missing layer and a second init()', async () => {
    const sandbox = createLambdaSandbox({
      layer: '/nonexistent/layer',
      handler: 'index.handler',
      functionDir,
    });
    expect(() => sandbox.runtimeApi).toThrow(SandboxStateError);
    await expect(sandbox.init()).rejects.toBeInstanceOf(LayerError);
    await expect(sandbox.init()).rejects.toBeInstanceOf(SandboxStateError);
    await expect(sandbox.invoke()).rejects.toThrow(/stopped/);
  });

  it('rejects a layer zip that is not a zip, and cleans up', async () => {
    const bad = await tempFile('bad.zip');
    await writeFile(bad, 'not a zip');
    const sandbox = createLambdaSandbox({ layer: bad, handler: 'index.handler', functionDir });
    await expect(sandbox.init()).rejects.toThrow(/not a zip/);
  });

  it('shuts down a sandbox that never started, and kill() is idempotent', async () => {
    const sandbox = createLambdaSandbox({ layer: '/x', handler: 'index.handler', functionDir });
    expect(await sandbox.shutdown()).toMatchObject({ reason: 'spindown', extensions: [], killed: [] });
    await sandbox.kill();
    expect(sandbox.report().state).toBe('stopped');
  });

  it('kill() ends a running environment and settles a pending invoke', async () => {
    const s = await startSandbox({ idle: 'idle-extension.mjs' });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const pending = s.sandbox.invoke({ sleepMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    await s.sandbox.kill();
    expect(await pending).toMatchObject({ status: 'failure', error: { errorType: 'Sandbox.Killed' } });
    await mkdir(s.layerDir, { recursive: true });
  });
});
