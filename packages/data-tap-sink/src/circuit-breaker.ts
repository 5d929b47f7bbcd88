/** The three states of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A consecutive-failure circuit breaker: `failureThreshold` failures in a row open it; after
 * `cooldownMs` one probe request is let through (half-open); the probe's success closes it, its
 * failure opens it again for another cooldown.
 */
export interface CircuitBreaker {
  /** The state now (an open breaker whose cooldown is over reads `half-open`). */
  state(): BreakerState;
  /** Asks to make a request: allowed, or refused with the time a probe will be allowed. */
  acquire(): { readonly allowed: true } | { readonly allowed: false; readonly retryAt: number };
  /** The tap answered (any deliberate answer): closes the breaker. */
  success(): void;
  /** A failed request; returns `true` when this failure opened the breaker. */
  failure(): boolean;
  /** A request acquired and then not made or not judged (the caller's deadline): frees the probe slot. */
  release(): void;
  /** How many times the breaker opened. */
  opens(): number;
}

/**
 * Creates a {@link CircuitBreaker}. With `enabled: false` it always allows requests.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ enabled: true, failureThreshold: 5, cooldownMs: 30_000 }, Date.now);
 * if (breaker.acquire().allowed) {
 *   // make the request, then breaker.success() or breaker.failure()
 * }
 * ```
 */
export function createCircuitBreaker(
  options: { readonly enabled: boolean; readonly failureThreshold: number; readonly cooldownMs: number },
  now: () => number,
): CircuitBreaker {
  let failures = 0;
  let openedAt: number | undefined;
  let probing = false;
  let openCount = 0;

  const open = (): void => {
    openedAt = now();
    openCount += 1;
    probing = false;
  };

  return {
    state() {
      if (openedAt === undefined) return 'closed';
      return probing || now() >= openedAt + options.cooldownMs ? 'half-open' : 'open';
    },
    acquire() {
      if (!options.enabled || openedAt === undefined) return { allowed: true };
      const retryAt = openedAt + options.cooldownMs;
      if (probing || now() < retryAt) return { allowed: false, retryAt: Math.max(retryAt, now()) };
      probing = true;
      return { allowed: true };
    },
    success() {
      failures = 0;
      openedAt = undefined;
      probing = false;
    },
    failure() {
      if (!options.enabled) return false;
      if (probing) {
        open();
        return true;
      }
      failures += 1;
      if (openedAt === undefined && failures >= options.failureThreshold) {
        open();
        return true;
      }
      return false;
    },
    release() {
      probing = false;
    },
    opens() {
      return openCount;
    },
  };
}
