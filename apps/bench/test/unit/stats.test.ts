import { describe, expect, it } from 'vitest';
import { quantile, summarize } from '../../src/stats.mjs';

describe('quantile', () => {
  it('takes the nearest rank of the sorted series', () => {
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([7, 9], 0)).toBe(7);
  });

  it('is NaN for an empty series', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('puts p99 of 200 values on the second largest', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(quantile(values, 0.99)).toBe(198);
  });
});

describe('summarize', () => {
  it('gives count, median, p99 and max', () => {
    expect(summarize([3, 1, 2])).toEqual({ count: 3, median: 2, p99: 3, max: 3 });
  });

  it('gives NaN figures for an empty series', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.median).toBeNaN();
    expect(s.max).toBeNaN();
  });
});
