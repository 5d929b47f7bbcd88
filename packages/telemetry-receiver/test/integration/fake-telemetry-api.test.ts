import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTelemetryListener,
  subscribeTelemetry,
  type TelemetryListener,
  type TelemetryRecord,
  TelemetrySubscriptionError,
} from '../../src/index.js';
import { createFakeTelemetryApi, type FakeTelemetryApi } from '../../src/testing.js';
import { fixture } from '../fixtures/load.js';
import { send } from './http-client.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function setup(api: FakeTelemetryApi = createFakeTelemetryApi()) {
  const { runtimeApi, port } = await api.listen();
  cleanup.push(() => api.close());
  const received: TelemetryRecord[][] = [];
  const listener: TelemetryListener = createTelemetryListener(
    { address: 'sandbox', port: 0, _internal: { sandboxBindHost: '127.0.0.1' } },
    { onBatch: (records) => void received.push(records) },
  );
  cleanup.push(() => listener.close());
  const { uri } = await listener.start();
  const base = {
    runtimeApi,
    extensionId: 'ext-1',
    schemaVersion: '2022-12-13' as const,
    types: ['platform', 'function'] as ('platform' | 'function' | 'extension')[],
    destinationUri: uri,
  };
  return { api, runtimeApi, port, listener, uri, received, base };
}

