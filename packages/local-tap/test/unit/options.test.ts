import { describe, expect, it } from 'vitest';
import { LocalTapOptionsError } from '../../src/errors.js';
import { localTapOptionsSchema, parseLocalTapOptions } from '../../src/options.js';

describe('localTapOptionsSchema', () => {
  it('applies the real Data Tap defaults', () => {
    const options = localTapOptionsSchema.parse({ outDir: '/tmp/out' });
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 0,
      outDir: '/tmp/out',
      thresholdBytes: 10 * 1024 * 1024,
      thresholdMs: 60_000,
      maxBodyBytes: 6 * 1024 * 1024,
      limitAppliesTo: 'event',
      maxInflatedBytes: 64 * 1024 * 1024,
    });
  });

  it('accepts a token string or a token check function', () => {
    expect(parseLocalTapOptions({ outDir: 'x', token: 'abc' }).token).toBe('abc');
    const check = (): 'ok' => 'ok';
    expect(parseLocalTapOptions({ outDir: 'x', token: check }).token).toBe(check);
  });
});

describe('parseLocalTapOptions', () => {
  it('names the option, the value and the range when a value is out of range', () => {
    expect(() => parseLocalTapOptions({ outDir: 'x', port: 70_000 })).toThrow(LocalTapOptionsError);
    expect(() => parseLocalTapOptions({ outDir: 'x', port: 70_000 })).toThrow(/port: .*65535.*\(got 70000\)/);
  });

  it('refuses a host that is not the loopback address', () => {
    expect(() => parseLocalTapOptions({ outDir: 'x', host: '0.0.0.0' })).toThrow(/host: .*\(got "0.0.0.0"\)/);
  });

  it('refuses unknown options and names them', () => {
    expect(() => parseLocalTapOptions({ outDir: 'x', thresholdByte: 1 })).toThrow(/\(thresholdByte\)/);
  });

  it('refuses a missing outDir, a non-function token and a blank SQL clause', () => {
    expect(() => parseLocalTapOptions({})).toThrow(/outDir: .*\(got undefined\)/);
    expect(() => parseLocalTapOptions({ outDir: 'x', token: 42 })).toThrow(/token/);
    expect(() => parseLocalTapOptions({ outDir: 'x', sql: '   ' })).toThrow(/sql/);
    expect(() => parseLocalTapOptions(null)).toThrow(/\(options\)/);
    expect(() => parseLocalTapOptions({ outDir: 'x', port: () => 1 })).toThrow(/port: .*\(got a function\)/);
  });
});
