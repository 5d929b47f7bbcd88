import { describe, expect, it } from 'vitest';
import { createBatchEncoder } from '../../src/batch-encoder.js';
import { batchIdOf, planBodies } from '../../src/body.js';
import {
  backoffDelay,
  CircuitOpenError,
  createCircuitBreaker,
  DataTapAuthError,
  DataTapHttpError,
  DataTapNetworkError,
  DataTapSinkError,
  DeadlineExceededError,
  failureKind,
  isTokenProvider,
  LineTooLargeError,
  noopLogger,
  parseRetryAfter,
  SinkClosedError,
} from '../../src/index.js';
import { createRedactor } from '../../src/redact.js';
import { judgeAnswer, readBodyText } from '../../src/response.js';

/** Each line's body size, as the sink measures it (by encoding the batch). */
function lineSizes(lines: readonly string[]): readonly number[] {
  return createBatchEncoder(1024).encode(lines).sizes;
}

describe('planBodies', () => {
  it('counts UTF-8 bytes plus the newline', () => {
    expect(lineSizes(['{"a":"é"}', '{}', ''])).toEqual([11, 3, 1]);
  });

  it('fills bodies up to the limit exactly', () => {
    const line = 'x'.repeat(99); // 100 bytes with its newline
    expect(planBodies(lineSizes([line, line, line]), 200)).toEqual([
      { kind: 'body', start: 0, end: 2, bytes: 200 },
      { kind: 'body', start: 2, end: 3, bytes: 100 },
    ]);
  });

  it('isolates a line above the limit', () => {
    const small = 'x'.repeat(9);
    const big = 'y'.repeat(300);
    expect(planBodies(lineSizes([small, big, big, small]), 200)).toEqual([
      { kind: 'body', start: 0, end: 1, bytes: 10 },
      { kind: 'oversize', start: 1, end: 2, bytes: 301 },
      { kind: 'oversize', start: 2, end: 3, bytes: 301 },
      { kind: 'body', start: 3, end: 4, bytes: 10 },
    ]);
    expect(planBodies([], 200)).toEqual([]);
  });

  it('builds NDJSON bodies and content ids', () => {
    const lines = ['{"a":1}', '{"b":2}', '{"c":3}'];
    const body = createBatchEncoder(1024).encode(lines).body(1, 3);
    const mixed = ['{"m":"café ☕ 𝄞"}', '{"lone":"\ud800"}'];
    expect(createBatchEncoder(1024).encode(mixed).body(0, 2).toString()).toBe(
      `${mixed.join('\n')}\n`.replace('\ud800', '\ufffd'),
    );
    expect(createBatchEncoder(1024).encode(mixed).body(0, 2)).toEqual(Buffer.from(`${mixed.join('\n')}\n`));
    expect(body.toString()).toBe('{"b":2}\n{"c":3}\n');
    expect(batchIdOf(body)).toMatch(/^[0-9a-f]{32}$/);
    expect(batchIdOf(body)).toBe(batchIdOf(Buffer.from('{"b":2}\n{"c":3}\n')));
    expect(batchIdOf(body)).not.toBe(batchIdOf(Buffer.from('{"b":2}\n')));
  });
});

describe('backoff', () => {
  it('grows exponentially under the cap, scaled by the jitter', () => {
    const backoff = { initialMs: 100, maxMs: 1_000, multiplier: 2 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, backoff, () => 0.999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelay(3, backoff, () => 0)).toBe(0);
  });

  it('reads Retry-After seconds and dates', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('createCircuitBreaker', () => {
  it('keeps the earliest probe time while open and frees the probe slot on release', () => {
    let clock = 0;
    const breaker = createCircuitBreaker(
      { enabled: true, failureThreshold: 2, cooldownMs: 100 },
      () => clock,
    );
    expect(breaker.failure()).toBe(false);
    expect(breaker.failure()).toBe(true);
    expect(breaker.failure()).toBe(false);
    expect(breaker.acquire()).toEqual({ allowed: false, retryAt: 100 });
    clock = 100;
    expect(breaker.acquire()).toEqual({ allowed: true });
    expect(breaker.state()).toBe('half-open');
    expect(breaker.acquire()).toEqual({ allowed: false, retryAt: 100 });
    breaker.release();
    expect(breaker.acquire()).toEqual({ allowed: true });
    breaker.success();
    expect(breaker.state()).toBe('closed');
    expect(breaker.opens()).toBe(1);
  });
});

describe('createRedactor', () => {
  it('removes whole secrets and a secret cut at the end', () => {
    const redactor = createRedactor();
    redactor.add('abcdefghij');
    redactor.add('abcdefghij');
    redactor.add('');
    expect(redactor.redact('x abcdefghij y abcdefghij')).toBe('x [redacted] y [redacted]');
    expect(redactor.truncate('0123456789abcdefghij', 15)).toBe('0123456789[reda');
    expect(redactor.truncate('01234 abcdefg', 100)).toBe('01234 ');
    expect(redactor.truncate('short', 100)).toBe('short');
    expect(redactor.truncate('0123456789xyz', 10)).toBe('0123456789');
  });

  it('remembers the last eight secrets', () => {
    const redactor = createRedactor();
    for (let index = 0; index < 9; index++) redactor.add(`secret-number-${index}`);
    expect(redactor.redact('secret-number-0 secret-number-8')).toBe('secret-number-0 [redacted]');
  });

  it('scrubs errors holding a secret and keeps the others', () => {
    const redactor = createRedactor();
    redactor.add('abcdefghij');
    const clean = new Error('nothing here');
    expect(redactor.scrub(clean)).toBe(clean);
    const dirty = new RangeError('value abcdefghij');
    const scrubbed = redactor.scrub(dirty) as Error;
    expect(scrubbed).not.toBe(dirty);
    expect(scrubbed.name).toBe('RangeError');
    expect(scrubbed.message).toBe('value [redacted]');
    expect(String((redactor.scrub('abcdefghij!') as Error).message)).toBe('[redacted]!');
  });
});

describe('judgeAnswer', () => {
  it.each([
    [200, '', '{"statusCode":200}', 'accepted', 200],
    [202, 'application/json', '', 'accepted', 202],
    [200, 'application/json', '{"statusCode":401}', 'auth', 401],
    [500, 'application/json', '{"statusCode":403}', 'auth', 403],
    [200, 'application/json', '{"statusCode":413}', 'too-large', 413],
    [200, 'application/json', '{"statusCode":"500"}', 'accepted', 200],
    [200, 'application/json', '[1]', 'accepted', 200],
    [200, 'text/plain', '  <html>', 'broken', 200],
    [301, '', '', 'broken', 301],
    [0, '', '', 'broken', 0],
    [404, '', '', 'broken', 404],
    [400, '', '', 'rejected', 400],
    [408, '', '', 'retry', 408],
    [599, '', '', 'retry', 599],
    [600, '', '', 'broken', 600],
  ])('status %i, %s, %s -> %s', (status, type, text, kind, statusCode) => {
    expect(judgeAnswer(status, type, text)).toMatchObject({ kind, statusCode });
  });

  it('reads at most the limit of a body', async () => {
    const response = new Response(new Blob(['a'.repeat(10_000), 'b'.repeat(10_000)]).stream());
    const text = await readBodyText(response, 4_096);
    expect(text.length).toBeGreaterThanOrEqual(4_096);
    expect(text.length).toBeLessThan(20_000);
    expect(await readBodyText(new Response(null), 10)).toBe('');
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([0x63, 0x61, 0x66, 0xc3]));
        controller.enqueue(new Uint8Array([0xa9]));
        controller.close();
      },
    });
    expect(await readBodyText(new Response(split), 1_000)).toBe('café');
  });

  it('reads a short answer that declares its length in one go, a long one up to the limit', async () => {
    const short = new Response('{"statusCode":200}', { headers: { 'content-length': '18' } });
    expect(await readBodyText(short, 4_096)).toBe('{"statusCode":200}');
    const long = new Response(new Blob(['a'.repeat(10_000), 'b'.repeat(10_000)]).stream(), {
      headers: { 'content-length': '20000' },
    });
    expect((await readBodyText(long, 4_096)).length).toBeLessThan(20_000);
  });
});

