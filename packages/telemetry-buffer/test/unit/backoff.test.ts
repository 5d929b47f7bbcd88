import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/backoff.js';

describe('backoffDelay', () => {
  const settings = { initialMs: 100, maxMs: 1_000, jitter: false };

  it('doubles from the initial delay up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffDelay(n, settings, Math.random))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('with jitter picks a point in the upper half', () => {
    const jittered = { ...settings, jitter: true };
    expect(backoffDelay(2, jittered, () => 0)).toBe(100);
    expect(backoffDelay(2, jittered, () => 0.999)).toBe(200);
  });
});
