import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ExtensionsApiOptionsError } from '../../src/errors.js';
import { createFakeExtensionsApi, type FakeExtensionsApi } from '../../src/testing/fake-extensions-api.js';
import type { FakeExtensionsApiDeps, FakeExtensionsApiOptions } from '../../src/testing/fake-options.js';
import { EXT, raw, rawNext, rawRegister } from '../raw-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const apis: FakeExtensionsApi[] = [];

async function fake(options: FakeExtensionsApiOptions = {}, deps: FakeExtensionsApiDeps = {}) {
  const api = await createFakeExtensionsApi(options, deps);
  apis.push(api);
  return api;
}

afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

describe('createFakeExtensionsApi', () => {
  it('listens on 127.0.0.1 with an OS-chosen port', async () => {
    const api = await fake();

    expect(api.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(api.runtimeApi).not.toBe('127.0.0.1:0');
  });

  it('refuses invalid options with the package error', async () => {
    await expect(createFakeExtensionsApi({ accountId: '42' })).rejects.toBeInstanceOf(
      ExtensionsApiOptionsError,
    );
    await expect(createFakeExtensionsApi({ fallback: 'x' as never })).rejects.toThrow(
      'options.fallback = "x": expected a function',
    );
  });
});

describe('register', () => {
  it('answers 200 with a UUID identifier and the function facts, and records the registration', async () => {
    const api = await fake(
      { functionName: 'orders', functionVersion: '3', handler: 'app.handler' },
      { now: () => 42 },
    );

    const response = await raw(api.runtimeApi, 'POST', `${EXT}/register`, {
      headers: { 'lambda-extension-name': 'data-taps' },
      body: '{"events":["INVOKE","SHUTDOWN"]}',
    });

    expect(response.status).toBe(200);
    expect(response.headers['lambda-extension-identifier']).toMatch(UUID);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json).toEqual({ functionName: 'orders', functionVersion: '3', handler: 'app.handler' });
    expect(api.registrations).toEqual([
      {
        extensionId: response.headers['lambda-extension-identifier'],
        name: 'data-taps',
        events: ['INVOKE', 'SHUTDOWN'],
        acceptFeatures: [],
        at: 42,
      },
    ]);
  });

  it('adds the account id only when the extension accepts the feature', async () => {
    const api = await fake({ accountId: '210987654321' });

    const response = await raw(api.runtimeApi, 'POST', `${EXT}/register`, {
      headers: { 'lambda-extension-name': 'a', 'lambda-extension-accept-feature': 'accountId, other' },
      body: '{"events":["SHUTDOWN"]}',
    });

    expect(response.json).toMatchObject({ accountId: '210987654321' });
    expect(api.registrations[0]?.acceptFeatures).toEqual(['accountId', 'other']);
  });

  it.each([
    ['no name header', {}, '{"events":[]}', 'Extension.MissingHeader'],
    ['an empty body', { 'lambda-extension-name': 'a' }, '', 'InvalidRequestFormat'],
    ['a JSON null body', { 'lambda-extension-name': 'a' }, 'null', 'InvalidRequestFormat'],
    [
      'events that are not an array',
      { 'lambda-extension-name': 'a' },
      '{"events":"INVOKE"}',
      'InvalidRequestFormat',
    ],
    [
      'an unknown event',
      { 'lambda-extension-name': 'a' },
      '{"events":["INVOKE","RESTORE"]}',
      'Extension.InvalidEventType',
    ],
  ])('answers 403 to %s', async (_case, headers, body, errorType) => {
    const api = await fake();

    const response = await raw(api.runtimeApi, 'POST', `${EXT}/register`, { headers, body });

    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ errorType, errorMessage: expect.any(String) });
    expect(api.registrations).toEqual([]);
    expect(api.requests).toEqual([
      { method: 'POST', path: `${EXT}/register`, statusCode: 403, errorType, at: expect.any(Number) },
    ]);
  });

  it('refuses a name registered twice', async () => {
    const api = await fake();
    await rawRegister(api.runtimeApi, 'a');

    const response = await raw(api.runtimeApi, 'POST', `${EXT}/register`, {
      headers: { 'lambda-extension-name': 'a' },
      body: '{"events":[]}',
    });

    expect(response.json).toMatchObject({ errorType: 'Extension.InvalidExtensionName' });
  });

  it('answers 403 Extension.RegistrationClosed once registration is closed', async () => {
    const api = await fake();
    expect(api.registrationOpen).toBe(true);

    api.closeRegistration();
    const response = await raw(api.runtimeApi, 'POST', `${EXT}/register`, {
      headers: { 'lambda-extension-name': 'late' },
      body: '{"events":["INVOKE"]}',
    });

    expect(api.registrationOpen).toBe(false);
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ errorType: 'Extension.RegistrationClosed' });
  });
});

