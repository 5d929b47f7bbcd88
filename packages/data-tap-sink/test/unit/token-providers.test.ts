import { describe, expect, it } from 'vitest';
import {
  createRefreshingTokenProvider,
  createStaticTokenProvider,
  DataTapSinkOptionsError,
  STATIC_TOKEN_REMEDY,
  TokenSourceError,
} from '../../src/index.js';
import { manualTimers } from './fake-timers.js';
import { jwtFor, makeJwt } from './jwt-helpers.js';
import { tokenKit } from './token-test-kit.js';

const HOUR = 3_600_000;
const MIN = 60_000;

describe('createStaticTokenProvider', () => {
  it('gives its token and logs its expiry once at first use', async () => {
    const kit = tokenKit();
    const token = jwtFor(kit.state.clock, 24 * HOUR);
    const provider = createStaticTokenProvider({ token }, kit.deps);

    expect(await provider.getToken()).toBe(token);
    expect(await provider.getToken()).toBe(token);

    expect(kit.state.logs).toEqual([
      {
        level: 'info',
        message: 'Data Tap token in use expires at 2025-01-02T12:00:00.000Z (in 24 h)',
        fields: { source: 'static', expiresAt: '2025-01-02T12:00:00.000Z' },
      },
    ]);
    expect(kit.state.events).toEqual([
      { kind: 'obtained', source: 'static', expiresAt: kit.state.clock + 24 * HOUR },
    ]);
    expect(provider.status()).toMatchObject({
      source: 'static',
      hasToken: true,
      refused: false,
      expiresAt: kit.state.clock + 24 * HOUR,
    });
  });

  it('warns once when the expiry is near and once, with the remedy, when it has passed', () => {
    const kit = tokenKit();
    const token = jwtFor(kit.state.clock, 2 * HOUR);
    const provider = createStaticTokenProvider({ token, warnBeforeMs: HOUR }, kit.deps);
    provider.getToken();
    kit.state.clock += 61 * MIN;
    provider.getToken();
    provider.getToken();
    kit.state.clock += HOUR;
    provider.getToken();
    provider.getToken();

    expect(kit.kinds()).toEqual(['obtained', 'expiring', 'expired']);
    expect(kit.state.events[1]).toMatchObject({ kind: 'expiring', msLeft: 59 * MIN });
    const [, expiring, expired] = kit.state.logs;
    expect(expiring).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('expires at 2025-01-01T14:00:00.000Z (in 59 min)'),
    });
    expect(expired?.level).toBe('error');
    expect(expired?.message).toContain(
      'expired at 2025-01-01T14:00:00.000Z (1 min ago): the tap will refuse it.',
    );
    expect(expired?.message).toContain(STATIC_TOKEN_REMEDY);
  });

  it('uses a token that is not a JWT, with one warning', () => {
    const kit = tokenKit();
    const provider = createStaticTokenProvider(
      { token: 'opaque-local-token', remedy: 'Set a new one.' },
      kit.deps,
    );
    expect(provider.getToken()).toBe('opaque-local-token');
    provider.getToken();
    expect(kit.state.logs).toHaveLength(1);
    expect(kit.state.logs[0]).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('has no readable expiry'),
    });
    expect(provider.remedy).toBe('Set a new one.');
    expect(provider.status().expiresAt).toBeUndefined();
  });

  it('reports a refusal once and shows it in its status', () => {
    const kit = tokenKit();
    const token = jwtFor(kit.state.clock - 25 * HOUR, 24 * HOUR);
    const provider = createStaticTokenProvider({ token }, kit.deps);
    provider.invalidate?.();
    provider.invalidate?.();
    expect(kit.state.events).toEqual([
      { kind: 'refused', source: 'static', expiresAt: kit.state.clock - HOUR },
    ]);
    expect(provider.status()).toMatchObject({ refused: true, expiresAt: kit.state.clock - HOUR });
  });

  it('refuses an empty token or one with spaces, without echoing it', () => {
    expect(() => createStaticTokenProvider({ token: '' })).toThrow(DataTapSinkOptionsError);
    try {
      createStaticTokenProvider({ token: 'secret value' });
    } catch (error) {
      expect(String(error)).toContain('options.token');
      expect(String(error)).not.toContain('secret value');
    }
  });

  it('logs and ignores an event handler that throws', () => {
    const kit = tokenKit();
    const provider = createStaticTokenProvider(
      { token: jwtFor(kit.state.clock, HOUR) },
      {
        ...kit.deps,
        onEvent: () => {
          throw new Error('handler broke');
        },
      },
    );
    expect(() => provider.getToken()).not.toThrow();
    expect(kit.state.logs.at(-1)).toMatchObject({ level: 'warn', message: 'a token event handler threw' });
  });
});

