import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { THAW_GRACE_MS } from '../../src/data-tap-sink.js';
import {
  CircuitOpenError,
  createDataTapSink,
  DataTapAuthError,
  DataTapHttpError,
  DataTapNetworkError,
  DataTapSinkOptionsError,
  DeadlineExceededError,
  SinkClosedError,
  type TokenProvider,
} from '../../src/index.js';
import { hangingFetch, manualTimers } from './fake-timers.js';
import { makeSink, TAP_ORIGIN, TAP_URL, TOKEN } from './harness.js';
import { ACCEPTED, tapReplies } from './tap-nock.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const ok = () =>
  new Response('{"statusCode":200}', { status: 200, headers: { 'content-type': 'application/json' } });

describe('createDataTapSink: per-request timeout', () => {
  it('aborts a request after requestTimeoutMs and retries it', async () => {
    const timers = manualTimers();
    const { fetch, calls } = hangingFetch([ok]);
    const { sink, deadline } = makeSink({ requestTimeoutMs: 8_000 }, { fetch, ...timers });

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    await timers.fire(8_000);
    await timers.fire(THAW_GRACE_MS);
    const result = await sending;

    expect(result).toEqual({ delivered: 1, unsent: [], requests: 2, retries: 1 });
    expect(calls).toHaveLength(2);
    expect(sink.stats()).toMatchObject({ timeouts: 1, networkErrors: 1 });
  });

  it('takes an answer read after its timer fired (the thaw after a freeze), without a retry', async () => {
    const timers = manualTimers();
    let answer: ((response: Response) => void) | undefined;
    const calls: RequestInit[] = [];
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls.push(init as RequestInit);
      return new Promise<Response>((resolve, reject) => {
        answer = resolve;
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    }) as typeof globalThis.fetch;
    const { sink, deadline } = makeSink({ requestTimeoutMs: 8_000 }, { fetch, ...timers });

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    // At the thaw the request's timer fires first, then the loop reads the answer that came meanwhile.
    await timers.fire(8_000);
    answer?.(ok());
    const result = await sending;

    expect(result).toEqual({ delivered: 1, unsent: [], requests: 1, retries: 0 });
    expect(calls).toHaveLength(1);
    expect(sink.stats()).toMatchObject({ timeouts: 0, networkErrors: 0 });
    expect(timers.armed.filter((timer) => !timer.cleared)).toEqual([]);
  });

  it('reports a DataTapNetworkError with timedOut after the last try', async () => {
    const timers = manualTimers();
    const { fetch } = hangingFetch();
    const { sink, deadline } = makeSink({ requestTimeoutMs: 8_000, maxRetries: 0 }, { fetch, ...timers });

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    await timers.fire(8_000);
    await timers.fire(THAW_GRACE_MS);
    const result = await sending;

    expect(result.unsent).toEqual(['{"id":"a"}']);
    expect(result.error).toBeInstanceOf(DataTapNetworkError);
    expect(result.error).toMatchObject({ timedOut: true, isRetryable: true });
    expect(result.error?.message).toContain('within 8000 ms');
  });

  it('cuts the request at the deadline and does not retry', async () => {
    const timers = manualTimers();
    const { fetch, calls } = hangingFetch([ok]);
    const { sink, deadline } = makeSink({ requestTimeoutMs: 8_000 }, { fetch, ...timers });

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(2_000) });
    await timers.fire(2_000);
    await timers.fire(THAW_GRACE_MS);
    const result = await sending;

    expect(calls).toHaveLength(1);
    expect(result.unsent).toEqual(['{"id":"a"}']);
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
    expect((result.error as DeadlineExceededError).cause).toMatchObject({ timedOut: true });
  });

  it("stops at once when the caller's signal aborts during a request", async () => {
    const { fetch, calls } = hangingFetch([ok]);
    const controller = new AbortController();
    const { sink, deadline } = makeSink({}, { fetch });

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(), signal: controller.signal });
    while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const result = await sending;

    expect(calls).toHaveLength(1);
    expect(result.error).toMatchObject({ name: 'DeadlineExceededError', aborted: true });
    expect(result.unsent).toEqual(['{"id":"a"}']);
  });

  it('ends a backoff wait early when the signal aborts (default sleep)', async () => {
    tapReplies([[503, '', { 'Retry-After': '3600' }]]);
    const controller = new AbortController();
    const sink = createDataTapSink({ url: TAP_URL, token: TOKEN, backoff: { maxRetryAfterMs: 3_600_000 } });

    const sending = sink.send(
      { lines: ['{"id":"a"}'] },
      { deadline: Date.now() + 7_200_000, signal: controller.signal },
    );
    while (sink.stats().requests === 0 || sink.stats().lastStatus === undefined) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort();
    const result = await sending;

    expect(result.requests).toBe(1);
    expect(result.error).toMatchObject({ name: 'DeadlineExceededError', aborted: true });
  });

  it('waits with the default timer-based sleep between tries', async () => {
    tapReplies([[503], ACCEPTED]);
    const sink = createDataTapSink(
      { url: TAP_URL, token: TOKEN, backoff: { initialMs: 1, maxMs: 1 } },
      { random: () => 0.99 },
    );
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: Date.now() + 60_000 });
    expect(result).toMatchObject({ delivered: 1, retries: 1 });
  });
});

