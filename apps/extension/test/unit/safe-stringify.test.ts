import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The stand-in for safe-stable-stringify that the bundle carries (build/safe-stringify.cjs).
const require = createRequire(import.meta.url);
const { configure } = require('../../build/safe-stringify.cjs') as {
  configure(options?: {
    maximumDepth?: number;
    maximumBreadth?: number;
  }): (value: unknown) => string | undefined;
};

describe('the safe-stable-stringify stand-in', () => {
  const stringify = configure({ maximumDepth: 3, maximumBreadth: 3 });

  it('writes what JSON.stringify writes for plain values', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2 }], e: undefined, f: () => 1, g: new Date(0) };
    expect(configure({ maximumDepth: 5, maximumBreadth: 10 })(value)).toBe(JSON.stringify(value));
    expect(stringify(undefined)).toBeUndefined();
    expect(stringify([undefined])).toBe('[null]');
  });

  it('writes circular references, BigInts, deep nesting and wide objects readably', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    expect(JSON.parse(stringify(circular) ?? '')).toEqual({ name: 'loop', self: '[Circular]' });
    expect(JSON.parse(stringify({ n: 10n }) ?? '')).toEqual({ n: '10' });
    expect(JSON.parse(stringify({ a: { b: { c: { d: 1 } } }, l: [[[[1]]]] }) ?? '')).toEqual({
      a: { b: { c: '[Object]' } },
      l: [['[Array]']],
    });
    expect(JSON.parse(stringify({ a: 1, b: 2, c: 3, d: 4, e: 5 }) ?? '')).toEqual({
      a: 1,
      b: 2,
      c: 3,
      '...': '2 more items',
    });
    expect(JSON.parse(stringify([1, 2, 3, 4]) ?? '')).toEqual([1, 2, 3, '... 1 more items']);
  });

  it('has no limits unless configured', () => {
    const deep = { a: { b: { c: { d: { e: [1, 2, 3, 4, 5] } } } } };
    expect(configure()(deep)).toBe(JSON.stringify(deep));
  });
});
