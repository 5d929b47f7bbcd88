import { describe, expect, it } from 'vitest';
import {
  createDataTapSink,
  DataTapSinkOptionsError,
  DEFAULT_MAX_BODY_BYTES,
  dataTapSinkOptionsSchema,
} from '../../src/index.js';
import { checkTapUrl, describeUrl } from '../../src/url.js';

const creationError = (options: Record<string, unknown>): string => {
  try {
    createDataTapSink({ url: 'https://tap.example.test/', token: 't', ...options } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(DataTapSinkOptionsError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
};

describe('dataTapSinkOptionsSchema', () => {
  it('fills in the defaults', () => {
    expect(dataTapSinkOptionsSchema.parse({ url: 'https://tap.example.test/', token: 't' })).toEqual({
      url: 'https://tap.example.test/',
      token: 't',
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      gzip: false,
      gzipLevel: 6,
      requestTimeoutMs: 8_000,
      maxRetries: 3,
      backoff: { initialMs: 100, maxMs: 5_000, multiplier: 2, maxRetryAfterMs: 60_000 },
      breaker: { enabled: true, failureThreshold: 5, cooldownMs: 30_000 },
      oversizeLines: 'return',
      batchIdHeader: 'x-bd-batch-id',
      maxErrorBodyChars: 1024,
    });
    expect(DEFAULT_MAX_BODY_BYTES).toBe(4_194_304);
  });

  it('requires https unless the host is loopback', () => {
    expect(creationError({ url: 'http://tap.example.test/' })).toMatch(
      /options\.url: expected an https: URL.*got "http:/,
    );
    for (const url of [
      'http://127.0.0.1:4000/',
      'http://[::1]:4000/',
      'http://localhost/',
      'https://x.on.aws/',
    ]) {
      expect(checkTapUrl(url)).toBeUndefined();
    }
    expect(checkTapUrl('ftp://127.0.0.1/')).toContain('https:');
  });

  it('refuses a URL that is not absolute or that carries credentials', () => {
    expect(creationError({ url: 'tap.example.test' })).toContain('expected an absolute URL');
    expect(creationError({ url: 'https://user:pw@tap.example.test/' })).toContain('no user name or password');
  });

  it('names the option, the value and the range', () => {
    const message = creationError({ maxBodyBytes: 9_000_000, maxRetries: -1 });
    expect(message).toContain('options.maxBodyBytes');
    expect(message).toContain('9000000');
    expect(message).toContain('5000000');
    expect(message).toContain('options.maxRetries');
  });

  it('limits maxBodyBytes further with gzip', () => {
    expect(creationError({ gzip: true, maxBodyBytes: 4_500_000 })).toContain('at most 4400000 with gzip');
    expect(() =>
      createDataTapSink({ url: 'https://t.example/', token: 't', gzip: true, maxBodyBytes: 4_400_000 }),
    ).not.toThrow();
  });

  it('checks nested options and unknown keys', () => {
    expect(creationError({ backoff: { initialMs: 500, maxMs: 100 } })).toContain('options.backoff.maxMs');
    expect(creationError({ breaker: { failureThreshold: 0 } })).toContain('options.breaker.failureThreshold');
    expect(creationError({ retries: 3 })).toContain('retries');
    expect(creationError({ batchIdHeader: 'bad header' })).toContain('"bad header"');
  });

  it('shortens long values and names the type of objects', () => {
    expect(creationError({ oversizeLines: 'z'.repeat(200) })).toContain(`"${'z'.repeat(80)}..."`);
    expect(creationError({ gzip: [] })).toContain('got object');
  });

  it('accepts a token provider and refuses other objects', () => {
    expect(() =>
      createDataTapSink({ url: 'https://t.example/', token: { getToken: async () => 'x' } }),
    ).not.toThrow();
    expect(creationError({ token: { token: 'x' } })).toContain('options.token');
  });
});

describe('describeUrl', () => {
  it('keeps the origin and path only', () => {
    expect(describeUrl('https://tap.example.test/a/b?secret=1#x')).toBe('https://tap.example.test/a/b');
  });
});