describe('event/next identity checks', () => {
  it.each([
    ['a missing identifier', undefined, 'Extension.MissingHeader'],
    ['a malformed identifier', 'not-a-uuid', 'Extension.InvalidExtensionIdentifier'],
    ['an unknown identifier', '00000000-0000-4000-8000-000000000000', 'Extension.UnknownExtensionIdentifier'],
  ])('answers 403 to %s', async (_case, id, errorType) => {
    const api = await fake();

    const response = await raw(api.runtimeApi, 'GET', `${EXT}/event/next`, {
      headers: id === undefined ? {} : { 'lambda-extension-identifier': id },
    });

    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ errorType });
  });

  it('allows one next per extension: a newer one supersedes the pending one, which gets 403', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'a');
    const first = rawNext(api.runtimeApi, id);
    await api.waitForIdle();

    const second = rawNext(api.runtimeApi, id);
    const superseded = await first;
    await api.shutdown();

    expect(superseded.status).toBe(403);
    expect(superseded.json).toMatchObject({ errorType: 'Extension.InvalidExtensionState' });
    await expect(second).resolves.toMatchObject({ status: 200, json: { eventType: 'SHUTDOWN' } });
  });
});

describe('invoke', () => {
  it('delivers the INVOKE to INVOKE subscribers and measures until each came back to next', async () => {
    let wall = 1_700_000_000_000;
    let clock = 0;
    const api = await fake(
      { functionName: 'orders', region: 'eu-west-1', functionTimeoutMs: 5000 },
      { now: () => wall, monotonicNow: () => clock },
    );
    const a = await rawRegister(api.runtimeApi, 'a', ['INVOKE', 'SHUTDOWN']);
    const b = await rawRegister(api.runtimeApi, 'b', ['INVOKE']);
    const c = await rawRegister(api.runtimeApi, 'c', ['SHUTDOWN']);
    const waitingA = rawNext(api.runtimeApi, a);
    const waitingB = rawNext(api.runtimeApi, b);
    const waitingC = rawNext(api.runtimeApi, c);
    await api.waitForIdle();

    clock = 100;
    wall += 1;
    const invoked = api.invoke({ requestId: 'req-1' });
    const eventA = await waitingA;
    const eventB = await waitingB;
    clock = 130;
    const backA = rawNext(api.runtimeApi, a);
    await until(() => api.extensions()[0]?.state === 'waiting');
    clock = 175;
    const backB = rawNext(api.runtimeApi, b);
    const result = await invoked;

    expect(eventA.status).toBe(200);
    expect(eventA.headers['lambda-extension-event-identifier']).toMatch(UUID);
    expect(eventA.json).toEqual({
      eventType: 'INVOKE',
      deadlineMs: 1_700_000_005_001,
      requestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
      tracing: {
        type: 'X-Amzn-Trace-Id',
        value: expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/),
      },
    });
    expect(eventB.json).toEqual(eventA.json);
    expect(result.event).toEqual(eventA.json);
    expect(result.durationMs).toBe(75);
    expect(result.extensions).toEqual([
      { extensionId: a, name: 'a', outcome: 'next', durationMs: 30 },
      { extensionId: b, name: 'b', outcome: 'next', durationMs: 75 },
    ]);
    expect(api.registrationOpen).toBe(false);
    expect(api.extensions().map((extension) => extension.state)).toEqual(['waiting', 'waiting', 'waiting']);
    await api.close();
    await Promise.allSettled([backA, backB, waitingC]);
  });

  it('queues the INVOKE for an extension still initializing, and leaves tracing out when asked', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'slow', ['INVOKE']);
    expect(api.extensions()).toEqual([
      { extensionId: id, name: 'slow', state: 'initializing', queued: 0, nextCalls: 0 },
    ]);

    const invoked = api.invoke({ tracing: null, deadlineMs: 5, invokedFunctionArn: 'arn:x' });
    expect(api.extensions()[0]?.queued).toBe(1);
    const event = await rawNext(api.runtimeApi, id);
    expect(api.extensions()[0]?.state).toBe('busy');
    const back = rawNext(api.runtimeApi, id);
    const result = await invoked;

    expect(event.json).toEqual({
      eventType: 'INVOKE',
      deadlineMs: 5,
      requestId: expect.stringMatching(UUID),
      invokedFunctionArn: 'arn:x',
    });
    expect(result.extensions).toHaveLength(1);
    await api.close();
    await back.catch(() => {});
  });

  it('resolves at once when nobody subscribed to INVOKE', async () => {
    const api = await fake();
    await rawRegister(api.runtimeApi, 'shutdown-only', ['SHUTDOWN']);

    const result = await api.invoke();

    expect(result.extensions).toEqual([]);
    expect(result.durationMs).toBe(0);
  });

  it('reports an extension that exits instead of coming back, and drops what was queued for it', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'crashy', ['INVOKE']);
    const first = api.invoke();
    const second = api.invoke();
    await rawNext(api.runtimeApi, id);

    const exit = await raw(api.runtimeApi, 'POST', `${EXT}/exit/error`, {
      headers: {
        'lambda-extension-identifier': id,
        'lambda-extension-function-error-type': 'Extension.Crash',
      },
      body: '{"errorMessage":"boom","errorType":"Error","stackTrace":[]}',
    });

    expect(exit.status).toBe(202);
    expect((await first).extensions).toEqual([
      { extensionId: id, name: 'crashy', outcome: 'exited', durationMs: expect.any(Number) },
    ]);
    expect((await second).extensions).toEqual([
      { extensionId: id, name: 'crashy', outcome: 'exited', durationMs: 0 },
    ]);
    expect(api.extensions()[0]?.state).toBe('exited');
  });
});

