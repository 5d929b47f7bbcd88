import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runExtension } from '../../src/extension.js';
import { register, registerFromEnvironment } from '../../src/register.js';
import {
  invocationRecords,
  type LambdaOptions,
  lambdaEnv,
  ready,
  setup as setupLambda,
  startLambda,
  type Tap,
  TOKEN,
  until,
  workspace,
} from '../helpers/harness.js';

type Lambda = Awaited<ReturnType<typeof startLambda>>;
type Workspace = ReturnType<typeof workspace>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = (options: LambdaOptions = {}) => setupLambda(cleanups, options);

function start(
  lambda: Lambda,
  tap: Tap,
  ws: Workspace,
  extra: Record<string, string> = {},
  signal?: AbortSignal,
) {
  const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, extra);
  return runExtension({
    env,
    logFd: ws.logFd,
    registration: registerFromEnvironment(env, undefined),
    ...(signal ? { signal } : {}),
  });
}

const byType = (lines: Record<string, unknown>[], type: string) => lines.filter((l) => l['type'] === type);

describe('runExtension: the lifecycle against fake Lambda APIs and a recording tap', () => {
  it('registers, subscribes, ships every record of every invocation, drains at SHUTDOWN and exits 0', async () => {
    const { lambda, tap, ws } = await setup();
    // The adaptive strategy (opt-in since `background` is the default): its first invocation flushes.
    const running = start(lambda, tap, ws, { DATA_TAPS_FLUSH_STRATEGY: 'adaptive' });
    await ready(lambda);

    expect(lambda.api.registrations[0]).toMatchObject({ name: 'data-taps-lambda-extension' });
    expect(lambda.telemetry.subscriptions[0]).toMatchObject({
      schemaVersion: '2022-12-13',
      types: ['platform', 'function', 'extension'],
      buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 25 },
    });

    // First invocation: the adaptive planner waits for its records and flushes before `next`.
    const r1 = invocationRecords('r1', ['START hello\n', 'a text line\n']);
    const first = lambda.api.invoke({ requestId: 'r1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone]);
    await first;
    const afterFirst = tap.accepted();
    expect(byType(afterFirst, 'function').map((l) => l['requestId'])).toEqual(['r1', 'r1']);

    // Second invocation: background flush; the first report arrives with it, as on Lambda.
    const r2 = invocationRecords('r2', [
      JSON.stringify({ timestamp: 't', level: 'ERROR', requestId: 'r2', message: 'boom' }),
    ]);
    await lambda.api.invoke({ requestId: 'r2' });
    await lambda.telemetry.deliver([...r1.report, ...r2.start, ...r2.logs, ...r2.runtimeDone]);

    // The extension's own lines come back as `extension` telemetry: never shipped.
    await lambda.telemetry.deliver([
      { time: new Date().toISOString(), type: 'extension', record: ws.log().split('\n')[0] },
      {
        time: new Date().toISOString(),
        type: 'platform.logsDropped',
        record: { droppedRecords: 7, droppedBytes: 700, reason: 'x' },
      },
    ]);

    // SHUTDOWN: the extension waits for the last report, then drains.
    const shutdown = lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 3000 });
    await shutdown;
    await lambda.telemetry.deliver(r2.report);
    expect(await running).toBe(0);

    const lines = tap.accepted();
    expect(byType(lines, 'function')).toHaveLength(3);
    expect(byType(lines, 'platform.report').map((l) => l['requestId'])).toEqual(['r1', 'r2']);
    expect(byType(lines, 'platform.runtimeDone')).toHaveLength(2);
    expect(byType(lines, 'extension')).toHaveLength(0);
    expect(byType(lines, 'platform.logsDropped')).toHaveLength(1);
    const error = byType(lines, 'function').find((l) => l['requestId'] === 'r2');
    expect(error).toMatchObject({
      level: 'ERROR',
      message: 'boom',
      functionName: 'orders',
      region: 'eu-west-1',
    });
    const ids = lines.map((l) => l['id']);
    expect(new Set(ids).size).toBe(ids.length);

    const stats = byType(lines, 'dataTaps.stats').at(-1);
    expect(stats).toBeDefined();
    const counters = JSON.parse(String(stats?.['record'])) as Record<string, number>;
    expect(counters).toMatchObject({ lambdaDroppedRecords: 7, ownLinesSkipped: 1 });

    for (const request of tap.requests) expect(request.headers['x-bd-authorization']).toBe(TOKEN);
    expect(ws.log()).not.toContain(TOKEN);
    expect(ws.log()).toContain('"msg":"shut down"');
  });

  it('ships records Lambda sends before the subscription answer (before the pipeline is built), in order', async () => {
    const init = [
      {
        time: new Date().toISOString(),
        type: 'platform.initStart',
        record: { initializationType: 'on-demand' },
      },
      { time: new Date().toISOString(), type: 'function', record: 'init line\n' },
    ];
    let deliveredEarly = 0;
    const { lambda, tap, ws } = await setup({
      beforeSubscribeAnswer: async (telemetry) => {
        deliveredEarly = await telemetry.deliver(init);
      },
    });
    const running = start(lambda, tap, ws);
    await ready(lambda);
    expect(deliveredEarly).toBe(200);
    await lambda.api.invoke({ requestId: 'e1' });
    const e1 = invocationRecords('e1', ['after\n']);
    await lambda.telemetry.deliver([...e1.start, ...e1.logs, ...e1.runtimeDone, ...e1.report]);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    const lines = tap.accepted();
    expect(byType(lines, 'platform.initStart')).toHaveLength(1);
    expect(byType(lines, 'function').map((l) => l['message'])).toEqual(['init line', 'after']);
  });

  it('keeps what a failing tap does not take: spooled at a timeout SHUTDOWN, counted, and sent by the next Init', async () => {
    const { lambda, tap, ws } = await setup();
    tap.answer(() => ({ status: 500, body: '{"statusCode":500}' }));
    const running = start(lambda, tap, ws, { DATA_TAPS_FLUSH_STRATEGY: 'background' });
    await ready(lambda);
    await lambda.api.invoke({ requestId: 'f1' });
    const f1 = invocationRecords('f1', ['one\n', 'two\n']);
    await lambda.telemetry.deliver([...f1.start, ...f1.logs, ...f1.runtimeDone, ...f1.report]);
    await until(() => tap.requests.length > 0);
    // A reset (the function timed out): the Init runs again on the same /tmp. (At a spindown the
    // environment and its /tmp end: see spindown.test.ts.)
    await lambda.api.shutdown({ reason: 'timeout', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    expect(tap.accepted()).toHaveLength(0);
    const shutDown = ws.logLines().find((l) => l['msg'] === 'shut down');
    expect(shutDown?.['spooled']).toBeGreaterThan(0);
    expect(ws.log()).toContain('the Data Tap did not take a batch');

    // The Init after the reset finds the spool and sends it first.
    const next = await startLambda();
    cleanups.push(
      () => next.api.close(),
      () => next.telemetry.close(),
    );
    tap.answer(() => ({ status: 200 }));
    const again = start(next, tap, ws);
    await ready(next);
    await until(() => byType(tap.accepted(), 'function').length === 2);
    await next.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await again).toBe(0);
    const lines = tap.accepted();
    expect(byType(lines, 'function').map((l) => l['message'])).toEqual(['one', 'two']);
    expect(byType(lines, 'platform.report')).toHaveLength(1);
  });

  it('counts what it must drop when the tap is down and memory is full with no spool, and ships the count', async () => {
    const { lambda, tap, ws } = await setup();
    // The first send fails for good (4 attempts), the tap then recovers.
    tap.answer(() => ({ status: tap.requests.length < 4 ? 503 : 200 }));
    const running = start(lambda, tap, ws, {
      DATA_TAPS_FLUSH_STRATEGY: 'background',
      DATA_TAPS_SPOOL_MAX_BYTES: '0',
      DATA_TAPS_MEMORY_MAX_BYTES: String(1024 * 1024),
    });
    await ready(lambda);
    await lambda.api.invoke({ requestId: 'd1' });
    const line = `${'x'.repeat(5000)}\n`;
    const total = 400; // about 2 MB of log lines for a 1 MiB memory bound
    for (let i = 0; i < total; i += 50) {
      await lambda.telemetry.deliver(
        Array.from({ length: 50 }, (_, j) => ({
          time: new Date().toISOString(),
          type: 'function',
          record: `${i + j} ${line}`,
        })),
      );
    }
    await until(() => tap.requests.length >= 4);
    await lambda.api.invoke({ requestId: 'd2' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 3000 });
    expect(await running).toBe(0);

    const lines = tap.accepted();
    const delivered = new Set(byType(lines, 'function').map((l) => String(l['message']).split(' ')[0]));
    const dropped = byType(lines, 'dataTaps.dropped');
    expect(dropped.length).toBeGreaterThan(0);
    const droppedRecords = dropped
      .map((l) => JSON.parse(String(l['record'])) as { records?: number })
      .reduce((sum, d) => sum + (d.records ?? 0), 0);
    expect(droppedRecords).toBeGreaterThan(0);
    expect(delivered.size + droppedRecords).toBe(total);
    expect(ws.log()).toContain('the Data Tap takes batches again');
  });

  it('stays registered and out of the way when misconfigured, logging one line per bad variable', async () => {
    const { lambda, tap, ws } = await setup();
    const running = start(lambda, tap, ws, { BD_TAP_CLIENT_TOKEN: '', MAX_ITEMS: '5' });
    await lambda.api.waitForRegistrations(1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'x' });
    await lambda.api.shutdown({ reason: 'spindown' });
    expect(await running).toBe(0);
    expect(lambda.telemetry.subscriptions).toHaveLength(0);
    expect(lambda.api.errors).toEqual([]);
    const log = ws.log();
    expect(log).toContain('BD_TAP_CLIENT_TOKEN is not set');
    expect(log).toContain('MAX_ITEMS=\\"5\\" is invalid: it must be an integer from 1000 to 10000');
    expect(log).toContain('not shipping telemetry');
  });

  it('reports an invalid configuration as an Init error in strict mode, without the token', async () => {
    const { lambda, tap, ws } = await setup();
    const code = await start(lambda, tap, ws, { BD_DATA_TAP_URL: 'ftp://x', DATA_TAPS_STRICT: 'true' });
    expect(code).toBe(1);
    expect(lambda.api.errors).toHaveLength(1);
    expect(JSON.stringify(lambda.api.errors)).toContain('BD_DATA_TAP_URL');
    expect(JSON.stringify(lambda.api.errors)).not.toContain(TOKEN);
  });

  it('gives up at once, exit code 1, when it cannot even find the Extensions API', async () => {
    const ws = workspace();
    cleanups.push(() => ws.remove());
    const env = { BD_TAP_CLIENT_TOKEN: TOKEN };
    const code = await runExtension({
      env,
      logFd: ws.logFd,
      registration: registerFromEnvironment(env, undefined),
    });
    expect(code).toBe(1);
    expect(ws.log()).toContain('AWS_LAMBDA_RUNTIME_API is not set');
    expect(ws.log()).toContain('cannot register');
  });

  it('runs without telemetry where the Telemetry API is not supported, and stops on an abort', async () => {
    const { lambda, tap, ws } = await setup({ telemetryAnswer: 'not-supported' });
    const stop = new AbortController();
    const running = start(lambda, tap, ws, {}, stop.signal);
    await lambda.api.waitForRegistrations(1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'n1' });
    stop.abort();
    expect(await running).toBe(0);
    expect(ws.log()).toContain('not supported here');
    expect(ws.log()).toContain('"reason":"stop"');
  });

  it('stays registered and out of the way when its listener cannot start (an address not on this host); strict mode reports it as an Init error', async () => {
    const { lambda, tap, ws } = await setup();
    const env = { RECEIVER_ADDRESS: '192.0.2.1' };
    const running = start(lambda, tap, ws, env);
    await lambda.api.waitForRegistrations(1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'l1' });
    await lambda.api.waitForIdle();
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1000 });
    expect(await running).toBe(0);
    expect(ws.log()).toContain('the telemetry listener cannot start');
    expect(ws.log()).not.toContain(TOKEN);
    expect(lambda.api.errors).toHaveLength(0);

    const strict = await setup();
    const code = await start(strict.lambda, strict.tap, strict.ws, { ...env, DATA_TAPS_STRICT: '1' });
    expect(code).toBe(1);
    expect(strict.lambda.api.errors).toHaveLength(1);
  });

  it('logs a refused subscription and keeps the lifecycle going; strict mode reports it as an Init error', async () => {
    const { lambda, tap, ws } = await setup();
    lambda.telemetry.injectResponse({
      statusCode: 400,
      body: { errorType: 'ValidationError', errorMessage: 'nope' },
    });
    const running = start(lambda, tap, ws);
    await lambda.api.waitForRegistrations(1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'q' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1000 });
    expect(await running).toBe(0);
    expect(ws.log()).toContain('refused the subscription');

    const strict = await setup();
    strict.lambda.telemetry.injectResponse({
      statusCode: 400,
      body: { errorType: 'ValidationError', errorMessage: 'nope' },
    });
    const code = await start(strict.lambda, strict.tap, strict.ws, { DATA_TAPS_STRICT: '1' });
    expect(code).toBe(1);
    expect(strict.lambda.api.errors).toHaveLength(1);
  });

  it('registers under the executable name when Lambda refuses EXTENSION_NAME, and says which variable to fix', async () => {
    const { lambda, tap, ws } = await setup();
    lambda.api.injectResponse('register', {
      statusCode: 403,
      body: {
        errorType: 'Extension.InvalidEventType',
        errorMessage: 'internal extensions cannot register for SHUTDOWN',
      },
    });
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, { EXTENSION_NAME: 'other-name' });
    const running = runExtension({
      env,
      logFd: ws.logFd,
      executableName: 'data-taps-lambda-extension',
      registration: registerFromEnvironment(env, 'data-taps-lambda-extension'),
    });
    await ready(lambda);
    expect(lambda.api.registrations.map((r) => r.name)).toEqual(['data-taps-lambda-extension']);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1000 });
    expect(await running).toBe(0);
    expect(ws.log()).toContain('registering as EXTENSION_NAME=\\"other-name\\" failed');

    const again = await setup();
    again.lambda.api.injectResponse('register', {
      statusCode: 403,
      body: { errorType: 'X', errorMessage: 'no' },
    });
    await expect(start(again.lambda, again.tap, again.ws)).rejects.toThrow(/403/);
  });

  it('takes over the registration the eager entry made: registers once, subscribes and polls with its id', async () => {
    const { lambda, tap, ws } = await setup();
    const registration = register({
      runtimeApi: lambda.api.runtimeApi,
      extensionName: 'data-taps-lambda-extension',
    });
    await lambda.api.waitForRegistrations(1);
    const running = runExtension({
      env: lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir),
      logFd: ws.logFd,
      registration,
    });
    await ready(lambda);
    const id = lambda.api.registrations[0]?.extensionId;
    expect(lambda.telemetry.subscriptions.map((s) => s.extensionId)).toEqual([id]);
    const r1 = invocationRecords('h1', ['after the hand-over\n']);
    await lambda.api.invoke({ requestId: 'h1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone]);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 2000 });
    await lambda.telemetry.deliver(r1.report);

    expect(await running).toBe(0);
    expect(lambda.api.registrations).toHaveLength(1);
    expect(lambda.api.requests.filter((r) => r.path.endsWith('/register'))).toHaveLength(1);
    expect(byType(tap.accepted(), 'function').map((l) => l['message'])).toEqual(['after the hand-over']);
    expect(ws.log()).toContain(`"extensionId":"${id}"`);
  });

  it('fails as before when the registration it takes over failed: the refused name, then the error', async () => {
    const { lambda, tap, ws } = await setup();
    const refusal = { statusCode: 403, body: { errorType: 'Extension.Refused', errorMessage: 'no' } };
    lambda.api.injectResponse('register', refusal);
    lambda.api.injectResponse('register', refusal);
    const registration = register({
      runtimeApi: lambda.api.runtimeApi,
      extensionName: 'other-name',
      executableName: 'data-taps-lambda-extension',
    });

    const running = runExtension({
      env: lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, { EXTENSION_NAME: 'other-name' }),
      logFd: ws.logFd,
      registration,
    });

    await expect(running).rejects.toThrow(
      'Extensions API register answered HTTP 403: Extension.Refused (no)',
    );
    expect(ws.log()).toContain('registering as EXTENSION_NAME=\\"other-name\\" failed');
    expect(lambda.telemetry.subscriptions).toHaveLength(0);
  });

  it('in strict mode reports an invalid configuration as an Init error with the id it took over', async () => {
    const { lambda, tap, ws } = await setup();
    const registration = register({
      runtimeApi: lambda.api.runtimeApi,
      extensionName: 'data-taps-lambda-extension',
    });

    const code = await runExtension({
      env: lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, {
        MAX_BYTES: '1',
        DATA_TAPS_STRICT: 'true',
      }),
      logFd: ws.logFd,
      registration,
    });

    expect(code).toBe(1);
    expect(lambda.api.registrations).toHaveLength(1);
    expect(lambda.api.errors.map((e) => [e.kind, e.extensionId, e.errorType])).toEqual([
      ['init', lambda.api.registrations[0]?.extensionId, 'Extension.ConfigInvalid'],
    ]);
    expect(JSON.stringify(lambda.api.errors)).toContain('MAX_BYTES');
  });

  it('runs in memory when the spool folder cannot be used, and reports invocations whose records never came', async () => {
    const { lambda, tap, ws } = await setup();
    writeFileSync(join(ws.dir, 'a-file'), 'x');
    const running = start(lambda, tap, ws, { DATA_TAPS_SPOOL_DIR: join(ws.dir, 'a-file', 'spool') });
    await ready(lambda);
    await lambda.api.invoke({ requestId: 'lost-1' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 800 });
    expect(await running).toBe(0);
    expect(ws.log()).toContain('the spool folder cannot be used');
    const dropped = byType(tap.accepted(), 'dataTaps.dropped').map((l) => JSON.parse(String(l['record'])));
    // This fake Lambda sends no Init records either: the Init counts as one more.
    expect(dropped).toContainEqual(
      expect.objectContaining({
        cause: 'not-received-before-shutdown',
        invocations: 2,
        requestIds: ['lost-1'],
        initPhase: true,
      }),
    );
  });

  it('reports nothing as not received when the Init’s and every invocation’s records came', async () => {
    const { lambda, tap, ws } = await setup();
    const running = start(lambda, tap, ws);
    await ready(lambda);
    const at = new Date().toISOString();
    await lambda.telemetry.deliver([
      {
        time: at,
        type: 'platform.initReport',
        record: {
          initializationType: 'on-demand',
          phase: 'init',
          status: 'success',
          metrics: { durationMs: 80 },
        },
      },
    ]);
    const r1 = invocationRecords('got-1', ['a line\n']);
    await lambda.api.invoke({ requestId: 'got-1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone, ...r1.report]);
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    expect(byType(tap.accepted(), 'platform.initReport')).toHaveLength(1);
    expect(byType(tap.accepted(), 'dataTaps.dropped')).toEqual([]);
    expect(ws.log()).toContain('"initRecordsReceived":true');
  });

  it('counts what the SHUTDOWN drain cannot send nor spool, in its last log line', async () => {
    const { lambda, tap, ws } = await setup();
    tap.answer(() => ({ status: 500 }));
    const running = start(lambda, tap, ws, {
      DATA_TAPS_FLUSH_STRATEGY: 'background',
      DATA_TAPS_SPOOL_MAX_BYTES: '4000',
    });
    await ready(lambda);
    await lambda.api.invoke({ requestId: 's1' });
    const r = invocationRecords(
      's1',
      Array.from({ length: 40 }, (_, i) => `${i} ${'y'.repeat(1000)}\n`),
    );
    await lambda.telemetry.deliver([...r.start, ...r.logs, ...r.runtimeDone, ...r.report]);
    // A reset (timeout): the drain spools what it cannot send (a spindown would drop it all: environment-ended).
    await lambda.api.shutdown({ reason: 'timeout', deadlineMs: Date.now() + 1200 });
    expect(await running).toBe(0);
    const last = ws.logLines().find((l) => l['msg'] === 'shut down');
    expect(last?.['dropped']).toBeGreaterThan(0);
    const byCause = (last?.['droppedByCause'] ?? {}) as Record<string, number>;
    expect(byCause['spool-full']).toBeGreaterThan(0);
  });

  it('ships a record when the token has expired, without the token', async () => {
    const { lambda, tap, ws } = await setup();
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const expired = `${b64({ alg: 'HS256' })}.${b64({ exp: Math.floor(Date.now() / 1000) - 3600 })}.c2ln`;
    const running = start(lambda, tap, ws, {
      BD_TAP_CLIENT_TOKEN: expired,
      DATA_TAPS_FLUSH_STRATEGY: 'background',
    });
    await ready(lambda);
    await lambda.api.invoke({ requestId: 't1' });
    await lambda.api.invoke({ requestId: 't2' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1000 });
    expect(await running).toBe(0);
    const records = byType(tap.accepted(), 'dataTaps.token');
    expect(records.map((r) => JSON.parse(String(r['record'])))).toContainEqual(
      expect.objectContaining({ kind: 'expired', source: 'static', expiresAt: expect.any(String) }),
    );
    expect(JSON.stringify(tap.accepted())).not.toContain(expired);
    expect(ws.log()).not.toContain(expired);
  });

  it('exits 1 after draining when the Extensions API fails', async () => {
    const { lambda, tap, ws } = await setup();
    const running = start(lambda, tap, ws);
    await ready(lambda);
    lambda.api.injectResponse('event/next', {
      statusCode: 500,
      body: { errorType: 'Boom', errorMessage: 'x' },
    });
    const invoked = lambda.api.invoke({ requestId: 'e1' }).catch(() => undefined);
    const code = await running;
    expect(code).toBe(1);
    await lambda.api.close();
    await invoked;
    expect(ws.log()).toContain('the Extensions API failed; exiting');
  });
});
