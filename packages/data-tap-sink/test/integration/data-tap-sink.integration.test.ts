import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDataTapSink,
  DataTapHttpError,
  DataTapSinkOptionsError,
  LineTooLargeError,
} from '../../src/index.js';
import { envelopeLines } from '../fixtures/envelope-lines.js';
import { startLoopbackTap } from './loopback-tap.js';

const TOKEN = 'integration-token-0123456789';
let tap: Awaited<ReturnType<typeof startLoopbackTap>>;

beforeEach(async () => {
  tap = await startLoopbackTap();
});

afterEach(async () => {
  await tap.close();
});

const deadline = () => Date.now() + 30_000;

describe('data tap sink against a real HTTP server on 127.0.0.1', () => {
  it('delivers many batches over one kept-alive connection', async () => {
    const sink = createDataTapSink({ url: tap.url, token: TOKEN });
    const batches = Array.from({ length: 20 }, (_, index) =>
      envelopeLines(25).map((line) => line.replace('"id":"r', `"id":"b${index}-r`)),
    );

    for (const lines of batches) {
      const result = await sink.send({ lines }, { deadline: deadline() });
      expect(result).toEqual({ delivered: 25, unsent: [], requests: 1, retries: 0 });
    }

    expect(tap.received).toHaveLength(20);
    expect(tap.received.map((request) => request.text)).toEqual(
      batches.map((lines) => `${lines.join('\n')}\n`),
    );
    expect(tap.received[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(tap.received[0]?.headers['x-bd-authorization']).toBe(TOKEN);
    expect(tap.received[0]?.headers['x-bd-batch-id']).toMatch(/^[0-9a-f]{32}$/);
    // Keep-alive: 20 requests, at most 2 connections. Node's fetch (undici) frees a socket a tick
    // after the body was read, so back-to-back requests alternate between two kept-alive sockets
    // (a bare fetch loop does the same).
    expect(tap.connections()).toBeLessThanOrEqual(2);
    expect(new Set(tap.received.map((request) => request.connection)).size).toBeLessThanOrEqual(2);
    await sink.close();
  });

  it('sends real gzip bodies that decompress to the NDJSON', async () => {
    const lines = envelopeLines(200);
    const sink = createDataTapSink({ url: tap.url, token: TOKEN, gzip: true });

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result.delivered).toBe(200);
    const request = tap.received[0];
    expect(request?.headers['content-encoding']).toBe('gzip');
    expect(request?.text).toBe(`${lines.join('\n')}\n`);
    expect(request?.raw.byteLength).toBeLessThan(Buffer.byteLength(request?.text ?? '') / 4);
  });

  it('retries a 503, splits after a 413, and returns a body refused with 400 in rejected, not unsent', async () => {
    tap.script(
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 413 },
      { status: 200 },
      { status: 400, body: '{"statusCode":400,"message":"bad line"}' },
    );
    const lines = envelopeLines(4);
    const sink = createDataTapSink({ url: tap.url, token: TOKEN });

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result.requests).toBe(4);
    expect(result.retries).toBe(1);
    expect(result.delivered).toBe(2);
    expect(result.unsent).toEqual([]);
    expect(result.rejected).toEqual(lines.slice(2));
    expect(result.error).toMatchObject({ name: 'DataTapHttpError', statusCode: 400 });
    expect(result.rejectedError).toBe(result.error);
    expect(tap.received.map((request) => request.text.split('\n').length - 1)).toEqual([4, 4, 2, 2]);
  });

  it('does not follow a redirect', async () => {
    tap.script({ status: 307, headers: { location: '/elsewhere' } });
    const sink = createDataTapSink({ url: tap.url, token: TOKEN });

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(result.error).toBeInstanceOf(DataTapHttpError);
    expect(result.error).toMatchObject({ statusCode: 307 });
    expect(tap.received.map((request) => request.path)).toEqual(['/ingest']);
  });

  it('times out a request the server holds, then retries it on a new connection', async () => {
    tap.script('hang');
    const sink = createDataTapSink({ url: tap.url, token: TOKEN, requestTimeoutMs: 300 });

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(result).toEqual({ delivered: 1, unsent: [], requests: 2, retries: 1 });
    expect(sink.stats().timeouts).toBe(1);
    expect(tap.received).toHaveLength(2);
    expect(tap.received[1]?.headers['x-bd-batch-id']).toBe(tap.received[0]?.headers['x-bd-batch-id']);
  });

  it('returns a line above maxBodyBytes in rejected and reports connection refusals', async () => {
    const sink = createDataTapSink({ url: tap.url, token: TOKEN, maxBodyBytes: 1024 });
    const big = JSON.stringify({ id: 'big', pad: 'z'.repeat(4096) });
    const result = await sink.send({ lines: [big, '{"id":"ok"}'] }, { deadline: deadline() });
    expect(result.error).toBeInstanceOf(LineTooLargeError);
    expect(result.rejected).toEqual([big]);
    expect(result.unsent).toEqual([]);
    expect(tap.received.map((request) => request.text)).toEqual(['{"id":"ok"}\n']);

    await tap.close();
    const down = createDataTapSink({
      url: tap.url,
      token: TOKEN,
      maxRetries: 1,
      backoff: { initialMs: 1, maxMs: 1 },
    });
    const refused = await down.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(refused.error).toMatchObject({ name: 'DataTapNetworkError', timedOut: false });
    expect(refused.error?.message).toContain('ECONNREFUSED');
    tap = await startLoopbackTap();
  });

  it('refuses plain http to a non-loopback host', () => {
    expect(() => createDataTapSink({ url: 'http://10.0.0.1/ingest', token: TOKEN })).toThrow(
      DataTapSinkOptionsError,
    );
  });
});
