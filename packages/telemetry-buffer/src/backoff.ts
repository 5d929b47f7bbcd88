/** Settings of the delay after failed flushes. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  jitter: boolean;
}

/**
 * The delay before the next automatic attempt after `failures` consecutive failures (>= 1):
 * exponential from `initialMs`, capped at `maxMs`; with jitter, a random point in its upper half
 * (so many environments throttled together do not retry in step).
 */
export function backoffDelay(failures: number, settings: BackoffSettings, random: () => number): number {
  const exponent = Math.min(failures - 1, 30);
  const delay = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  if (!settings.jitter) return delay;
  return Math.round(delay / 2 + (random() * delay) / 2);
}