describe('createDataTapSink: circuit breaker', () => {
  it('opens after failureThreshold consecutive failures and then returns everything unsent without a request', async () => {
    tapReplies([[503], [503]]);
    const { sink, state, deadline } = makeSink({
      maxRetries: 0,
      breaker: { failureThreshold: 2, cooldownMs: 10_000 },
    });

    const first = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(first.error).toBeInstanceOf(DataTapHttpError);
    expect(sink.stats().breakerState).toBe('closed');

    const second = await sink.send({ lines: ['{"id":"b"}'] }, { deadline: deadline() });
    expect(second.error).toBeInstanceOf(CircuitOpenError);
    expect(sink.stats()).toMatchObject({ breakerState: 'open', breakerOpens: 1 });

    const third = await sink.send({ lines: ['{"id":"c"}', '{"id":"d"}'] }, { deadline: deadline() });
    expect(third).toMatchObject({ delivered: 0, unsent: ['{"id":"c"}', '{"id":"d"}'], requests: 0 });
    expect(third.error).toBeInstanceOf(CircuitOpenError);
    expect((third.error as CircuitOpenError).retryAt).toBe(state.clock + 10_000);
  });

  it('lets one probe through after the cooldown; its success closes the breaker', async () => {
    tapReplies([[503], ACCEPTED, ACCEPTED]);
    const { sink, state, deadline } = makeSink({
      maxRetries: 0,
      breaker: { failureThreshold: 1, cooldownMs: 10_000 },
    });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(sink.stats().breakerState).toBe('open');

    state.clock += 10_000;
    expect(sink.stats().breakerState).toBe('half-open');
    const probe = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(probe.delivered).toBe(1);
    expect(sink.stats().breakerState).toBe('closed');
    expect((await sink.send({ lines: ['{"id":"b"}'] }, { deadline: deadline() })).delivered).toBe(1);
  });

  it('opens again for another cooldown when the probe fails', async () => {
    tapReplies([[503], [502]]);
    const { sink, state, deadline } = makeSink({
      maxRetries: 3,
      breaker: { failureThreshold: 1, cooldownMs: 10_000 },
    });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    state.clock += 10_000;

    const probe = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(probe.requests).toBe(1);
    expect(probe.error).toBeInstanceOf(CircuitOpenError);
    expect(sink.stats()).toMatchObject({ breakerState: 'open', breakerOpens: 2 });
  });

  it('refuses other sends while the probe is in flight', async () => {
    tapReplies([[503]]);
    const { sink, state, deadline } = makeSink({
      maxRetries: 0,
      breaker: { failureThreshold: 1, cooldownMs: 1_000 },
    });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    state.clock += 1_000;
    let release: () => void = () => {};
    nock(TAP_ORIGIN)
      .post('/ingest')
      .reply(
        () =>
          new Promise<[number, string]>((resolve) => {
            release = () => resolve([200, '{"statusCode":200}']);
          }),
      );

    const probe = sink.send({ lines: ['{"id":"p"}'] }, { deadline: deadline() });
    while (sink.stats().requests < 2) await new Promise((resolve) => setImmediate(resolve));
    const other = await sink.send({ lines: ['{"id":"o"}'] }, { deadline: deadline() });
    release();

    expect(other.error).toBeInstanceOf(CircuitOpenError);
    expect(other.requests).toBe(0);
    expect((await probe).delivered).toBe(1);
  });

  it('stops retrying within a send once the breaker opens', async () => {
    tapReplies([[500], [500], [500]]);
    const { sink, deadline } = makeSink({ maxRetries: 10, breaker: { failureThreshold: 3 } });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.requests).toBe(3);
    expect(result.error).toBeInstanceOf(CircuitOpenError);
    expect((result.error as CircuitOpenError).cause).toMatchObject({ statusCode: 500 });
  });

  it('does not count answers about the request (400, 401) as tap failures', async () => {
    tapReplies([[400], [401], ACCEPTED]);
    const { sink, state, deadline } = makeSink({ breaker: { failureThreshold: 1 } });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(sink.stats().breakerState).toBe('closed');
    state.clock += 60_000; // the refused (fixed) token is held back for a minute
    expect((await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() })).delivered).toBe(1);
  });

  it('withoutBreaker() sends while the breaker is open, sharing counters, the breaker and close()', async () => {
    tapReplies([[503], ACCEPTED]);
    const { sink, deadline } = makeSink({
      maxRetries: 0,
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
    });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(sink.stats().breakerState).toBe('open');
    const blocked = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(blocked).toMatchObject({ requests: 0, error: expect.any(CircuitOpenError) });

    const last = sink.withoutBreaker();
    expect(await last.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() })).toMatchObject({
      delivered: 1,
      requests: 1,
    });
    expect(last.stats()).toEqual(sink.stats());
    expect(sink.stats()).toMatchObject({ requests: 2, deliveredLines: 1, breakerState: 'open' });
    expect(last.withoutBreaker().stats()).toEqual(sink.stats());

    await last.close();
    const after = await sink.send({ lines: ['{"id":"b"}'] }, { deadline: deadline() });
    expect(after.error).toBeInstanceOf(SinkClosedError);
  });

  it('never opens when disabled', async () => {
    tapReplies([[503], [503], [503]]);
    const { sink, deadline } = makeSink({ maxRetries: 0, breaker: { enabled: false, failureThreshold: 1 } });
    for (let index = 0; index < 3; index++) {
      const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
      expect(result.error).toBeInstanceOf(DataTapHttpError);
    }
    expect(sink.stats().breakerOpens).toBe(0);
  });
});

