import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRefreshingTokenProvider,
  createStaticTokenProvider,
  DataTapAuthError,
  DeadlineExceededError,
  REFUSED_TOKEN_PROBE_MS,
  STATIC_TOKEN_REMEDY,
  type TokenProvider,
} from '../../src/index.js';
import { manualTimers } from './fake-timers.js';
import { makeSink } from './harness.js';
import { jwtFor } from './jwt-helpers.js';
import { ACCEPTED, tapReplies } from './tap-nock.js';
import { tokenKit } from './token-test-kit.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const HOUR = 3_600_000;
const CLOCK = 1_700_000_000_000; // the harness's clock
const LINES = ['{"id":"r1"}', '{"id":"r2"}'];

/** A provider whose token the test swaps, counting invalidations. */
function swappable(token: string, extra: Partial<TokenProvider> = {}) {
  const state = { token, invalidations: 0 };
  const provider: TokenProvider = {
    getToken: () => state.token,
    invalidate: () => {
      state.invalidations += 1;
    },
    ...extra,
  };
  return { state, provider };
}

describe('createDataTapSink: token failures', () => {
  it('keeps the records of an expired token, logs one clear line, and resumes with a new token', async () => {
    const expired = jwtFor(CLOCK - 25 * HOUR, 24 * HOUR, 'old');
    const fresh = jwtFor(CLOCK, 24 * HOUR, 'new');
    const { state: tokens, provider } = swappable(expired);
    const { sink, state, deadline } = makeSink({ token: provider });

    const seen = tapReplies([[401, { statusCode: 401, message: 'token expired' }]]);
    const refusedResult = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(refusedResult).toMatchObject({ delivered: 0, unsent: LINES, requests: 1, retries: 0 });
    expect(refusedResult.error).toBeInstanceOf(DataTapAuthError);
    expect(seen).toHaveLength(1);
    expect(tokens.invalidations).toBe(1);

    const errors = state.logs.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe(
      'Data Tap refused the token with status 401: the token expired at 2023-11-14T21:13:20.000Z (1 h ago). ' +
        'Records are kept and sent once a new token arrives. Give the sink a fresh tap client token (they live at most 24 h), or a token provider that renews it.',
    );
    expect(errors[0]?.fields).toMatchObject({ status: 401, expiresAt: '2023-11-14T21:13:20.000Z' });

    // The same token is not sent again: no request, no second error line, records still kept.
    const again = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(again).toMatchObject({ delivered: 0, unsent: LINES, requests: 0 });
    expect(again.error?.message).toContain('not sent again until a new token arrives');
    expect(state.logs.filter((entry) => entry.level === 'error')).toHaveLength(1);
    expect(tokens.invalidations).toBe(2);

    // A new token: delivery resumes.
    tokens.token = fresh;
    const delivered = tapReplies([ACCEPTED]);
    const resumed = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(resumed).toEqual({ delivered: 2, unsent: [], requests: 1, retries: 0 });
    expect(delivered[0]?.headers['x-bd-authorization']).toBe(fresh);
    expect(sink.stats()).toMatchObject({ tokenFailures: 2, deliveredLines: 2 });

    const everything =
      JSON.stringify(state.logs) + JSON.stringify(sink.stats()) + String(refusedResult.error);
    expect(everything).not.toContain(expired);
    expect(everything).not.toContain(fresh);
  });

  it('withoutBreaker() knows the token the tap refused: no second request, no second line', async () => {
    const token = jwtFor(CLOCK - 25 * HOUR, 24 * HOUR);
    const { sink, state, deadline } = makeSink({ token: swappable(token).provider });
    tapReplies([[401]]);
    await sink.send({ lines: LINES }, { deadline: deadline() });
    const drained = await sink.withoutBreaker().send({ lines: LINES }, { deadline: deadline() });
    expect(drained).toMatchObject({ delivered: 0, unsent: LINES, requests: 0 });
    expect(drained.error).toBeInstanceOf(DataTapAuthError);
    expect(state.logs.filter((entry) => entry.level === 'error')).toHaveLength(1);
  });

  it('says a refusal once: no warning per send while the same token stays refused', async () => {
    const token = jwtFor(CLOCK - 25 * HOUR, 24 * HOUR);
    const { sink, state, deadline } = makeSink({ token: swappable(token).provider, maxRetries: 0 });
    tapReplies([[401]]);
    for (let index = 0; index < 3; index++) {
      await sink.send({ lines: LINES }, { deadline: deadline() });
      state.clock += 1_000; // the message's age changes; the kind of failure does not
    }
    const loud = state.logs.filter((entry) => entry.level === 'error' || entry.level === 'warn');
    expect(loud.map((entry) => entry.message)).toEqual([
      expect.stringContaining('Data Tap refused the token'),
    ]);
    expect(state.logs.filter((entry) => entry.message === 'batch not fully delivered')).toHaveLength(3);

    // Another kind of failure is news: one warning for it.
    state.clock += REFUSED_TOKEN_PROBE_MS;
    tapReplies([[503], [503]]);
    await sink.send({ lines: LINES }, { deadline: deadline() });
    await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(state.logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual([
      'batch not fully delivered',
    ]);
  });

  it('probes a refused token again after REFUSED_TOKEN_PROBE_MS, logging at debug only', async () => {
    const token = jwtFor(CLOCK, 24 * HOUR);
    const { provider } = swappable(token);
    const { sink, state, deadline } = makeSink({ token: provider });
    tapReplies([[403, { statusCode: 403, message: 'Forbidden' }], [403, { statusCode: 403 }], ACCEPTED]);

    await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(state.logs.find((entry) => entry.level === 'error')?.message).toContain(
      'the token expires at 2023-11-15T22:13:20.000Z (in 24 h) (not expired: a token for another tap or account, or revoked?)',
    );
    state.clock += REFUSED_TOKEN_PROBE_MS;
    const probe = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(probe.requests).toBe(1);
    expect(state.logs.filter((entry) => entry.level === 'error')).toHaveLength(1);
    expect(state.logs.some((entry) => entry.message === 'data tap refused the token again')).toBe(true);

    state.clock += REFUSED_TOKEN_PROBE_MS;
    expect(await sink.send({ lines: LINES }, { deadline: deadline() })).toMatchObject({ delivered: 2 });
    // Accepted again: a later refusal of the same token is a new, logged, refusal.
    tapReplies([[401]]);
    await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(state.logs.filter((entry) => entry.level === 'error')).toHaveLength(2);
  });

  it("treats a 200 whose JSON statusCode is 403 as a refusal and uses the provider's source and remedy", async () => {
    const token = jwtFor(CLOCK - 2 * HOUR, HOUR);
    const provider = createStaticTokenProvider({ token }, { now: () => CLOCK });
    const { sink, state, deadline } = makeSink({ token: provider });
    tapReplies([[200, { statusCode: 403, message: 'Forbidden' }]]);

    const result = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(result.unsent).toEqual(LINES);
    const line = state.logs.find((entry) => entry.level === 'error');
    expect(line?.message).toContain('with status 403: the token expired at');
    expect(line?.message).toContain(STATIC_TOKEN_REMEDY);
    expect(line?.fields).toMatchObject({ source: 'static' });
    expect(provider.status().refused).toBe(true);
  });

  it('names a refused token without a readable expiry', async () => {
    const { provider } = swappable('opaque-token-value');
    const { sink, state, deadline } = makeSink({ token: provider });
    tapReplies([[401]]);
    await sink.send({ lines: LINES }, { deadline: deadline() });
    const line = state.logs.find((entry) => entry.level === 'error');
    expect(line?.message).toContain('the token has no readable expiry');
    expect(line?.fields?.['expiresAt']).toBeUndefined();
    expect(JSON.stringify(state.logs)).not.toContain('opaque-token-value');
  });

  it('turns a provider that throws synchronously into a DataTapAuthError', async () => {
    const provider: TokenProvider = {
      getToken: () => {
        throw new Error('no token yet');
      },
    };
    const { sink, deadline } = makeSink({ token: provider });
    const result = await sink.send({ lines: LINES }, { deadline: deadline() });
    expect(result).toMatchObject({ delivered: 0, unsent: LINES, requests: 0 });
    expect(result.error).toBeInstanceOf(DataTapAuthError);
  });

  it('sends a renewed token, not the expired one, after an idle gap longer than its lifetime', async () => {
    const old = jwtFor(CLOCK, 10 * 60_000, 'old');
    const fresh = jwtFor(CLOCK + 20 * 60_000, 10 * 60_000, 'fresh');
    const answers = [old, fresh];
    const clock = { now: CLOCK };
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: async () => answers.shift() as string },
      { now: () => clock.now },
    );
    const { sink, state, deadline } = makeSink({ token: provider });
    const seen = tapReplies([ACCEPTED, ACCEPTED]);
    expect(await sink.send({ lines: LINES }, { deadline: deadline() })).toMatchObject({ delivered: 2 });

    state.clock += 20 * 60_000; // frozen, or idle, for twice the token's lifetime
    clock.now = state.clock;
    const result = await sink.send({ lines: LINES }, { deadline: deadline() });

    expect(result).toEqual({ delivered: 2, unsent: [], requests: 1, retries: 0 });
    expect(seen.map((request) => request.headers['x-bd-authorization'])).toEqual([old, fresh]);
    expect(state.logs.filter((entry) => entry.level === 'error' || entry.level === 'warn')).toEqual([]);
    expect(sink.stats().tokenFailures).toBe(0);
  });

  it('stops waiting for a token when the caller aborts', async () => {
    const timers = manualTimers();
    let asked = 0;
    const provider: TokenProvider = {
      getToken: () => {
        asked += 1;
        return new Promise<string>(() => {});
      },
    };
    const { sink, deadline } = makeSink({ token: provider }, timers);
    const controller = new AbortController();
    const sending = sink.send({ lines: LINES }, { deadline: deadline(), signal: controller.signal });
    await tokenKit().until(() => asked > 0);
    controller.abort();
    const result = await sending;

    expect(result).toMatchObject({ delivered: 0, unsent: LINES, requests: 0 });
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
    expect(result.error).toMatchObject({ aborted: true });
    expect(timers.armed.filter((timer) => !timer.cleared)).toEqual([]);
  });
});
