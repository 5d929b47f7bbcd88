import { describe, expect, it } from 'vitest';
import { THAW_GRACE_MS } from '../../src/data-tap-sink.js';
import { createRefreshingTokenProvider } from '../../src/index.js';
import { manualTimers } from './fake-timers.js';
import { jwtFor } from './jwt-helpers.js';
import { tokenKit } from './token-test-kit.js';

const MIN = 60_000;

/** A token source the test answers by hand: each fetch waits until the test settles it. */
function handSource() {
  const calls: Array<{
    signal: AbortSignal;
    answer: (token: string) => void;
    fail: (error: Error) => void;
  }> = [];
  return {
    calls,
    fetchToken: (signal: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ signal, answer: resolve, fail: reject });
      }),
  };
}

/** Log lines a user would notice (warnings and errors). */
const loud = (kit: ReturnType<typeof tokenKit>) =>
  kit.state.logs.filter((entry) => entry.level === 'warn' || entry.level === 'error');

describe('createRefreshingTokenProvider: a token at or past its expiry', () => {
  it('renews an expired token before giving it (an idle gap longer than its lifetime)', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const old = jwtFor(start, 10 * MIN, 'old');
    const fresh = jwtFor(start + 20 * MIN, 10 * MIN, 'fresh');
    const answers = [old, fresh];
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: async () => answers.shift() as string },
      kit.deps,
    );
    expect(await provider.getToken()).toBe(old);

    kit.state.clock = start + 20 * MIN; // nothing asked for the token for twice its lifetime
    expect(await provider.getToken()).toBe(fresh);

    expect(loud(kit)).toEqual([]);
    expect(kit.kinds()).toEqual(['obtained', 'obtained']);
  });

  it('gives the token at once until expirySkewMs before its expiry, then waits for the renewal', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const old = jwtFor(start, 60 * MIN, 'old');
    const fresh = jwtFor(start + 59 * MIN, 60 * MIN, 'fresh');
    const source = handSource();
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, expirySkewMs: 30_000 },
      kit.deps,
    );
    const first = provider.getToken();
    await kit.until(() => source.calls.length === 1);
    source.calls[0]?.answer(old);
    expect(await first).toBe(old);

    // Inside the refresh window, 1 ms before the skew: the current token at once, a refresh started.
    kit.state.clock = start + 60 * MIN - 30_001;
    expect(await provider.getToken()).toBe(old);
    expect(source.calls).toHaveLength(2);

    // At exp - skew: the renewal under way is waited for.
    kit.state.clock = start + 60 * MIN - 30_000;
    const renewed = provider.getToken();
    source.calls[1]?.answer(fresh);
    expect(await renewed).toBe(fresh);
    expect(source.calls).toHaveLength(2);
    // Warned that it was close (the source was slow), never sent expired.
    expect(kit.kinds()).toEqual(['obtained', 'expiring', 'obtained']);
  });

  it('waits for the renewal at most fetchTimeoutMs, then keeps the token it has', async () => {
    const kit = tokenKit();
    const timers = manualTimers();
    const start = kit.state.clock;
    const old = jwtFor(start, 10 * MIN, 'old');
    const source = handSource();
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, fetchTimeoutMs: 2_000 },
      { ...kit.deps, ...timers },
    );
    const first = provider.getToken();
    await kit.until(() => source.calls.length === 1);
    source.calls[0]?.answer(old);
    expect(await first).toBe(old);

    kit.state.clock = start + 20 * MIN;
    const getting = provider.getToken();
    await kit.until(() => source.calls.length === 2);
    await timers.fire(2_000); // on time: the source is slow, not the process frozen
    expect(await getting).toBe(old);
    expect(source.calls[1]?.signal.aborted).toBe(true);
    expect(kit.kinds()).toEqual(['obtained', 'refresh-failed', 'expired']);
    expect(loud(kit).map((entry) => entry.level)).toEqual(['warn', 'error']);
  });

  it('does not wait when a failed renewal is backing off: the failure was already reported', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const old = jwtFor(start, 10 * MIN, 'old');
    const answers: Array<string | Error> = [old, new Error('AccessDenied')];
    let calls = 0;
    const provider = createRefreshingTokenProvider(
      {
        source: 'vault',
        fetchToken: async () => {
          calls += 1;
          const answer = answers.shift();
          if (answer instanceof Error) throw answer;
          return answer as string;
        },
      },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock = start + 20 * MIN;
    expect(await provider.getToken()).toBe(old); // waited for the failed renewal
    expect(await provider.getToken()).toBe(old); // within the back-off: at once, no fetch
    expect(calls).toBe(2);
  });
});

