// Conformance of the sandbox's APIs and environment with ../../../shared/lambda-facts.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaSandbox } from '../../src/index.js';
import { readOutput, startSandbox } from '../helpers/sandbox.js';

let s: Awaited<ReturnType<typeof startSandbox>>;
let sandbox: LambdaSandbox;

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(`http://${sandbox.runtimeApi}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

beforeAll(async () => {
  s = await startSandbox(
    { conformer: 'telemetry-extension.mjs', quiet: 'telemetry-extension.mjs' },
    {
      functionName: 'conformance-fn',
      functionVersion: '7',
      memorySizeMb: 256,
      region: 'eu-west-1',
      env: {
        EXT_DUMP_ENV: '1',
        EXT_SUBSCRIBE_QUIET: 'false',
        MY_SETTING: 'on',
        _UNDERSCORED: 'runtime only',
      },
    },
  );
  sandbox = s.sandbox;
  await sandbox.init();
});
afterAll(async () => {
  await s.cleanup();
});

describe('environment (lambda-facts.md: Execution environment)', () => {
  it('gives extensions the shared variables, not the runtime-only ones', async () => {
    const register = (await readOutput(s.out)).find((o) => o.kind === 'register' && o.ext === 'conformer');
    const env = register?.data['env'] as Record<string, string>;
    expect(env).toMatchObject({
      AWS_LAMBDA_RUNTIME_API: sandbox.runtimeApi,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'conformance-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '7',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      MY_SETTING: 'on',
    });
    expect(env['PATH']).toBeTruthy();
    for (const name of [
      '_HANDLER',
      'LAMBDA_TASK_ROOT',
      'AWS_EXECUTION_ENV',
      'AWS_LAMBDA_LOG_GROUP_NAME',
      'AWS_LAMBDA_LOG_STREAM_NAME',
      '_UNDERSCORED',
    ]) {
      expect(env).not.toHaveProperty(name);
    }
  });

  it('gives the runtime the runtime-only variables too', async () => {
    const r = await sandbox.invoke({ env: true });
    const env = (r.response as { env: Record<string, string> }).env;
    expect(env).toMatchObject({
      _HANDLER: 'index.handler',
      _UNDERSCORED: 'runtime only',
      AWS_LAMBDA_FUNCTION_NAME: 'conformance-fn',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/conformance-fn',
      AWS_LAMBDA_RUNTIME_API: sandbox.runtimeApi,
    });
    expect(env['AWS_LAMBDA_LOG_STREAM_NAME']).toMatch(/^\d{4}\/\d\d\/\d\d\/\[7\][0-9a-f]{32}$/);
    expect(env['_X_AMZN_TRACE_ID']).toMatch(/^Root=1-/);
  });
});

describe('Extensions API (2020-01-01)', () => {
  it('answers register errors with 403 and {errorMessage, errorType}', async () => {
    const body = JSON.stringify({ events: ['INVOKE'] });
    expect(await call('POST', '/2020-01-01/extension/register', {}, body)).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.MissingHeader', errorMessage: expect.any(String) },
    });
    expect(
      await call('POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'x' }, ''),
    ).toMatchObject({
      status: 403,
      json: { errorType: 'InvalidRequestFormat' },
    });
    expect(
      await call(
        'POST',
        '/2020-01-01/extension/register',
        { 'Lambda-Extension-Name': 'x' },
        JSON.stringify({ events: ['BOOT'] }),
      ),
    ).toMatchObject({ status: 403, json: { errorType: 'Extension.InvalidEventType' } });
    expect(
      await call('POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'late' }, body),
    ).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.RegistrationClosed' },
    });
    expect(
      await call(
        'POST',
        '/2020-01-01/extension/register',
        { 'Lambda-Extension-Name': 'late' },
        JSON.stringify({ events: ['SHUTDOWN'] }),
      ),
    ).toMatchObject({ status: 403, json: { errorType: 'Extension.InvalidEventType' } });
  });

  it('refuses next and error reports without a valid identifier', async () => {
    expect(await call('GET', '/2020-01-01/extension/event/next')).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.MissingExtensionIdentifier' },
    });
    const bad = { 'Lambda-Extension-Identifier': '00000000-0000-0000-0000-000000000000' };
    expect(await call('GET', '/2020-01-01/extension/event/next', bad)).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.InvalidExtensionIdentifier' },
    });
    expect(await call('POST', '/2020-01-01/extension/exit/error', bad, '{}')).toMatchObject({ status: 403 });
    expect(await call('PUT', '/2022-07-01/telemetry', bad, '{}')).toMatchObject({ status: 403 });
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await call('GET', '/2020-01-01/extension/nope')).status).toBe(404);
    expect((await call('POST', '/2020-01-01/extension/event/next')).status).toBe(405);
    expect((await call('GET', '/2018-06-01/runtime/invocation/abc/response')).status).toBe(405);
  });
});

describe('calls made with a registered identifier after Init', () => {
  it('refuses a first subscription after Init, init/error after Init, and anything after exit/error', async () => {
    const quiet = (await readOutput(s.out)).find((o) => o.kind === 'register' && o.ext === 'quiet');
    const id = { 'Lambda-Extension-Identifier': quiet?.data['id'] as string };
    const subscription = JSON.stringify({
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
      types: ['platform'],
    });
    expect(await call('PUT', '/2022-07-01/telemetry', id, '{not json')).toMatchObject({
      status: 400,
      json: { errorType: 'ValidationError' },
    });
    expect(
      await call('PUT', '/2022-07-01/telemetry', id, JSON.stringify({ schemaVersion: '2022-12-13' })),
    ).toMatchObject({
      status: 400,
      json: { errorType: 'ValidationError', errorMessage: expect.stringContaining('destination') },
    });
    expect(await call('PUT', '/2022-07-01/telemetry', id, subscription)).toMatchObject({
      status: 403,
      json: { errorType: 'Telemetry.SubscriptionClosed' },
    });
    expect(await call('POST', '/2020-01-01/extension/init/error', id, '{}')).toMatchObject({
      status: 400,
      json: { errorType: 'Extension.MissingHeader' },
    });
    const errorType = { ...id, 'Lambda-Extension-Function-Error-Type': 'Extension.Late' };
    expect(await call('POST', '/2020-01-01/extension/init/error', errorType, '{}')).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.InvalidExtensionState' },
    });
    const body = JSON.stringify({ errorMessage: 'giving up', errorType: 'Extension.Fatal', stackTrace: [] });
    expect(await call('POST', '/2020-01-01/extension/exit/error', errorType, body)).toMatchObject({
      status: 202,
      json: { status: 'OK' },
    });
    expect(await call('POST', '/2020-01-01/extension/exit/error', errorType, body)).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.InvalidExtensionState' },
    });
    expect(await call('GET', '/2020-01-01/extension/event/next', id)).toMatchObject({
      status: 403,
      json: { errorType: 'Extension.InvalidExtensionState' },
    });
  });

  it('answers runtime calls out of turn: init/error after Init, unknown request ids, repeated answers', async () => {
    expect(
      await call(
        'POST',
        '/2018-06-01/runtime/init/error',
        { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Late' },
        '{}',
      ),
    ).toMatchObject({ status: 403, json: { errorType: 'InvalidStateTransition' } });
    expect(await call('POST', '/2018-06-01/runtime/invocation/nope/response', {}, '{}')).toMatchObject({
      status: 400,
      json: { errorType: 'InvalidRequestID' },
    });
    expect(await call('POST', '/2018-06-01/runtime/invocation/nope/error', {}, 'text')).toMatchObject({
      status: 400,
    });
    const done = await sandbox.invoke({});
    expect(
      await call('POST', `/2018-06-01/runtime/invocation/${done.requestId}/response`, {}, '{}'),
    ).toMatchObject({
      status: 403,
      json: { errorType: 'InvalidStateTransition' },
    });
  });

  it('leaves accountId out of the register answer unless the feature is asked for', async () => {
    const t = await startSandbox({}, { handler: 'internal-extension.handler' });
    try {
      await t.sandbox.init();
      const r = await t.sandbox.invoke({});
      expect((r.response as { registerBody: unknown }).registerBody).toEqual({
        functionName: 'sandbox-function',
        functionVersion: '$LATEST',
        handler: 'internal-extension.handler',
      });
    } finally {
      await t.cleanup();
    }
  });
});

describe('Telemetry API (2022-07-01)', () => {
  it('answers a subscription with 200 OK and records it before the extension is Ready', async () => {
    const out = await readOutput(s.out);
    expect(out.find((o) => o.kind === 'subscribe')?.data).toEqual({ status: 200, body: 'OK' });
    const records = sandbox.emitted();
    const subscribed = records.findIndex(
      (e) =>
        e.type === 'platform.telemetrySubscription' && (e.record as { name: string }).name === 'conformer',
    );
    const ready = records.findIndex(
      (e) => e.type === 'platform.extension' && (e.record as { name: string }).name === 'conformer',
    );
    expect(records[0]?.type).toBe('platform.initStart');
    expect(subscribed).toBeGreaterThan(0);
    expect(ready).toBeGreaterThan(subscribed);
    expect(records[ready]?.record).toEqual({
      name: 'conformer',
      state: 'Ready',
      events: ['INVOKE', 'SHUTDOWN'],
    });
  });
});
