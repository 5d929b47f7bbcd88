/**
 * Exponential backoff with full jitter: a random wait in `[0, min(maxMs, initialMs * multiplier^(attempt-1)))`.
 * `attempt` is 1 for the first retry.
 *
 * @example
 * ```ts
 * backoffDelay(3, { initialMs: 100, maxMs: 5_000, multiplier: 2 }, () => 0.5); // 200
 * ```
 */
export function backoffDelay(
  attempt: number,
  backoff: { readonly initialMs: number; readonly maxMs: number; readonly multiplier: number },
  random: () => number,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date, as a wait in ms from `now`
 * (0 for a date in the past). `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('2', Date.now()); // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:58Z')); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
