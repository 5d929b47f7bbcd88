import { describe, expect, it } from 'vitest';
import { plainValue } from '../../src/js-values.js';

describe('plainValue', () => {
  it('turns safe bigints into numbers, in nested values too, and keeps the rest', () => {
    const date = new Date(0);
    expect(plainValue({ n: 5n, list: [1n, { deep: 2n }], text: 'x', date, none: null })).toEqual({
      n: 5,
      list: [1, { deep: 2 }],
      text: 'x',
      date,
      none: null,
    });
  });

  it('keeps bigints beyond the safe range', () => {
    expect(plainValue(9007199254740993n)).toBe(9007199254740993n);
    expect(plainValue(-9007199254740993n)).toBe(-9007199254740993n);
  });
});