describe('createDataTapSink: token providers', () => {
  it('asks the provider before each request and invalidates it after a 401', async () => {
    const tokens = ['token-one', 'token-two'];
    let invalidated = 0;
    const provider: TokenProvider = {
      getToken: async () => tokens[invalidated] as string,
      invalidate: () => {
        invalidated += 1;
      },
    };
    const seen = tapReplies([[401, { statusCode: 401, message: 'expired' }], ACCEPTED]);
    const { sink, deadline } = makeSink({ token: provider });

    const refused = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    const accepted = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(refused.error).toBeInstanceOf(DataTapAuthError);
    expect(refused.requests).toBe(1);
    expect(invalidated).toBe(1);
    expect(accepted.delivered).toBe(1);
    expect(seen.map((request) => request.headers['x-bd-authorization'])).toEqual(['token-one', 'token-two']);
  });

  it('reports a provider failure as a token failure, with no request', async () => {
    const provider: TokenProvider = {
      getToken: async () => {
        throw new Error('token endpoint unreachable');
      },
    };
    const { sink, deadline } = makeSink({ token: provider });

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(result.requests).toBe(0);
    expect(result.unsent).toEqual(['{"id":"a"}']);
    expect(result.error).toBeInstanceOf(DataTapAuthError);
    expect(result.error).toMatchObject({ isTokenFailure: true, statusCode: undefined });
    expect((result.error as DataTapAuthError).cause).toMatchObject({ message: 'token endpoint unreachable' });
  });

  it('does not wait for a slow provider past the deadline', async () => {
    const timers = manualTimers();
    const provider: TokenProvider = { getToken: () => new Promise<string>(() => {}) };
    const { sink, deadline } = makeSink({ token: provider }, timers);

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(3_000) });
    await timers.fire(3_000);
    const result = await sending;

    expect(result.requests).toBe(0);
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
  });
});