describe('shutdown', () => {
  it('delivers SHUTDOWN with reason and deadline to SHUTDOWN subscribers only, then holds next', async () => {
    const api = await fake({ shutdownTimeoutMs: 1500 }, { now: () => 1000, monotonicNow: () => 7 });
    const a = await rawRegister(api.runtimeApi, 'a', ['INVOKE', 'SHUTDOWN']);
    const b = await rawRegister(api.runtimeApi, 'b', ['INVOKE']);
    const nextA = rawNext(api.runtimeApi, a);
    const nextB = rawNext(api.runtimeApi, b);

    const result = await api.shutdown();
    const event = await nextA;

    expect(event.json).toEqual({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: 2500 });
    expect(result).toEqual({
      event: { eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: 2500 },
      extensions: [{ extensionId: a, name: 'a', deliveredAt: 7 }],
    });
    const held = rawNext(api.runtimeApi, a).then(
      () => 'answered',
      () => 'cut',
    );
    const cutB = nextB.then(
      () => 'answered',
      () => 'cut',
    );
    await api.waitForIdle();
    expect(api.extensions().map((extension) => extension.state)).toEqual(['waiting', 'waiting']);
    expect(api.extensions().map((extension) => extension.nextCalls)).toEqual([2, 1]);
    await api.close();
    expect(await held).toBe('cut');
    expect(await cutB).toBe('cut');
  });

  it('sends the reason as given, so tests can send upper case', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'a', ['SHUTDOWN']);
    const pending = rawNext(api.runtimeApi, id);

    await api.shutdown({ reason: 'TIMEOUT', deadlineMs: 99 });

    expect((await pending).json).toEqual({
      eventType: 'SHUTDOWN',
      shutdownReason: 'TIMEOUT',
      deadlineMs: 99,
    });
  });

  it('may be called once, and ends invocations and registration', async () => {
    const api = await fake();
    await api.shutdown();

    await expect(api.shutdown()).rejects.toThrow('shutdown() may be called once');
    await expect(api.invoke()).rejects.toThrow('invoke() after shutdown()');
    expect(api.registrationOpen).toBe(false);
  });
});

