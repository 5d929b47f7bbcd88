import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap, type LocalTap } from '../../src/index.js';
import { NDJSON, ndjson, send, tempDir } from '../helpers.js';

const TOKEN = 'tap-token';
const AUTH = { ...NDJSON, 'x-bd-authorization': TOKEN };

describe('local tap HTTP contract (loopback)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let tap: LocalTap;
  let url: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    tap = createLocalTap({
      outDir: dir,
      token: (token) => (token === TOKEN ? 'ok' : token === 'expired-token' ? 'expired' : 'invalid'),
    });
    ({ url } = await tap.start());
  });
  afterEach(async () => {
    await tap.stop();
    await cleanup();
  });

  it('listens on 127.0.0.1 with a real port', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url).not.toMatch(/:0\/$/);
  });

  it('answers 200 with a JSON body carrying statusCode, the lines and the bytes', async () => {
    const body = ndjson([{ a: 1 }, { a: 2 }]);
    const response = await send(url, { headers: AUTH, body });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json).toEqual({ statusCode: 200, message: 'Accepted', lines: 2, bytes: body.length });
    expect(tap.stats()).toMatchObject({
      requests: 1,
      accepted: 1,
      acceptedLines: 2,
      acceptedBytes: body.length,
    });
  });

  it('accepts any path, as a Function URL does', async () => {
    const response = await send(`${url}some/path?x=1`, { headers: AUTH, body: ndjson([{ a: 1 }]) });
    expect(response.status).toBe(200);
  });

  it('accepts a gzip body', async () => {
    const response = await send(url, {
      headers: { ...AUTH, 'content-encoding': 'gzip' },
      body: gzipSync(ndjson([{ a: 1 }, { a: 2 }, { a: 3 }])),
    });
    expect(response.json).toMatchObject({ statusCode: 200, lines: 3 });
  });

  it.each([
    ['a GET', { method: 'GET', headers: AUTH }, 405, 'method'],
    ['no token', { headers: NDJSON, body: '{"a":1}\n' }, 401, 'auth'],
    [
      'a wrong token',
      { headers: { ...NDJSON, 'x-bd-authorization': 'wrong' }, body: '{"a":1}\n' },
      403,
      'auth',
    ],
    [
      'an expired token',
      { headers: { ...NDJSON, 'x-bd-authorization': 'expired-token' }, body: '{"a":1}\n' },
      401,
      'expired',
    ],
    [
      'a JSON content type',
      { headers: { ...AUTH, 'content-type': 'application/json' }, body: '{}' },
      415,
      'badContent',
    ],
    ['an empty body', { headers: AUTH, body: '' }, 400, 'empty'],
    ['a non-UTF-8 body', { headers: AUTH, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }, 400, 'badEncoding'],
    ['a JSON array', { headers: AUTH, body: '[{"a":1},{"a":2}]' }, 400, 'badJson'],
    ['broken gzip', { headers: { ...AUTH, 'content-encoding': 'gzip' }, body: 'plain' }, 400, 'badEncoding'],
  ] as const)(
    'refuses %s with %i and a clear JSON error, storing nothing',
    async (_name, request, status, cause) => {
      const response = await send(url, request as Parameters<typeof send>[1]);
      expect(response.status).toBe(status);
      expect(response.json).toMatchObject({
        statusCode: status,
        error: expect.any(String),
        message: expect.any(String),
      });
      if (status === 405) expect(response.headers.allow).toBe('POST');
      if (cause === 'expired') expect(response.json?.message).toMatch(/expired/);
      const stats = tap.stats();
      expect(stats.rejected[cause]).toBe(1);
      expect(stats.accepted).toBe(0);
    },
  );

  it('answers 413 to a body past 6 MB, and the client can read the answer', async () => {
    const body = Buffer.alloc(6 * 1024 * 1024 + 10, 0x61);
    const response = await send(url, { headers: AUTH, body });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ statusCode: 413, error: 'PayloadTooLarge' });
    expect(tap.stats().rejected.tooLarge).toBe(1);
  });

  it('closes the connection after a 413 when a body is far past the limit', async () => {
    const small = createLocalTap({ outDir: dir, maxBodyBytes: 1000 });
    const { url: smallUrl } = await small.start();
    const outcome = await send(smallUrl, { headers: NDJSON, body: Buffer.alloc(3 * 1024 * 1024, 0x61) }).then(
      (response) => ({ status: response.status, connection: response.headers.connection }),
      (error: Error) => ({ status: 0, connection: error.message }),
    );
    if (outcome.status !== 0) expect(outcome).toEqual({ status: 413, connection: 'close' });
    else expect(outcome.connection).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    expect(small.stats().rejected.tooLarge).toBe(1);
    await small.stop();
  });

  it('answers 413 to a text body under 6 MB whose escaped event is over it, as Lambda does', async () => {
    const line = `${JSON.stringify({ message: '"quoted" \\ text '.repeat(20) })}\n`;
    const body = line.repeat(Math.floor((5.5 * 1024 * 1024) / line.length));
    expect(body.length).toBeLessThan(6 * 1024 * 1024);
    const response = await send(url, { headers: AUTH, body });
    expect(response.status).toBe(413);
    expect(response.json?.message).toMatch(/Lambda event/);
  });
});
