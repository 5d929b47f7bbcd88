import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type SubscribeTelemetryOptionsInput,
  subscribeTelemetry,
  TelemetryConnectionError,
  TelemetryReceiverError,
  TelemetryReceiverOptionsError,
  TelemetrySubscriptionError,
  telemetryBufferingSchema,
} from '../../src/index.js';

const OPTIONS: SubscribeTelemetryOptionsInput = {
  runtimeApi: '127.0.0.1:9001',
  extensionId: '6a0b7c1d-2e3f-4a5b-8c9d-0e1f2a3b4c5d',
  schemaVersion: '2022-12-13',
  types: ['platform', 'function', 'extension'],
  buffering: { maxItems: 1_000, maxBytes: 262_144, timeoutMs: 100 },
  destinationUri: 'http://sandbox.localdomain:4243',
};

function fakeFetch(status: number, body = '') {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(body, { status }));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const logger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('subscribeTelemetry', () => {
  it('PUTs the documented body with the extension identifier and resolves subscribed on 200', async () => {
    const fetch = fakeFetch(200, 'OK');
    const log = logger();
    await expect(subscribeTelemetry(OPTIONS, { fetch, logger: log })).resolves.toEqual({
      status: 'subscribed',
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('http://127.0.0.1:9001/2022-07-01/telemetry');
    expect(init?.method).toBe('PUT');
    expect(init?.headers).toMatchObject({ 'Lambda-Extension-Identifier': OPTIONS.extensionId });
    expect(JSON.parse(String(init?.body))).toEqual({
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
      types: ['platform', 'function', 'extension'],
      buffering: { maxItems: 1_000, maxBytes: 262_144, timeoutMs: 100 },
    });
    expect(log.info).toHaveBeenCalledTimes(1);
  });

  it('leaves buffering to Lambda when not given, and fills a partial one with the defaults', async () => {
    const fetch = fakeFetch(200);
    const { buffering: _buffering, ...rest } = OPTIONS;
    await subscribeTelemetry({ ...rest, schemaVersion: '2025-01-29', types: ['function'] }, { fetch });
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).not.toHaveProperty('buffering');
    await subscribeTelemetry({ ...rest, buffering: { timeoutMs: 25 } }, { fetch });
    expect(JSON.parse(String(fetch.mock.calls[1]?.[1]?.body)).buffering).toEqual({
      maxItems: 10_000,
      maxBytes: 262_144,
      timeoutMs: 25,
    });
  });

  it('resolves not-supported on 202 (local emulator) and warns once', async () => {
    const log = logger();
    await expect(
      subscribeTelemetry(OPTIONS, { fetch: fakeFetch(202, 'Telemetry API not supported'), logger: log }),
    ).resolves.toEqual({ status: 'not-supported' });
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('surfaces a refusal as TelemetrySubscriptionError with the API error', async () => {
    const body = JSON.stringify({ errorType: 'Telemetry.SubscriptionClosed', errorMessage: 'too late' });
    const error = await rejection(subscribeTelemetry(OPTIONS, { fetch: fakeFetch(403, body) }));
    expect(error).toBeInstanceOf(TelemetrySubscriptionError);
    expect(error).toBeInstanceOf(TelemetryReceiverError);
    expect(error).toMatchObject({
      name: 'TelemetrySubscriptionError',
      statusCode: 403,
      errorType: 'Telemetry.SubscriptionClosed',
      errorMessage: 'too late',
      isRetryable: false,
      responseBody: body,
      url: 'http://127.0.0.1:9001/2022-07-01/telemetry',
    });
    expect((error as Error).message).toBe(
      'Telemetry API subscription answered HTTP 403: Telemetry.SubscriptionClosed (too late)',
    );
  });

  it.each([
    [400, '{"errorType":"ValidationError"}', { errorType: 'ValidationError', errorMessage: undefined }],
    [500, 'internal', { errorType: undefined, errorMessage: undefined }],
    [500, '["not","an","object"]', { errorType: undefined, errorMessage: undefined }],
    [503, '{"errorType":5,"errorMessage":"x"}', { errorType: undefined, errorMessage: 'x' }],
  ])('maps HTTP %i with body %s', async (status, body, fields) => {
    const error = await rejection(subscribeTelemetry(OPTIONS, { fetch: fakeFetch(status, body) }));
    expect(error).toMatchObject({ statusCode: status, ...fields, isRetryable: status === 503 });
  });

  it('treats other 2xx answers as a refusal (the API documents 200 and 202 only)', async () => {
    const error = await rejection(subscribeTelemetry(OPTIONS, { fetch: fakeFetch(201) }));
    expect(error).toMatchObject({ statusCode: 201, message: 'Telemetry API subscription answered HTTP 201' });
  });

  it.each([429, 502, 504])('marks HTTP %i retryable', async (status) => {
    await expect(subscribeTelemetry(OPTIONS, { fetch: fakeFetch(status) })).rejects.toMatchObject({
      isRetryable: true,
    });
  });

  it('wraps a network failure in TelemetryConnectionError', async () => {
    const cause = new TypeError('fetch failed');
    const fetch = vi.fn(async () => {
      throw cause;
    });
    const error = await rejection(subscribeTelemetry(OPTIONS, { fetch }));
    expect(error).toBeInstanceOf(TelemetryConnectionError);
    expect(error).toMatchObject({ cause, isRetryable: false, name: 'TelemetryConnectionError' });
    expect((error as Error).message).toContain('fetch failed');
  });

  it('passes the abort signal and reports an abort as a connection error', async () => {
    const controller = new AbortController();
    controller.abort('stop');
    const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
      init?.signal?.throwIfAborted();
      return new Response('');
    });
    const error = await rejection(subscribeTelemetry(OPTIONS, { fetch, signal: controller.signal }));
    expect(error).toBeInstanceOf(TelemetryConnectionError);
    expect((error as Error).message).toContain('stop');
  });

  it.each<[string, Partial<Record<keyof SubscribeTelemetryOptionsInput, unknown>>, string]>([
    [
      'a scheme in runtimeApi',
      { runtimeApi: 'http://127.0.0.1:9001' },
      'runtimeApi = "http://127.0.0.1:9001"',
    ],
    ['port 0', { runtimeApi: '127.0.0.1:0' }, 'port 1-65535'],
    ['an empty extension id', { extensionId: '' }, 'extensionId = ""'],
    ['a schema version', { schemaVersion: '2023-01-01' }, 'expected one of "2022-07-01"'],
    ['no types', { types: [] }, 'expected at least one'],
    ['a duplicate type', { types: ['platform', 'platform'] }, 'expected no duplicates'],
    ['an unknown type', { types: ['logs'] }, 'types.0 = "logs"'],
    [
      'maxItems below range',
      { buffering: { maxItems: 999 } },
      'buffering.maxItems = 999: expected an integer record count in 1000..10000',
    ],
    ['maxBytes above range', { buffering: { maxBytes: 2_000_000 } }, '262144..1048576'],
    ['timeoutMs not an integer', { buffering: { timeoutMs: 25.5 } }, 'duration in ms in 25..30000'],
    ['timeoutMs a string', { buffering: { timeoutMs: '100' } }, 'buffering.timeoutMs = "100"'],
    [
      'an https destination',
      { destinationUri: 'https://sandbox.localdomain:4243' },
      'expected an http:// URI',
    ],
    ['a relative destination', { destinationUri: 'sandbox:4243' }, 'destinationUri'],
    ['credentials in the destination', { destinationUri: 'http://u:p@127.0.0.1:1' }, 'without credentials'],
    ['an unknown option', { extra: 1 } as never, 'extra'],
  ])('rejects %s before sending anything', async (_label, change, message) => {
    const fetch = fakeFetch(200);
    const error = await rejection(
      subscribeTelemetry({ ...OPTIONS, ...change } as SubscribeTelemetryOptionsInput, { fetch }),
    );
    expect(error).toBeInstanceOf(TelemetryReceiverOptionsError);
    expect((error as Error).message).toContain(message);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('accepts the documented buffering bounds', () => {
    expect(
      telemetryBufferingSchema.parse({ maxItems: 10_000, maxBytes: 1_048_576, timeoutMs: 30_000 }),
    ).toEqual({
      maxItems: 10_000,
      maxBytes: 1_048_576,
      timeoutMs: 30_000,
    });
  });
});

describe('subscribeTelemetry with the global fetch', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  // nock 15.0.2 cannot intercept fetch on Node 20 (it needs Promise.withResolvers), so the global
  // is stubbed instead: what matters is that it is looked up at call time, not at import.
  it('resolves globalThis.fetch at call time', async () => {
    const fetch = fakeFetch(200, 'OK');
    vi.stubGlobal('fetch', fetch);
    await expect(subscribeTelemetry({ ...OPTIONS, schemaVersion: '2022-07-01' })).resolves.toEqual({
      status: 'subscribed',
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toMatchObject({ schemaVersion: '2022-07-01' });
  });
});