describe('error reports', () => {
  it.each([
    ['init/error', 'init'],
    ['exit/error', 'exit'],
  ] as const)('accepts %s with 202, records it, then refuses further calls', async (endpoint, kind) => {
    const api = await fake({}, { now: () => 5 });
    const id = await rawRegister(api.runtimeApi, 'a');

    const response = await raw(api.runtimeApi, 'POST', `${EXT}/${endpoint}`, {
      headers: {
        'lambda-extension-identifier': id,
        'lambda-extension-function-error-type': 'Extension.ConfigInvalid',
      },
      body: '{"errorMessage":"bad config","errorType":"ConfigError","stackTrace":["at x"]}',
    });
    const after = await rawNext(api.runtimeApi, id);

    expect(response.status).toBe(202);
    expect(response.json).toEqual({ status: 'OK' });
    expect(api.errors).toEqual([
      {
        kind,
        extensionId: id,
        name: 'a',
        errorType: 'Extension.ConfigInvalid',
        body: { errorMessage: 'bad config', errorType: 'ConfigError', stackTrace: ['at x'] },
        at: 5,
      },
    ]);
    expect(after.status).toBe(403);
    expect(after.json).toMatchObject({ errorType: 'Extension.InvalidExtensionState' });
  });

  it('keeps a body that is not JSON as text', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'a');

    await raw(api.runtimeApi, 'POST', `${EXT}/init/error`, {
      headers: { 'lambda-extension-identifier': id, 'lambda-extension-function-error-type': 'Extension.X' },
      body: 'plain words',
    });

    expect(api.errors[0]?.body).toBe('plain words');
  });

  it('answers 403 Extension.MissingHeader without the error type header, and cuts a pending next on exit', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'a');
    const pending = rawNext(api.runtimeApi, id);
    await api.waitForIdle();

    const missing = await raw(api.runtimeApi, 'POST', `${EXT}/exit/error`, {
      headers: { 'lambda-extension-identifier': id },
      body: '{}',
    });
    await raw(api.runtimeApi, 'POST', `${EXT}/exit/error`, {
      headers: { 'lambda-extension-identifier': id, 'lambda-extension-function-error-type': 'Extension.X' },
      body: '{}',
    });

    expect(missing.status).toBe(403);
    expect(missing.json).toMatchObject({ errorType: 'Extension.MissingHeader' });
    expect(api.errors).toHaveLength(1);
    await expect(pending).rejects.toThrow();
  });
});