/** A scripted token source: each call takes the next answer (a token, an error, or a pending promise). */
function scriptedSource(answers: Array<string | Error | Promise<string>>) {
  const calls: AbortSignal[] = [];
  return {
    calls,
    fetchToken: async (signal: AbortSignal) => {
      calls.push(signal);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers scripted');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('createRefreshingTokenProvider', () => {
  it('waits for the first token only, then refreshes in the background before exp', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const first = jwtFor(start, 24 * HOUR, 'first');
    const second = jwtFor(start + 23 * HOUR, 24 * HOUR, 'second');
    let release: (token: string) => void = () => {};
    const pending = new Promise<string>((resolve) => {
      release = resolve;
    });
    const source = scriptedSource([first, pending]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken },
      kit.deps,
    );

    expect(await provider.getToken()).toBe(first);
    kit.state.clock = start + 23 * HOUR + 50 * MIN; // inside the 15 min refresh window
    expect(await provider.getToken()).toBe(first); // answered at once, refresh started
    expect(source.calls).toHaveLength(2);
    expect(await provider.getToken()).toBe(first); // no second refresh while one runs
    expect(source.calls).toHaveLength(2);
    release(second);
    await kit.settle();
    expect(await provider.getToken()).toBe(second);
    expect(kit.kinds()).toEqual(['obtained', 'obtained']);
    expect(provider.status()).toMatchObject({
      source: 'vault',
      hasToken: true,
      refused: false,
      lastError: undefined,
    });
  });

  it('refreshes a short-lived token at half its lifetime', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const source = scriptedSource([jwtFor(start, 10 * MIN, '1'), jwtFor(start + 5 * MIN, 10 * MIN, '2')]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock = start + 4 * MIN;
    await provider.getToken();
    expect(source.calls).toHaveLength(1);
    kit.state.clock = start + 5 * MIN;
    await provider.getToken();
    expect(source.calls).toHaveLength(2);
  });

  it('keeps the current token when a refresh fails, says so, and backs off', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const token = jwtFor(start, HOUR);
    const source = scriptedSource([
      token,
      new Error('AccessDenied'),
      new Error('AccessDenied again'),
      jwtFor(start + 50 * MIN, HOUR, 'b'),
    ]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, retryAfterMs: 30_000 },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock = start + 46 * MIN;
    expect(await provider.getToken()).toBe(token);
    await kit.settle();
    expect(kit.state.events.at(-1)).toMatchObject({
      kind: 'refresh-failed',
      source: 'vault',
      expiresAt: start + HOUR,
    });
    const warning = kit.state.logs.at(-1);
    expect(warning?.level).toBe('warn');
    expect(warning?.message).toBe(
      'Data Tap token refresh from vault failed; keeping the current token, which expires at 2025-01-01T13:00:00.000Z (in 14 min); next try in 30 s',
    );
    expect(provider.status()).toMatchObject({
      lastError: 'AccessDenied',
      nextAttemptAt: kit.state.clock + 30_000,
    });

    expect(await provider.getToken()).toBe(token); // within the back-off: no new try
    expect(source.calls).toHaveLength(2);
    kit.state.clock += 30_000;
    await provider.getToken();
    await kit.settle();
    expect(source.calls).toHaveLength(3);
    expect(provider.status().nextAttemptAt).toBe(kit.state.clock + 60_000); // doubled
    kit.state.clock += 60_000;
    await provider.getToken();
    await kit.settle();
    expect(await provider.getToken()).not.toBe(token);
    expect(provider.status()).toMatchObject({ lastError: undefined, nextAttemptAt: 0 });
  });

  it('throws a TokenSourceError when there is no first token, and retries after the back-off', async () => {
    const kit = tokenKit();
    const source = scriptedSource([new Error('unreachable'), jwtFor(kit.state.clock, HOUR)]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken },
      kit.deps,
    );

    await expect(provider.getToken()).rejects.toThrow(TokenSourceError);
    expect(kit.state.logs.at(-1)).toMatchObject({
      level: 'error',
      message: expect.stringContaining('could not get a Data Tap token from vault'),
    });
    await expect(provider.getToken()).rejects.toThrow('no Data Tap token from vault yet (unreachable)');
    expect(source.calls).toHaveLength(1);
    kit.state.clock += 30_000;
    await expect(provider.getToken()).resolves.toMatch(/^ey/);
  });

  it('treats a fetch slower than fetchTimeoutMs as a failure and aborts it', async () => {
    const kit = tokenKit();
    const timers = manualTimers();
    const source = scriptedSource([new Promise<string>(() => {})]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, fetchTimeoutMs: 2_000 },
      { ...kit.deps, ...timers },
    );
    const getting = provider.getToken();
    await timers.fire(2_000);
    await expect(getting).rejects.toThrow('vault gave no token within 2000 ms');
    expect(source.calls[0]?.aborted).toBe(true);
  });

  it('refuses an empty token, and a token that has already expired', async () => {
    const kit = tokenKit();
    const expired = jwtFor(kit.state.clock - 2 * HOUR, HOUR);
    const source = scriptedSource(['  ', expired]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, retryAfterMs: 100 },
      kit.deps,
    );
    await expect(provider.getToken()).rejects.toThrow(
      'no Data Tap token from vault yet (vault gave an empty token',
    );
    kit.state.clock += 100;
    await expect(provider.getToken()).rejects.toThrow('vault gave a token that expired at');
  });

  it('refreshes after a refusal and reports a source that still holds the refused token', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const token = jwtFor(start, 24 * HOUR);
    const fresh = jwtFor(start, 24 * HOUR, 'rotated');
    const source = scriptedSource([token, token, fresh]);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, remedy: 'Rotate the vault entry.' },
      kit.deps,
    );
    await provider.getToken();
    provider.invalidate?.();
    await kit.settle();
    expect(source.calls).toHaveLength(2);
    expect(kit.kinds()).toEqual(['obtained', 'refused', 'unchanged']);
    expect(kit.state.logs.at(-1)?.message).toBe(
      'vault still holds the same Data Tap token, the tap refused; reading it again in 30 s. Rotate the vault entry.',
    );
    expect(provider.status().refused).toBe(true);
    expect(await provider.getToken()).toBe(token); // still the only token there is

    provider.invalidate?.(); // within the back-off: nothing new
    expect(source.calls).toHaveLength(2);
    kit.state.clock += 30_000;
    await provider.getToken();
    await kit.settle();
    expect(await provider.getToken()).toBe(fresh);
    expect(provider.status().refused).toBe(false);
  });

  it('reports a source not yet rotated near expiry once, and re-reads a token without exp hourly', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const token = jwtFor(start, HOUR);
    const source = scriptedSource([token, token, token, 'opaque', 'opaque', 'opaque-2']);
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock = start + 50 * MIN;
    await provider.getToken();
    await kit.settle();
    kit.state.clock += 30_000;
    await provider.getToken();
    await kit.settle();
    expect(kit.kinds().filter((kind) => kind === 'unchanged')).toHaveLength(1);
    expect(source.calls).toHaveLength(3);

    kit.state.clock += 60_000;
    await provider.getToken();
    await kit.settle();
    expect(await provider.getToken()).toBe('opaque');
    expect(await provider.refresh()).toBe(false); // same token, not due: nothing to report
    expect(provider.status().nextAttemptAt).toBe(0);
    kit.state.clock += HOUR;
    await provider.getToken();
    await kit.settle();
    expect(await provider.getToken()).toBe('opaque-2');
  });

  it('ignores invalidate() before any token, and refuses bad options', () => {
    const provider = createRefreshingTokenProvider({ source: 'vault', fetchToken: async () => 'x' });
    expect(() => provider.invalidate?.()).not.toThrow();
    expect(provider.status()).toMatchObject({ hasToken: false, refused: false, expiresAt: undefined });
    expect(() => createRefreshingTokenProvider({ source: 'Vault!', fetchToken: async () => 'x' })).toThrow(
      'options.source',
    );
  });

  it('turns a non-Error rejection into an Error', async () => {
    const kit = tokenKit();
    const provider = createRefreshingTokenProvider(
      {
        source: 'vault',
        fetchToken: () => Promise.reject('plain string'),
      },
      kit.deps,
    );
    await expect(provider.getToken()).rejects.toThrow('(plain string)');
  });

  it('never logs the token', async () => {
    const kit = tokenKit();
    const token = makeJwt({ exp: kit.state.clock / 1000 + 60, iat: kit.state.clock / 1000 });
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: async () => token },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock += 59_000;
    await provider.getToken();
    await kit.settle();
    expect(JSON.stringify(kit.state.logs)).not.toContain(token);
    expect(JSON.stringify(kit.state.events)).not.toContain(token);
  });
});