describe('errors', () => {
  it('carry names, retryability and JSON without secrets', () => {
    const errors = [
      new DataTapSinkError('base'),
      new DataTapHttpError('http', {
        statusCode: 503,
        httpStatus: 503,
        body: 'b',
        isRetryable: true,
        retryAfterMs: 5,
      }),
      new DataTapHttpError('http', { statusCode: 400, httpStatus: 200, body: '', isRetryable: false }),
      new DataTapAuthError('auth', { statusCode: 401, body: 'x' }),
      new DataTapAuthError('auth', {}),
      new DataTapNetworkError('net', { timedOut: true }),
      new CircuitOpenError('open', { retryAt: 5 }),
      new LineTooLargeError('big', { lineBytes: 10, maxBodyBytes: 5 }),
      new DeadlineExceededError('late', { aborted: false }),
      new SinkClosedError('closed'),
    ];
    expect(errors.map((error) => [error.name, error.isRetryable])).toEqual([
      ['DataTapSinkError', false],
      ['DataTapHttpError', true],
      ['DataTapHttpError', false],
      ['DataTapAuthError', false],
      ['DataTapAuthError', false],
      ['DataTapNetworkError', true],
      ['CircuitOpenError', true],
      ['LineTooLargeError', false],
      ['DeadlineExceededError', true],
      ['SinkClosedError', false],
    ]);
    for (const error of errors) expect(error).toBeInstanceOf(DataTapSinkError);
    expect(JSON.parse(JSON.stringify(errors[1]))).toEqual({
      name: 'DataTapHttpError',
      message: 'http',
      isRetryable: true,
      statusCode: 503,
      httpStatus: 503,
      body: 'b',
      retryAfterMs: 5,
    });
    expect(errors[2]?.toJSON()).not.toHaveProperty('retryAfterMs');
    expect(errors[4]?.toJSON()).toMatchObject({ isTokenFailure: true, body: '' });
    expect(errors[5]?.toJSON()).toMatchObject({ timedOut: true });
    expect(errors[6]?.toJSON()).toMatchObject({ retryAt: 5 });
    expect(errors[7]?.toJSON()).toMatchObject({ lineBytes: 10, maxBodyBytes: 5 });
    expect(errors[8]?.toJSON()).toMatchObject({ aborted: false });
    expect(errors.slice(1, 6).map(failureKind)).toEqual([
      'DataTapHttpError:503',
      'DataTapHttpError:400',
      'DataTapAuthError:401',
      'DataTapAuthError',
      'DataTapNetworkError',
    ]);
    expect(failureKind(new TypeError('x'))).toBe('TypeError');
  });
});

describe('small helpers', () => {
  it('tells token providers from strings', () => {
    expect(isTokenProvider('abc')).toBe(false);
    expect(isTokenProvider(null)).toBe(false);
    expect(isTokenProvider({ getToken: 'x' })).toBe(false);
    expect(isTokenProvider({ getToken: async () => 'x' })).toBe(true);
  });

  it('has a logger that ignores everything', () => {
    expect(() => {
      noopLogger.debug('a');
      noopLogger.info('b', { c: 1 });
      noopLogger.warn('d');
      noopLogger.error('e');
    }).not.toThrow();
  });
});
