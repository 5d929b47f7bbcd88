import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseLocalTapOptions } from '../../src/options.js';
import { decideRequest, type RequestFacts } from '../../src/request-verdict.js';

const options = parseLocalTapOptions({ outDir: '/tmp/unused', token: 'secret' });
const good = { 'content-type': 'application/x-ndjson', 'x-bd-authorization': 'secret' };

function facts(body: Buffer | string, headers: Record<string, string> = good, method = 'POST'): RequestFacts {
  const buffer = Buffer.from(body);
  return {
    method,
    headers,
    headerBytes: 100,
    read: { kind: 'complete', body: buffer, bytes: buffer.length },
  };
}

describe('decideRequest', () => {
  it('accepts an NDJSON body and counts its lines', async () => {
    const verdict = await decideRequest(facts('{"a":1}\n{"a":2}\n'), options);
    expect(verdict).toMatchObject({ ok: true, status: 200, lines: 2, gzip: false });
  });

  it('answers 413 for a body past the limit, before anything else', async () => {
    const verdict = await decideRequest(
      {
        method: 'GET',
        headers: {},
        headerBytes: 0,
        read: { kind: 'tooLarge', bytes: 7_000_000, drained: true },
      },
      options,
    );
    expect(verdict).toMatchObject({ ok: false, status: 413, cause: 'tooLarge' });
  });

  it('counts the escaping Lambda applies to a text body against the limit', async () => {
    const small = parseLocalTapOptions({ outDir: '/x', maxBodyBytes: 200 });
    const quoted = `${'{"a":"b"}\n'.repeat(15)}`; // 150 bytes, 210 once escaped
    expect(
      await decideRequest(facts(quoted, { 'content-type': 'application/x-ndjson' }), small),
    ).toMatchObject({
      status: 413,
    });
    const raw = parseLocalTapOptions({ outDir: '/x', maxBodyBytes: 200, limitAppliesTo: 'body' });
    expect(await decideRequest(facts(quoted, { 'content-type': 'application/x-ndjson' }), raw)).toMatchObject(
      {
        status: 200,
      },
    );
  });

  it('counts base64 for a gzip body against the limit', async () => {
    const body = gzipSync('{"a":1}\n'.repeat(20));
    const headers = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
    const event = parseLocalTapOptions({ outDir: '/x', maxBodyBytes: body.length + 1 });
    expect(await decideRequest(facts(body, headers), event)).toMatchObject({
      status: 413,
      cause: 'tooLarge',
    });
    const raw = parseLocalTapOptions({ outDir: '/x', maxBodyBytes: body.length + 1, limitAppliesTo: 'body' });
    expect(await decideRequest(facts(body, headers), raw)).toMatchObject({ status: 200, lines: 20 });
  });

  it('answers 405 to anything but POST', async () => {
    const verdict = await decideRequest(facts('', good, 'GET'), options);
    expect(verdict).toMatchObject({ status: 405, cause: 'method', error: 'MethodNotAllowed' });
  });

  it('answers 401 without a token, 403 with a wrong one, 401 with a clear message when expired', async () => {
    expect(
      await decideRequest(facts('{}', { 'content-type': 'application/x-ndjson' }), options),
    ).toMatchObject({
      status: 401,
      cause: 'auth',
      message: expect.stringMatching(/Missing x-bd-authorization/),
    });
    expect(
      await decideRequest(facts('{}', { ...good, 'x-bd-authorization': 'nope' }), options),
    ).toMatchObject({
      status: 403,
      cause: 'auth',
    });
    const expiring = parseLocalTapOptions({ outDir: '/x', token: () => 'expired' });
    expect(await decideRequest(facts('{}', good), expiring)).toMatchObject({
      status: 401,
      cause: 'expired',
      error: 'TokenExpired',
      message: expect.stringMatching(/expired/),
    });
  });

  it('answers 415 to another content type or an unsupported encoding', async () => {
    expect(
      await decideRequest(facts('{}', { ...good, 'content-type': 'application/json' }), options),
    ).toMatchObject({
      status: 415,
      cause: 'badContent',
      message: expect.stringMatching(/got application\/json/),
    });
    const { 'content-type': _, ...noType } = good;
    expect(await decideRequest(facts('{}', noType), options)).toMatchObject({
      status: 415,
      message: expect.stringMatching(/got \(none\)/),
    });
    expect(await decideRequest(facts('{}', { ...good, 'content-encoding': 'br' }), options)).toMatchObject({
      status: 415,
      message: expect.stringMatching(/br is not supported/),
    });
    expect(
      await decideRequest(facts('{"a":1}', { ...good, 'content-encoding': 'identity' }), options),
    ).toMatchObject({
      status: 200,
    });
  });

  it('answers 400 to an empty, blank, non-UTF-8 or non-NDJSON body', async () => {
    expect(await decideRequest(facts(''), options)).toMatchObject({ status: 400, cause: 'empty' });
    expect(await decideRequest(facts('\n \n'), options)).toMatchObject({ status: 400, cause: 'empty' });
    expect(await decideRequest(facts(Buffer.from([0x7b, 0xff, 0x7d])), options)).toMatchObject({
      status: 400,
      cause: 'badEncoding',
      message: expect.stringMatching(/UTF-8/),
    });
    expect(await decideRequest(facts('[{"a":1}]'), options)).toMatchObject({
      status: 400,
      cause: 'badJson',
      message: expect.stringMatching(/not NDJSON/),
    });
  });

  it('decompresses a gzip body, and refuses a broken or oversized one', async () => {
    const gzipHeaders = { ...good, 'content-encoding': 'gzip' };
    const verdict = await decideRequest(facts(gzipSync('{"a":1}\n'), gzipHeaders), options);
    expect(verdict).toMatchObject({ ok: true, lines: 1, gzip: true });
    if (verdict.ok) expect(verdict.data.toString()).toBe('{"a":1}\n');
    expect(await decideRequest(facts('not gzip', gzipHeaders), options)).toMatchObject({
      status: 400,
      cause: 'badEncoding',
      message: expect.stringMatching(/not valid gzip/),
    });
    const tight = parseLocalTapOptions({ outDir: '/x', maxInflatedBytes: 1000 });
    const bomb = gzipSync(Buffer.alloc(100_000, 0x20));
    expect(
      await decideRequest(
        facts(bomb, { 'content-type': 'application/x-ndjson', 'content-encoding': 'x-gzip' }),
        tight,
      ),
    ).toMatchObject({ status: 413, cause: 'tooLarge', message: expect.stringMatching(/decompressed/) });
  });
});