describe('createDataTapSink: the token never leaks', () => {
  const leaks = (value: unknown, token = TOKEN): boolean =>
    inspect(value, { depth: 10, showHidden: true }).includes(token) ||
    String(value).includes(token) ||
    JSON.stringify(value).includes(token);

  it('redacts the token from error bodies, messages, JSON, inspect output, stats and logs', async () => {
    tapReplies([
      [400, { statusCode: 400, message: `bad header x-bd-authorization: ${TOKEN}` }],
      [403, `forbidden: ${TOKEN}`],
    ]);
    const { sink, state, deadline } = makeSink({ breaker: { failureThreshold: 1 } });

    const rejected = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    const refused = await sink.send({ lines: ['{"id":"b"}'] }, { deadline: deadline() });

    for (const result of [rejected, refused]) {
      expect(result.error).toBeDefined();
      expect(leaks(result.error)).toBe(false);
      expect(result.error?.stack?.includes(TOKEN)).toBe(false);
      expect(leaks(result)).toBe(false);
    }
    expect((rejected.error as DataTapHttpError).body).toContain('[redacted]');
    expect((refused.error as DataTapAuthError).body).toBe('forbidden: [redacted]');
    expect(leaks(sink.stats())).toBe(false);
    expect(leaks(state.logs)).toBe(false);
    expect(leaks(sink)).toBe(false);
  });

  it('scrubs a network error that quotes the token', async () => {
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: new Error(`proxy refused header value ${TOKEN}`) });
    }) as typeof globalThis.fetch;
    const { sink, deadline } = makeSink({ maxRetries: 0 }, { fetch });

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(result.error).toBeInstanceOf(DataTapNetworkError);
    expect(result.error?.message).toContain('proxy refused header value [redacted]');
    expect(leaks(result.error)).toBe(false);
  });

  it('keeps a network error that does not quote the token as it is', async () => {
    const original = new TypeError('fetch failed');
    const fetch = (async () => {
      throw original;
    }) as typeof globalThis.fetch;
    const { sink, deadline } = makeSink({ maxRetries: 0 }, { fetch });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect((result.error as DataTapNetworkError).cause).toBe(original);
  });

  it('redacts a rotated token and a provider error quoting it', async () => {
    let calls = 0;
    const provider: TokenProvider = {
      getToken: async () => {
        calls += 1;
        if (calls === 1) return 'rotated-token-1234';
        throw 'refresh failed for rotated-token-1234';
      },
    };
    tapReplies([[400, 'echo rotated-token-1234']]);
    const { sink, deadline } = makeSink({ token: provider });

    const first = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    const second = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect((first.error as DataTapHttpError).body).toBe('echo [redacted]');
    expect(second.error).toBeInstanceOf(DataTapAuthError);
    expect(leaks(first.error, 'rotated-token-1234')).toBe(false);
    expect(leaks(second.error, 'rotated-token-1234')).toBe(false);
  });

  it('never prints the token in an options error', () => {
    let caught: unknown;
    try {
      createDataTapSink({ url: TAP_URL, token: 'has a space' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DataTapSinkOptionsError);
    expect(String(caught)).toContain('options.token');
    expect(String(caught)).toContain('[redacted]');
    expect(leaks(caught, 'has a space')).toBe(false);
  });
});