describe('routing', () => {
  it('answers 404 to a route it does not know when no fallback is set', async () => {
    const api = await fake();

    const response = await raw(api.runtimeApi, 'PUT', '/2022-07-01/telemetry', { body: '{}' });
    const wrongMethod = await raw(api.runtimeApi, 'GET', `${EXT}/register`);

    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ errorType: 'NotFound' });
    expect(wrongMethod.status).toBe(404);
  });

  it('hands unknown routes, body unread, to the fallback', async () => {
    const seen: string[] = [];
    const api = await fake({
      fallback: (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        req.on('end', () => {
          seen.push(`${req.method} ${req.url} ${body}`);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        });
      },
    });

    const response = await raw(api.runtimeApi, 'PUT', '/2022-07-01/telemetry?x=1', { body: '{"types":[]}' });

    expect(response.json).toEqual({ ok: true });
    expect(seen).toEqual(['PUT /2022-07-01/telemetry?x=1 {"types":[]}']);
    expect(api.requests).toEqual([]);
  });

  it('answers an injected response once, before any validation', async () => {
    const api = await fake();
    api.injectResponse('register', {
      statusCode: 500,
      body: { errorType: 'Extension.Unknown', errorMessage: 'x' },
    });
    api.injectResponse('register', {
      statusCode: 200,
      body: 'not json',
      headers: { 'content-type': 'text/plain' },
    });
    api.injectResponse('event/next', { statusCode: 204 });

    const first = await raw(api.runtimeApi, 'POST', `${EXT}/register`, { body: '' });
    const second = await raw(api.runtimeApi, 'POST', `${EXT}/register`, { body: '' });
    const third = await raw(api.runtimeApi, 'POST', `${EXT}/register`, { body: '' });
    const next = await raw(api.runtimeApi, 'GET', `${EXT}/event/next`);

    expect(first.status).toBe(500);
    expect(first.json).toEqual({ errorType: 'Extension.Unknown', errorMessage: 'x' });
    expect(second.body).toBe('not json');
    expect(second.headers['content-type']).toBe('text/plain');
    expect(third.json).toMatchObject({ errorType: 'Extension.MissingHeader' });
    expect(next.status).toBe(204);
    expect(next.body).toBe('');
  });

  it('survives a client that goes away in the middle of a request body', async () => {
    const api = await fake();
    const [host, port] = api.runtimeApi.split(':');
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), host, () => {
        socket.write(
          `POST ${EXT}/register HTTP/1.1\r\nHost: x\r\nLambda-Extension-Name: a\r\nContent-Length: 100\r\n\r\n{"ev`,
          () => {
            setTimeout(() => socket.destroy(), 20);
          },
        );
      });
      socket.on('close', () => resolve());
    });

    await expect(rawRegister(api.runtimeApi, 'b')).resolves.toMatch(UUID);
    expect(api.registrations.map((registration) => registration.name)).toEqual(['b']);
  });
});

describe('waiting and closing', () => {
  it('waits for N registrations', async () => {
    const api = await fake();
    const waited = api.waitForRegistrations(2);

    await rawRegister(api.runtimeApi, 'a');
    await rawRegister(api.runtimeApi, 'b');

    expect((await waited).map((registration) => registration.name)).toEqual(['a', 'b']);
    await expect(api.waitForRegistrations(1)).resolves.toHaveLength(2);
  });

  it('knows an extension whose next was cut by the client is not waiting', async () => {
    const api = await fake();
    const id = await rawRegister(api.runtimeApi, 'a');
    const controller = new AbortController();
    const pending = rawNext(api.runtimeApi, id, controller.signal);
    await api.waitForIdle();

    controller.abort();
    await pending.catch(() => {});
    await until(() => api.extensions()[0]?.state !== 'waiting');

    expect(api.extensions()[0]?.state).toBe('busy');
  });

  it('rejects pending and later waits on close, and closes once', async () => {
    const api = await fake();
    const waited = api.waitForRegistrations(1);
    const idle = api.waitForIdle();
    const id = await rawRegister(api.runtimeApi, 'a', ['INVOKE']);
    const invoked = api.invoke();

    await api.close();
    await api.close();

    await expect(waited).resolves.toHaveLength(1);
    await expect(idle).rejects.toThrow('fake Extensions API is closed');
    await expect(invoked).rejects.toThrow('fake Extensions API is closed');
    await expect(api.waitForRegistrations(5)).rejects.toThrow('fake Extensions API is closed');
    await expect(api.invoke()).rejects.toThrow('fake Extensions API is closed');
    await expect(api.shutdown()).rejects.toThrow('fake Extensions API is closed');
    await expect(rawNext(api.runtimeApi, id)).rejects.toThrow();
  });
});

/** Polls a condition the server updates when a request arrives (no timing assertion). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