describe('createRefreshingTokenProvider: a fetch across a freeze', () => {
  /** A provider holding a 60 min token, with a background refresh running (50 min in). */
  async function refreshing() {
    const kit = tokenKit();
    const timers = manualTimers();
    const start = kit.state.clock;
    const old = jwtFor(start, 60 * MIN, 'old');
    const source = handSource();
    const provider = createRefreshingTokenProvider(
      { source: 'vault', fetchToken: source.fetchToken, fetchTimeoutMs: 10_000 },
      { ...kit.deps, ...timers },
    );
    const first = provider.getToken();
    await kit.until(() => source.calls.length === 1);
    source.calls[0]?.answer(old);
    await first;
    kit.state.clock = start + 50 * MIN;
    expect(await provider.getToken()).toBe(old);
    await kit.until(() => source.calls.length === 2);
    return { kit, timers, start, old, source, provider };
  }

  it('does not take a timeout that came due while frozen for a failure: it fetches again at the thaw', async () => {
    const { kit, timers, start, source, provider } = await refreshing();
    kit.state.clock += 30 * MIN; // frozen with the fetch in flight; thawed past the token's expiry
    const getting = provider.getToken();
    await timers.fire(10_000); // late: it only shows the freeze
    await timers.fire(THAW_GRACE_MS);
    await kit.until(() => source.calls.length === 3);
    expect(source.calls[1]?.signal.aborted).toBe(true);
    const fresh = jwtFor(start + 80 * MIN, 60 * MIN, 'fresh');
    source.calls[2]?.answer(fresh);

    expect(await getting).toBe(fresh);
    expect(kit.kinds()).toEqual(['obtained', 'obtained']);
    expect(loud(kit)).toEqual([]);
    expect(provider.status()).toMatchObject({ lastError: undefined, nextAttemptAt: 0 });
  });

  it('takes an answer that came while frozen, read at the thaw', async () => {
    const { kit, timers, start, source, provider } = await refreshing();
    kit.state.clock += 30 * MIN;
    await timers.fire(10_000);
    const fresh = jwtFor(start + 50 * MIN, 60 * MIN, 'fresh');
    source.calls[1]?.answer(fresh); // the answer is read in the turn the grace leaves

    expect(await provider.getToken()).toBe(fresh);
    expect(source.calls).toHaveLength(2);
    expect(timers.armed.filter((timer) => !timer.cleared)).toEqual([]);
    expect(loud(kit)).toEqual([]);
  });

  it('fetches again, quietly, when the fetch fails at the thaw (a connection the freeze broke)', async () => {
    const { kit, timers, start, source, provider } = await refreshing();
    kit.state.clock += 30 * MIN;
    await timers.fire(10_000);
    source.calls[1]?.fail(new Error('socket hang up'));
    await kit.until(() => source.calls.length === 3);
    const fresh = jwtFor(start + 80 * MIN, 60 * MIN, 'fresh');
    source.calls[2]?.answer(fresh);

    expect(await provider.getToken()).toBe(fresh);
    expect(loud(kit)).toEqual([]);
    expect(kit.kinds()).toEqual(['obtained', 'obtained']);
  });

  it('reports a fetch that fails again after the thaw', async () => {
    const { kit, timers, old, source, provider } = await refreshing();
    kit.state.clock += 5 * MIN; // still inside the token's lifetime
    await timers.fire(10_000);
    await timers.fire(THAW_GRACE_MS);
    await kit.until(() => source.calls.length === 3);
    source.calls[2]?.fail(new Error('AccessDenied'));
    await kit.until(() => provider.status().lastError !== undefined);

    expect(provider.status().lastError).toBe('AccessDenied');
    expect(kit.kinds()).toEqual(['obtained', 'refresh-failed']);
    expect(loud(kit)).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('refresh from vault failed'),
      }),
    ]);
    expect(await provider.getToken()).toBe(old);
  });
});
