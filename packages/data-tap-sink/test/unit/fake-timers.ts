/** Injected timers the test fires by hand: nothing depends on real time. */
export function manualTimers() {
  const armed: Array<{ callback: () => void; ms: number; cleared: boolean }> = [];
  return {
    armed,
    setTimeout: (callback: () => void, ms: number) => {
      const timer = { callback, ms, cleared: false };
      armed.push(timer);
      return timer;
    },
    clearTimeout: (handle: unknown) => {
      (handle as { cleared: boolean }).cleared = true;
    },
    /**
     * Waits until a live timer of `ms` is armed (polling the event loop, for at most `withinMs` of
     * real time), then fires it.
     */
    async fire(ms: number, withinMs = 10_000): Promise<void> {
      const giveUpAt = performance.now() + withinMs;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const timer = armed.find((candidate) => candidate.ms === ms && !candidate.cleared);
        if (timer) {
          timer.cleared = true;
          timer.callback();
          return;
        }
        if (performance.now() > giveUpAt) throw new Error(`no timer of ${ms} ms was armed`);
      }
    },
  };
}

/** A fetch that never answers until its signal aborts, then the calls listed in `then`. */
export function hangingFetch(then: Array<() => Response> = []) {
  const calls: RequestInit[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push(init as RequestInit);
    const next = then[calls.length - 2];
    if (calls.length > 1 && next) return next();
    return new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}
