import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The stand-in for pino-std-serializers that the bundle carries (build/std-serializers.cjs).
const require = createRequire(import.meta.url);
const serializers = require('../../build/std-serializers.cjs') as Record<
  string,
  (value: unknown) => unknown
> & {
  wrapErrorSerializer(custom: (value: unknown) => unknown): (value: unknown) => unknown;
};

describe('the pino-std-serializers stand-in', () => {
  it("writes an error's type, message, stack, own fields and cause chain", () => {
    const root = new TypeError('root cause');
    const error = Object.assign(new Error('outer', { cause: root }), {
      code: 'E_X',
      inner: new RangeError('in'),
    });
    const out = serializers['err']?.(error) as Record<string, unknown>;
    expect(out).toMatchObject({
      type: 'Error',
      message: 'outer',
      code: 'E_X',
      inner: { type: 'RangeError' },
    });
    expect(out['stack']).toContain('outer');
    expect(out['cause']).toMatchObject({ type: 'TypeError', message: 'root cause' });
    expect(serializers['err']?.('not an error')).toBe('not an error');
  });

  it('stops at cycles and lists the errors of an AggregateError', () => {
    const a = new Error('a') as Error & { cause?: unknown; self?: unknown };
    a.cause = a;
    a.self = a;
    expect(serializers['err']?.(a)).toMatchObject({ cause: '[Circular]', self: '[Circular]' });
    const many = new AggregateError([new Error('x'), new Error('y')], 'both', { cause: 'plain' });
    expect(serializers['errWithCause']?.(many)).toMatchObject({
      cause: 'plain',
      aggregateErrors: [{ message: 'x' }, { message: 'y' }],
    });
  });

  it('writes a short form of http requests and responses, and wraps custom serializers', () => {
    const request = {
      method: 'GET',
      url: '/x',
      headers: { a: '1' },
      socket: { remoteAddress: '127.0.0.1', remotePort: 9 },
    };
    expect(serializers['mapHttpRequest']?.(request)).toEqual({
      req: { method: 'GET', url: '/x', headers: { a: '1' }, remoteAddress: '127.0.0.1', remotePort: 9 },
    });
    const response = { headersSent: true, statusCode: 204, getHeaders: () => ({ b: '2' }) };
    expect(serializers['mapHttpResponse']?.(response)).toEqual({
      res: { statusCode: 204, headers: { b: '2' } },
    });
    expect(serializers['res']?.({ headersSent: false, _headers: {} })).toEqual({
      statusCode: null,
      headers: {},
    });
    const wrapped = serializers.wrapErrorSerializer((value) => ({ ...(value as object), extra: true }));
    expect(wrapped(new Error('w'))).toMatchObject({ message: 'w', extra: true });
  });
});