describe('createFakeTelemetryApi with subscribeTelemetry and the listener', () => {
  it('records the subscription with Lambda defaults and delivers batches to the listener', async () => {
    let clock = 1_000;
    const { api, base, received, listener } = await setup(createFakeTelemetryApi({ now: () => clock++ }));
    await expect(subscribeTelemetry(base)).resolves.toEqual({ status: 'subscribed' });
    expect(api.subscriptions).toEqual([
      {
        extensionId: 'ext-1',
        schemaVersion: '2022-12-13',
        types: ['platform', 'function'],
        buffering: { maxItems: 10_000, maxBytes: 262_144, timeoutMs: 1_000 },
        destination: { protocol: 'HTTP', URI: base.destinationUri },
        at: 1_000,
      },
    ]);
    const records = fixture('schema-2022-12-13-json.json');
    expect(await api.deliver(records)).toBe(200);
    expect(received).toEqual([records]);
    expect(listener.stats().batches).toBe(1);
  });

  it('keeps the buffering asked for', async () => {
    const { api, base } = await setup();
    await subscribeTelemetry({ ...base, buffering: { maxItems: 1_000, maxBytes: 1_048_576, timeoutMs: 25 } });
    expect(api.subscriptions[0]?.buffering).toEqual({ maxItems: 1_000, maxBytes: 1_048_576, timeoutMs: 25 });
  });

  it('delivers bad batches raw and returns the answer', async () => {
    const { api, base } = await setup();
    await subscribeTelemetry(base);
    const answer = await api.deliverRaw('[{"time":');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'MalformedBatch' });
    expect((await api.deliverRaw(new Uint8Array([0x5b, 0x5d]))).status).toBe(200);
  });

  it('answers 202 "not supported" like a local emulator', async () => {
    const { base, api } = await setup(createFakeTelemetryApi({ answer: 'not-supported' }));
    await expect(subscribeTelemetry(base)).resolves.toEqual({ status: 'not-supported' });
    expect(api.subscriptions).toEqual([]);
  });

  it('refuses an unknown extension identifier with 403', async () => {
    const { base } = await setup(createFakeTelemetryApi({ isKnownExtension: (id) => id === 'ext-2' }));
    await expect(subscribeTelemetry(base)).rejects.toMatchObject({
      statusCode: 403,
      errorType: 'Extension.InvalidExtensionIdentifier',
    });
    await expect(subscribeTelemetry({ ...base, extensionId: 'ext-2' })).resolves.toEqual({
      status: 'subscribed',
    });
  });

  it('plays injected answers first, in order', async () => {
    const { api, base } = await setup();
    api.injectResponse({
      statusCode: 403,
      body: { errorType: 'Telemetry.SubscriptionClosed', errorMessage: 'late' },
    });
    api.injectResponse({ statusCode: 500 });
    const first = await subscribeTelemetry(base).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(TelemetrySubscriptionError);
    expect(first).toMatchObject({ statusCode: 403, errorType: 'Telemetry.SubscriptionClosed' });
    await expect(subscribeTelemetry(base)).rejects.toMatchObject({ statusCode: 500, responseBody: '' });
    await expect(subscribeTelemetry(base)).resolves.toEqual({ status: 'subscribed' });
  });

  it('refuses to deliver before any HTTP subscription, and outside loopback', async () => {
    const { api } = await setup();
    await expect(api.deliver([])).rejects.toThrow('no HTTP subscription');
    await expect(
      api.deliver([], {
        subscription: {
          extensionId: 'x',
          schemaVersion: '2022-12-13',
          types: ['platform'],
          buffering: { maxItems: 1_000, maxBytes: 262_144, timeoutMs: 25 },
          destination: { protocol: 'HTTP', URI: 'http://192.0.2.1:4243' },
          at: 0,
        },
      }),
    ).rejects.toThrow('loopback only');
  });

  it('rejects a delivery the listener does not answer', async () => {
    const { api, port } = await setup();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await send(port, {
      method: 'PUT',
      path: '/2022-07-01/telemetry',
      headers: { 'lambda-extension-identifier': 'x' },
      body: JSON.stringify({
        schemaVersion: '2022-12-13',
        destination: { protocol: 'HTTP', URI: `http://localhost:${deadPort}` },
        types: ['platform'],
      }),
    });
    await expect(api.deliver([])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('createFakeTelemetryApi validation', () => {
  const valid = {
    schemaVersion: '2022-12-13',
    destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
    types: ['platform'],
  };

  it.each<[string, unknown, string]>([
    ['a body that is not JSON', 'nope', 'not JSON'],
    ['a JSON array', [], 'not a JSON object'],
    ['an unknown schema version', { ...valid, schemaVersion: '2021-01-01' }, 'schemaVersion'],
    ['no types', { ...valid, types: [] }, 'types'],
    ['an unknown type', { ...valid, types: ['logs'] }, 'types'],
    ['no destination', { ...valid, destination: undefined }, 'destination'],
    ['an https destination', { ...valid, destination: { protocol: 'HTTP', URI: 'https://x:1' } }, 'http://'],
    [
      'a TCP destination before 2025-01-29',
      { ...valid, destination: { protocol: 'TCP', port: 4243 } },
      'destination',
    ],
    ['buffering that is not an object', { ...valid, buffering: 5 }, 'buffering must be an object'],
    [
      'maxItems below 1000',
      { ...valid, buffering: { maxItems: 999 } },
      'buffering.maxItems 999 is out of 1000..10000',
    ],
    ['maxBytes above 1 MiB', { ...valid, buffering: { maxBytes: 1_048_577 } }, 'buffering.maxBytes'],
    ['timeoutMs below 25', { ...valid, buffering: { timeoutMs: 24 } }, 'buffering.timeoutMs'],
    ['a fractional timeoutMs', { ...valid, buffering: { timeoutMs: 25.5 } }, 'buffering.timeoutMs'],
  ])('answers 400 to %s', async (_label, body, message) => {
    const { port, api } = await setup();
    const answer = await send(port, {
      method: 'PUT',
      path: '/2022-07-01/telemetry',
      headers: { 'lambda-extension-identifier': 'ext-1' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'ValidationError' });
    expect(JSON.parse(answer.body).errorMessage).toContain(message);
    expect(api.subscriptions).toEqual([]);
  });

  it('accepts a TCP destination under 2025-01-29, and does not deliver to it', async () => {
    const { port, api } = await setup();
    const answer = await send(port, {
      method: 'PUT',
      path: '/2022-07-01/telemetry/',
      headers: { 'lambda-extension-identifier': 'ext-1' },
      body: JSON.stringify({
        ...valid,
        schemaVersion: '2025-01-29',
        destination: { protocol: 'TCP', port: 4243 },
      }),
    });
    expect(answer.status).toBe(200);
    expect(api.subscriptions[0]?.destination).toEqual({ protocol: 'TCP', port: 4243 });
    await expect(api.deliver([])).rejects.toThrow('no HTTP subscription');
    const tcp = api.subscriptions[0];
    await expect(api.deliver([], tcp ? { subscription: tcp } : {})).rejects.toThrow('no HTTP subscription');
  });

  it('answers 403 without the Lambda-Extension-Identifier header', async () => {
    const { port } = await setup();
    const answer = await send(port, {
      method: 'PUT',
      path: '/2022-07-01/telemetry',
      body: JSON.stringify(valid),
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'Extension.MissingHeader' });
  });

  it('leaves other routes to the server it is mounted in', async () => {
    const api = createFakeTelemetryApi();
    const server = createServer((req, res) => {
      if (!api.handle(req, res)) {
        res.writeHead(418);
        res.end('teapot');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    expect((await send(port, { method: 'GET', path: '/2022-07-01/telemetry' })).status).toBe(418);
    expect(
      (await send(port, { method: 'PUT', path: '/2020-01-01/extension/register', body: '{}' })).status,
    ).toBe(418);
    const own = await send(port, {
      method: 'PUT',
      path: '/2022-07-01/telemetry?x',
      headers: { 'lambda-extension-identifier': 'ext-1' },
      body: JSON.stringify(valid),
    });
    expect(own.status).toBe(200);
  });

  it('answers 404 itself when listening alone, refuses to listen twice, and closes idempotently', async () => {
    const { port, api } = await setup();
    expect((await send(port, { method: 'GET', path: '/' })).status).toBe(404);
    await expect(api.listen()).rejects.toThrow('already listening');
    await api.close();
    await api.close();
  });

  it('survives a client that goes away mid-request', async () => {
    const api = createFakeTelemetryApi();
    const { port } = await api.listen();
    cleanup.push(() => api.close());
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('PUT /2022-07-01/telemetry HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{');
    await new Promise((resolve) => setImmediate(resolve));
    socket.destroy();
    expect((await send(port, { method: 'GET', path: '/' })).status).toBe(404);
  });

  it('validates its own options', () => {
    expect(() => createFakeTelemetryApi({ answer: 'maybe' as never })).toThrow('answer');
  });
});
