/**
 * The built layer zip (apps/extension/dist/extension.zip, from `pnpm build`) run as Lambda runs it:
 * unpacked, its launcher started as a real child process with only Lambda's variables and ours,
 * against the fake Extensions and Telemetry APIs and a recording tap.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip, readZipEntries } from '@data-taps/lambda-sandbox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkLayerFile, findSpecifiers, isBuiltin, LAYER_FILES } from '../../scripts/package-layer.mjs';
import {
  invocationRecords,
  lambdaEnv,
  setup,
  startLambda,
  TOKEN,
  until,
  workspace,
} from '../helpers/harness.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
const zipPath = join(appDir, 'dist/extension.zip');
const LAUNCHER = 'extensions/data-taps-lambda-extension';

let layerDir = '';
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!existsSync(zipPath)) throw new Error(`${zipPath} is missing: run \`pnpm build\` first`);
  layerDir = mkdtempSync(join(tmpdir(), 'dt-layer-'));
  await extractZip(zipPath, layerDir);
  return () => rmSync(layerDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function launch(env: Record<string, string>, dir = layerDir) {
  const child: ChildProcess = spawn(join(dir, LAUNCHER), [], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => output };
}

describe('the layer zip', () => {
  it('holds the launcher (0755), the eager entry, the rest of the extension and the lazy token sources', () => {
    const entries = readZipEntries(readFileSync(zipPath));
    expect(entries.map((e) => e.name).sort()).toEqual([
      'data-taps-lambda-extension/index.cjs',
      'data-taps-lambda-extension/main.cjs',
      'data-taps-lambda-extension/token-aws.cjs',
      'data-taps-lambda-extension/token-boilingdata.cjs',
      LAUNCHER,
    ]);
    expect(statSync(join(layerDir, LAUNCHER)).mode & 0o777).toBe(0o755);
    const read = (name: string) => readFileSync(join(layerDir, 'data-taps-lambda-extension', name));
    // Each file within what it may load and its size budget (scripts/package-layer.mjs).
    for (const file of LAYER_FILES) expect(checkLayerFile(file, read(file.name)).problems).toEqual([]);
    // The entry loads node: built-ins and main.cjs, nothing else: no zod, no pino, no library.
    const eager = findSpecifiers(read('index.cjs').toString('utf8'));
    expect(eager.filter((name) => !name.startsWith('node:'))).toEqual(['./main.cjs']);
    expect(read('index.cjs').length).toBeLessThanOrEqual(4_000);
    const rest = findSpecifiers(read('main.cjs').toString('utf8'));
    expect(rest).toContain('node:http');
    // The token sources that renew tokens are separate files, required only when configured.
    expect(rest.filter((name) => !isBuiltin(name)).sort()).toEqual([
      './token-aws.cjs',
      './token-boilingdata.cjs',
    ]);
  });

  it('runs as a child process: registers, subscribes, ships, drains at SHUTDOWN and exits 0', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    const ext = launch(lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir));
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();

    const r1 = invocationRecords('r1', ['hello from the function\n']);
    const first = lambda.api.invoke({ requestId: 'r1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone]);
    await first;
    const r2 = invocationRecords('r2', ['second\n']);
    await lambda.api.invoke({ requestId: 'r2' });
    await lambda.telemetry.deliver([...r1.report, ...r2.start, ...r2.logs, ...r2.runtimeDone]);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 3000 });
    await lambda.telemetry.deliver(r2.report);

    expect(await ext.exited).toBe(0);
    // The entry registered; the rest took the registration over (one register call in all).
    expect(lambda.api.requests.filter((r) => r.path.endsWith('/register'))).toHaveLength(1);
    expect(lambda.telemetry.subscriptions[0]?.extensionId).toBe(lambda.api.registrations[0]?.extensionId);
    const lines = tap.accepted();
    const of = (type: string) => lines.filter((l) => l['type'] === type);
    expect(of('function').map((l) => [l['requestId'], l['message']])).toEqual([
      ['r1', 'hello from the function'],
      ['r2', 'second'],
    ]);
    expect(of('platform.report').map((l) => l['requestId'])).toEqual(['r1', 'r2']);
    expect(of('dataTaps.stats').length).toBeGreaterThan(0);
    expect(ext.output()).toContain('"msg":"shut down"');
    expect(ext.output()).not.toContain(TOKEN);
  });

  it("does not take the function's NODE_OPTIONS (a preload meant for the function)", async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    const ext = launch({
      ...lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir),
      NODE_OPTIONS: '--require ./instrument.js',
    });
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();
    const r1 = invocationRecords('r1', ['with NODE_OPTIONS set\n']);
    await lambda.api.invoke({ requestId: 'r1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone, ...r1.report]);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 2000 });
    expect(await ext.exited).toBe(0);
    expect(
      tap
        .accepted()
        .filter((l) => l['type'] === 'function')
        .map((l) => l['message']),
    ).toEqual(['with NODE_OPTIONS set']);
  });

  it('with a tap that fails, keeps the records in the spool at a timeout SHUTDOWN (a reset) and says so, then exits 0', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    tap.answer(() => ({ status: 500 }));
    const ext = launch(lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir));
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();
    const r1 = invocationRecords('r1', ['kept\n']);
    const first = lambda.api.invoke({ requestId: 'r1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone]);
    await first;
    await lambda.api.shutdown({ reason: 'timeout', deadlineMs: Date.now() + 2000 });
    await lambda.telemetry.deliver(r1.report);
    expect(await ext.exited).toBe(0);
    expect(tap.accepted()).toHaveLength(0);
    const shutDown = ext
      .output()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'shut down');
    expect(shutDown?.['spooled']).toBeGreaterThan(0);
    expect(ext.output()).toContain('the Data Tap did not take a batch');
  });

  it('with a token source whose file is missing from the layer, says so, stays out of the way and exits 0', async () => {
    const partial = mkdtempSync(join(tmpdir(), 'dt-layer-partial-'));
    cleanups.push(() => rmSync(partial, { recursive: true, force: true }));
    await extractZip(zipPath, partial);
    rmSync(join(partial, 'data-taps-lambda-extension/token-aws.cjs'));
    const { lambda, tap, ws } = await setup(cleanups);
    const ext = launch(
      lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, {
        BD_TAP_TOKEN_SOURCE: 'secretsmanager',
        BD_TAP_TOKEN_SECRET_ID: 'data-taps/tap-token',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      }),
      partial,
    );
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'm1' });
    await lambda.telemetry.deliver(invocationRecords('m1', ['not shipped\n']).logs);
    await lambda.api.invoke({ requestId: 'm2' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 2000 });
    expect(await ext.exited).toBe(0);
    expect(tap.requests).toHaveLength(0);
    expect(ext.output()).toContain(
      'the extension cannot ship telemetry: the function runs normally without it',
    );
    expect(ext.output()).toContain('token-aws.cjs');
    expect(ext.output()).not.toContain('not-a-real-secret');
  });

  it('with a bad configuration, stays registered, says which variable is wrong and exits 0 at SHUTDOWN', async () => {
    const lambda = await startLambda();
    const ws = workspace();
    cleanups.push(
      () => lambda.api.close(),
      () => lambda.telemetry.close(),
      () => ws.remove(),
    );
    const ext = launch({ AWS_LAMBDA_RUNTIME_API: lambda.api.runtimeApi, BD_DATA_TAP_URL: 'nope' });
    await lambda.api.waitForRegistrations(1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'x' });
    await lambda.api.shutdown({ reason: 'spindown' });
    expect(await ext.exited).toBe(0);
    expect(ext.output()).toContain('BD_TAP_CLIENT_TOKEN is not set');
    expect(ext.output()).toContain('BD_DATA_TAP_URL=\\"nope\\" is invalid');
  });
  it("registers under the launcher's file name when Lambda refuses EXTENSION_NAME, and says which variable to fix", async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    lambda.api.injectResponse('register', {
      statusCode: 403,
      body: {
        errorType: 'Extension.InvalidEventType',
        errorMessage: 'internal extensions cannot register for SHUTDOWN',
      },
    });
    const ext = launch(
      lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, { EXTENSION_NAME: 'other-name' }),
    );
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 2000 });

    expect(await ext.exited).toBe(0);
    expect(lambda.api.registrations.map((r) => r.name)).toEqual(['data-taps-lambda-extension']);
    expect(ext.output()).toContain('registering as EXTENSION_NAME=\\"other-name\\" failed');
    expect(ext.output()).toContain('Extensions API register answered HTTP 403: Extension.InvalidEventType');
  });

  it('exits 1 and says why when Lambda refuses the registration', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    lambda.api.injectResponse('register', {
      statusCode: 403,
      body: { errorType: 'Extension.RegistrationClosed', errorMessage: 'too late' },
    });
    const ext = launch(lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir));

    expect(await ext.exited).toBe(1);
    const fatal = ext
      .output()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['level'] === 'fatal');
    expect(fatal).toEqual({
      level: 'fatal',
      logger: 'data-taps',
      msg: 'the extension failed',
      error:
        'ExtensionsApiHttpError: Extensions API register answered HTTP 403: Extension.RegistrationClosed (too late)',
    });
    expect(lambda.api.registrations).toHaveLength(0);
    expect(lambda.telemetry.subscriptions).toHaveLength(0);
  });

  it('exits 1 and says why when the Extensions API cannot be reached', async () => {
    const lambda = await startLambda();
    const ws = workspace();
    cleanups.push(
      () => ws.remove(),
      () => lambda.telemetry.close(),
    );
    const runtimeApi = lambda.api.runtimeApi;
    await lambda.api.close();
    const ext = launch(lambdaEnv(runtimeApi, 'http://127.0.0.1:9/', ws.spoolDir));

    expect(await ext.exited).toBe(1);
    expect(ext.output()).toContain(
      `"error":"ExtensionsApiConnectionError: Extensions API register request to http://${runtimeApi}/2020-01-01/extension/register failed: connect ECONNREFUSED`,
    );
  });

  it('without AWS_LAMBDA_RUNTIME_API, registers nothing, says so and exits 1', async () => {
    const ws = workspace();
    cleanups.push(() => ws.remove());
    const ext = launch({ BD_TAP_CLIENT_TOKEN: TOKEN, BD_DATA_TAP_URL: 'http://127.0.0.1:9/' });

    expect(await ext.exited).toBe(1);
    expect(ext.output()).toContain('AWS_LAMBDA_RUNTIME_API is not set');
    expect(ext.output()).toContain('cannot register with the Extensions API');
  });

  it('in strict mode reports a bad configuration as an Init error and exits 1', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    const ext = launch(
      lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, {
        RECEIVER_PORT: '9001',
        DATA_TAPS_STRICT: 'true',
      }),
    );

    expect(await ext.exited).toBe(1);
    expect(lambda.api.registrations).toHaveLength(1);
    expect(lambda.api.errors.map((e) => [e.kind, e.errorType])).toEqual([
      ['init', 'Extension.ConfigInvalid'],
    ]);
    expect(JSON.stringify(lambda.api.errors)).toContain('RECEIVER_PORT');
    expect(ext.output()).not.toContain(TOKEN);
  });
});
