import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  DataTapAuthError,
  DataTapHttpError,
  DataTapNetworkError,
  DeadlineExceededError,
  LineTooLargeError,
  SinkClosedError,
} from '../../src/index.js';
import { envelopeLines } from '../fixtures/envelope-lines.js';
import { expectedBatchId, makeSink, TAP_ORIGIN, TOKEN } from './harness.js';
import { ACCEPTED, type Reply, tapReplies } from './tap-nock.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('createDataTapSink: delivery', () => {
  it('posts the lines as one NDJSON body with the tap headers and a content-derived batch id', async () => {
    const lines = envelopeLines(3);
    const seen = tapReplies([ACCEPTED]);
    const { sink, deadline } = makeSink();

    const result = await sink.send({ lines }, { deadline: deadline() });

    const body = `${lines.join('\n')}\n`;
    expect(result).toEqual({ delivered: 3, unsent: [], requests: 1, retries: 0 });
    expect(seen[0]?.body).toBe(body);
    expect(seen[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]?.headers['x-bd-authorization']).toBe(TOKEN);
    expect(seen[0]?.headers['x-bd-batch-id']).toBe(expectedBatchId(body));
    expect(seen[0]?.headers['content-encoding']).toBeUndefined();
  });

  it('sends each batch its own body when sends follow one another or overlap', async () => {
    const batches = [
      ['{"n":1,"pad":"aaaa"}', '{"n":2}'],
      ['{"n":3}'],
      ['{"n":4,"t":"é"}'],
      ['{"n":5}', '{"n":6}'],
    ];
    const seen = tapReplies([[503], ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink();

    // One after the other (the first one retried once), then two in flight at the same time.
    await sink.send({ lines: batches[0] as string[] }, { deadline: deadline() });
    await sink.send({ lines: batches[1] as string[] }, { deadline: deadline() });
    const overlapping = await Promise.all([
      sink.send({ lines: batches[2] as string[] }, { deadline: deadline() }),
      sink.send({ lines: batches[3] as string[] }, { deadline: deadline() }),
    ]);

    expect(overlapping.map((result) => result.delivered)).toEqual([1, 2]);
    const bodies = batches.map((lines) => `${lines.join('\n')}\n`);
    expect(seen.map((request) => request.body)).toEqual([bodies[0], ...bodies]);
    expect(seen.map((request) => request.headers['x-bd-batch-id'])).toEqual(
      [bodies[0], ...bodies].map((body) => expectedBatchId(body as string)),
    );
  });

  it('makes no request for an empty batch', async () => {
    const { sink, deadline } = makeSink();
    expect(await sink.send({ lines: [] }, { deadline: deadline() })).toEqual({
      delivered: 0,
      unsent: [],
      requests: 0,
      retries: 0,
    });
  });

  it('accepts a 204 answer without a body', async () => {
    tapReplies([[204]]);
    const { sink, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.delivered).toBe(1);
  });

  it('splits a batch so that no body exceeds maxBodyBytes, keeping the order', async () => {
    // 12 lines of 318-319 bytes with their newline: three fit in 1024 bytes, four do not.
    const lines = Array.from({ length: 12 }, (_, index) =>
      JSON.stringify({ id: `r${index}`, pad: 'x'.repeat(300) }),
    );
    const seen = tapReplies([ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result).toEqual({ delivered: 12, unsent: [], requests: 4, retries: 0 });
    for (const request of seen) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(1024);
    expect(seen.map((request) => request.body.split('\n').filter(Boolean).length)).toEqual([3, 3, 3, 3]);
    expect(seen.flatMap((request) => request.body.split('\n').filter(Boolean))).toEqual(lines);
  });

  it('returns a line larger than maxBodyBytes in rejected (never in unsent) with a LineTooLargeError, and sends the others', async () => {
    const big = JSON.stringify({ id: 'big', pad: 'x'.repeat(2000) });
    const seen = tapReplies([ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });

    const result = await sink.send({ lines: ['{"id":"a"}', big, '{"id":"b"}'] }, { deadline: deadline() });

    expect(result.delivered).toBe(2);
    expect(result.unsent).toEqual([]);
    expect(result.rejected).toEqual([big]);
    expect(result.error).toBeInstanceOf(LineTooLargeError);
    expect(result.error).toMatchObject({ lineBytes: Buffer.byteLength(big) + 1, maxBodyBytes: 1024 });
    expect(result.error).toMatchObject({ isRetryable: false });
    expect(result.rejectedError).toBe(result.error);
    expect(seen.map((request) => request.body)).toEqual(['{"id":"a"}\n', '{"id":"b"}\n']);
    expect(sink.stats()).toMatchObject({ rejectedLines: 1, unsentLines: 0, droppedLines: 0 });
  });

  it("drops and counts a too-large line with oversizeLines: 'drop'", async () => {
    const big = JSON.stringify({ id: 'big', pad: 'x'.repeat(2000) });
    tapReplies([ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024, oversizeLines: 'drop' });

    const result = await sink.send({ lines: [big, '{"id":"a"}'] }, { deadline: deadline() });

    expect(result.delivered).toBe(1);
    expect(result.unsent).toEqual([]);
    expect(result.rejected).toBeUndefined();
    expect(result.error).toBeInstanceOf(LineTooLargeError);
    expect(sink.stats()).toMatchObject({ droppedLines: 1, rejectedLines: 0 });
  });
});

describe('createDataTapSink: lines the tap will never take', () => {
  const big = JSON.stringify({ id: 'big', pad: 'x'.repeat(2000) });

  it('keeps a rejection apart from the failure that stopped the send: rejected lines are not unsent', async () => {
    tapReplies([[503]]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024, maxRetries: 0 });

    const result = await sink.send({ lines: [big, '{"id":"a"}'] }, { deadline: deadline() });

    expect(result.rejected).toEqual([big]);
    expect(result.unsent).toEqual(['{"id":"a"}']);
    // `error` is what stopped the send (retry later), `rejectedError` why the big line never goes.
    expect(result.error).toMatchObject({ name: 'DataTapHttpError', statusCode: 503, isRetryable: true });
    expect(result.rejectedError).toBeInstanceOf(LineTooLargeError);
    expect(result.rejectedError).toMatchObject({ isRetryable: false });
    expect(sink.stats()).toMatchObject({ rejectedLines: 1, unsentLines: 1 });
  });

  it('rejects every line of a body answered 400, in order, and sends the next body', async () => {
    const lines = Array.from({ length: 4 }, (_, index) =>
      JSON.stringify({ id: `r${index}`, pad: 'y'.repeat(400) }),
    );
    tapReplies([[400, { statusCode: 400, message: 'BadRequest' }], ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result).toMatchObject({ delivered: 2, unsent: [], rejected: lines.slice(0, 2), requests: 2 });
    expect(result.rejectedError).toMatchObject({
      name: 'DataTapHttpError',
      statusCode: 400,
      isRetryable: false,
    });
  });

  it('leaves an oversize line the send did not reach unsent (rejected once it is reached), or drops it with oversizeLines: drop', async () => {
    tapReplies([[503], [503]]);
    const returning = makeSink({ maxBodyBytes: 1024, maxRetries: 0 });
    const kept = await returning.sink.send(
      { lines: ['{"id":"a"}', big] },
      { deadline: returning.deadline() },
    );
    expect(kept).toMatchObject({ delivered: 0, unsent: ['{"id":"a"}', big] });
    expect(kept.rejected).toBeUndefined();

    const dropping = makeSink({ maxBodyBytes: 1024, maxRetries: 0, oversizeLines: 'drop' });
    const dropped = await dropping.sink.send(
      { lines: ['{"id":"a"}', big] },
      { deadline: dropping.deadline() },
    );
    expect(dropped).toMatchObject({ delivered: 0, unsent: ['{"id":"a"}'] });
    expect(dropped.rejected).toBeUndefined();
    expect(dropping.sink.stats().droppedLines).toBe(1);
  });

  it('logs a refusal at error once per kind, the next ones at debug, and no "not fully delivered" warning', async () => {
    tapReplies([ACCEPTED, ACCEPTED, [400], [400]]);
    const { sink, state, deadline } = makeSink({ maxBodyBytes: 1024 });

    await sink.send({ lines: [big, '{"id":"a"}'] }, { deadline: deadline() });
    await sink.send({ lines: [big, '{"id":"b"}'] }, { deadline: deadline() });
    await sink.send({ lines: ['{"id":"c"}'] }, { deadline: deadline() });
    await sink.send({ lines: ['{"id":"d"}'] }, { deadline: deadline() });

    const said = state.logs
      .filter((log) => log.level !== 'debug' || !log.message.startsWith('data tap accepted'))
      .map((log) => `${log.level}:${log.message}`);
    expect(said).toEqual([
      'error:line too large for the tap',
      'debug:line too large for the tap',
      'error:data tap rejected a body for good',
      'debug:data tap rejected a body for good',
    ]);
    expect(sink.stats().rejectedLines).toBe(4);
    expect(JSON.stringify(state.logs)).not.toContain(TOKEN);
  });
});

describe('createDataTapSink: retries', () => {
  it.each([408, 429, 500, 502, 503, 504])(
    'retries a %i with backoff and the same batch id',
    async (status) => {
      const seen = tapReplies([[status, { statusCode: status }], ACCEPTED]);
      const { sink, state, deadline } = makeSink();

      const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

      expect(result).toEqual({ delivered: 1, unsent: [], requests: 2, retries: 1 });
      expect(state.sleeps).toEqual([50]);
      expect(seen[1]?.headers['x-bd-batch-id']).toBe(seen[0]?.headers['x-bd-batch-id']);
    },
  );

  it('retries a network error', async () => {
    nock(TAP_ORIGIN).post('/ingest').replyWithError('socket hang up');
    tapReplies([ACCEPTED]);
    const { sink, deadline } = makeSink();

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(result).toEqual({ delivered: 1, unsent: [], requests: 2, retries: 1 });
    expect(sink.stats().networkErrors).toBe(1);
  });

  it('gives up after maxRetries with exponential full-jitter waits and returns the lines unsent', async () => {
    tapReplies(Array.from({ length: 4 }, (): Reply => [503, 'busy']));
    const { sink, state, deadline } = makeSink({ maxRetries: 3 });

    const result = await sink.send({ lines: ['{"id":"a"}', '{"id":"b"}'] }, { deadline: deadline() });

    expect(result.delivered).toBe(0);
    expect(result.unsent).toEqual(['{"id":"a"}', '{"id":"b"}']);
    expect(result.requests).toBe(4);
    expect(result.retries).toBe(3);
    expect(state.sleeps).toEqual([50, 100, 200]);
    expect(result.error).toBeInstanceOf(DataTapHttpError);
    expect(result.error).toMatchObject({ statusCode: 503, isRetryable: true, body: 'busy' });
  });

  it('caps the backoff at backoff.maxMs', async () => {
    tapReplies([[500], [500], ACCEPTED]);
    const { sink, state, deadline } = makeSink({ backoff: { initialMs: 1000, maxMs: 1500 } });
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(state.sleeps).toEqual([500, 750]);
  });

  it('honours Retry-After in seconds', async () => {
    tapReplies([[429, { statusCode: 429 }, { 'Retry-After': '2' }], ACCEPTED]);
    const { sink, state, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.delivered).toBe(1);
    expect(state.sleeps).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const { sink, state, deadline } = makeSink();
    const at = new Date(state.clock + 3000).toUTCString();
    tapReplies([[503, '', { 'Retry-After': at }], ACCEPTED]);
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(state.sleeps).toEqual([Date.parse(at) - 1_700_000_000_000]);
  });

  it('does not wait for a Retry-After that ends past the deadline: lines come back at once', async () => {
    tapReplies([[429, '', { 'Retry-After': '30' }]]);
    const { sink, state, deadline } = makeSink();

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(5_000) });

    expect(state.sleeps).toEqual([]);
    expect(result.unsent).toEqual(['{"id":"a"}']);
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
    expect((result.error as DeadlineExceededError).cause).toMatchObject({
      statusCode: 429,
      retryAfterMs: 30_000,
    });
  });

  it('gives up rather than wait longer than backoff.maxRetryAfterMs', async () => {
    tapReplies([[503, '', { 'Retry-After': '120' }]]);
    const { sink, state, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(600_000) });
    expect(state.sleeps).toEqual([]);
    expect(result.error).toMatchObject({ statusCode: 503, retryAfterMs: 120_000 });
  });

  it('retries when a 2xx carries a JSON statusCode of 500', async () => {
    tapReplies([[200, { statusCode: 500, message: 'upload failed' }], ACCEPTED]);
    const { sink, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result).toMatchObject({ delivered: 1, requests: 2, retries: 1 });
  });
});

describe('createDataTapSink: caller-given batch ids', () => {
  it('sends the id a caller gives instead of hashing the body, the same on a retry', async () => {
    const lines = envelopeLines(3);
    const seen = tapReplies([[503], ACCEPTED]);
    const { sink, deadline } = makeSink();

    const result = await sink.send({ lines, id: 'env1-0~2' }, { deadline: deadline() });

    expect(result).toMatchObject({ delivered: 3, requests: 2, retries: 1 });
    expect(seen.map((request) => request.headers['x-bd-batch-id'])).toEqual(['env1-0~2', 'env1-0~2']);
  });

  it('gives each body, and each half of a body split after a 413, the id with its line range', async () => {
    const lines = envelopeLines(4);
    const seen = tapReplies([[413, { statusCode: 413 }], ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink();
    await sink.send({ lines, id: 'b7' }, { deadline: deadline() });
    expect(seen.map((request) => request.headers['x-bd-batch-id'])).toEqual(['b7', 'b7:0-2', 'b7:2-4']);

    // A batch larger than maxBodyBytes goes in several bodies: contiguous line ranges.
    const split = tapReplies([ACCEPTED, ACCEPTED]);
    const small = makeSink({ maxBodyBytes: 1024 });
    await small.sink.send({ lines, id: 'b8' }, { deadline: small.deadline() });
    const ids = split.map((request) => request.headers['x-bd-batch-id']);
    expect(ids).toHaveLength(2);
    const cut = Number(/^b8:0-(\d+)$/.exec(String(ids[0]))?.[1]);
    expect(cut).toBeGreaterThan(0);
    expect(ids[1]).toBe(`b8:${cut}-4`);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['too long', 'x'.repeat(129)],
    ['not ASCII', 'é'],
  ])('ignores an id that is %s, says so once and uses the content-derived id', async (_case, id) => {
    const lines = ['{"id":"a"}'];
    const seen = tapReplies([ACCEPTED, ACCEPTED]);
    const { sink, deadline, state } = makeSink();
    await sink.send({ lines, id }, { deadline: deadline() });
    await sink.send({ lines, id }, { deadline: deadline() });
    expect(seen.map((request) => request.headers['x-bd-batch-id'])).toEqual([
      expectedBatchId('{"id":"a"}\n'),
      expectedBatchId('{"id":"a"}\n'),
    ]);
    expect(state.logs.filter((log) => log.message.startsWith('batch id ignored'))).toHaveLength(1);
  });
});

describe('createDataTapSink: 413', () => {
  it('splits the body in two and sends the halves, each with its own stable id', async () => {
    const lines = envelopeLines(4);
    const seen = tapReplies([[413, { statusCode: 413 }], ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink();

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result).toEqual({ delivered: 4, unsent: [], requests: 3, retries: 0 });
    const first = `${lines.slice(0, 2).join('\n')}\n`;
    const second = `${lines.slice(2).join('\n')}\n`;
    expect(seen.map((request) => request.body)).toEqual([`${lines.join('\n')}\n`, first, second]);
    expect(seen[1]?.headers['x-bd-batch-id']).toBe(expectedBatchId(first));
    expect(seen[2]?.headers['x-bd-batch-id']).toBe(expectedBatchId(second));
    expect(sink.stats().splits).toBe(1);
  });

  it('returns a single line the tap calls too large (413) in rejected, not unsent, without a loop', async () => {
    // The two lines go as one body (413), then as two: the first alone gets a 413 again.
    const seen = tapReplies([[413, { statusCode: 413 }], [413, { statusCode: 413 }], ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });
    const lineA = JSON.stringify({ id: 'a', pad: 'y'.repeat(900) });

    const result = await sink.send({ lines: [lineA, '{"id":"b"}'] }, { deadline: deadline() });

    expect(result.unsent).toEqual([]);
    expect(result.rejected).toEqual([lineA]);
    expect(result.delivered).toBe(1);
    expect(result.error).toBeInstanceOf(LineTooLargeError);
    expect(result.rejectedError).toBe(result.error);
    expect((result.error as LineTooLargeError).cause).toBeInstanceOf(DataTapHttpError);
    expect(seen.map((request) => request.body)).toEqual([
      `${lineA}\n{"id":"b"}\n`,
      `${lineA}\n`,
      '{"id":"b"}\n',
    ]);
  });
});

describe('createDataTapSink: answers that are not retried', () => {
  it('returns a 400 body in rejected, not unsent, with its truncated answer, and still sends the next body', async () => {
    tapReplies([[400, `{"statusCode":400,"error":"BadRequest","message":"${'m'.repeat(100)}"}`], ACCEPTED]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024, maxErrorBodyChars: 30 });
    const lineA = JSON.stringify({ id: 'a', pad: 'y'.repeat(700) });
    const lineB = JSON.stringify({ id: 'b', pad: 'y'.repeat(700) });

    const result = await sink.send({ lines: [lineA, lineB] }, { deadline: deadline() });

    expect(result.unsent).toEqual([]);
    expect(result.rejected).toEqual([lineA]);
    expect(result.delivered).toBe(1);
    expect(result.requests).toBe(2);
    expect(result.rejectedError).toBe(result.error);
    expect(result.error).toBeInstanceOf(DataTapHttpError);
    expect(result.error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((result.error as DataTapHttpError).body).toBe('{"statusCode":400,"error":"Bad');
  });

  it.each([401, 403])('turns a %i into a token failure, not retried, everything unsent', async (status) => {
    tapReplies([[status, { statusCode: status, message: 'token expired' }]]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });
    const lines = envelopeLines(8, 200);

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result.requests).toBe(1);
    expect(result.unsent).toEqual(lines);
    expect(result.error).toBeInstanceOf(DataTapAuthError);
    expect(result.error).toMatchObject({ isTokenFailure: true, statusCode: status, isRetryable: false });
    expect(sink.stats().tokenFailures).toBe(1);
  });

  it('treats a 200 whose JSON statusCode is 403 as a token failure', async () => {
    tapReplies([[200, { statusCode: 403, message: 'Forbidden' }]]);
    const { sink, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.error).toMatchObject({ name: 'DataTapAuthError', statusCode: 403 });
    expect(result.unsent).toEqual(['{"id":"a"}']);
  });

  it('treats a 2xx whose JSON statusCode is a 4xx as a failure', async () => {
    tapReplies([[200, { statusCode: 400, message: 'no lines' }]]);
    const { sink, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.error).toMatchObject({ name: 'DataTapHttpError', statusCode: 400, httpStatus: 200 });
    expect(result.delivered).toBe(0);
  });

  it('does not follow a redirect: it is an error and nothing is delivered', async () => {
    const seen = tapReplies([[302, '', { Location: 'https://elsewhere.example.test/' }]]);
    const { sink, deadline } = makeSink();

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });

    expect(seen).toHaveLength(1);
    expect(result.delivered).toBe(0);
    expect(result.error).toMatchObject({ name: 'DataTapHttpError', statusCode: 302, isRetryable: false });
    expect(result.error?.message).toContain('redirect');
  });

  it('does not take an HTML page for a success', async () => {
    tapReplies([[200, '<!doctype html><title>Sign in</title>', { 'Content-Type': 'text/html' }]]);
    const { sink, deadline } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.delivered).toBe(0);
    expect(result.error?.message).toContain('HTML');
  });

  it('stops at a 404: the URL is wrong, so the remaining bodies are not tried', async () => {
    tapReplies([[404, 'Not Found']]);
    const { sink, deadline } = makeSink({ maxBodyBytes: 1024 });
    const lines = envelopeLines(8, 200);

    const result = await sink.send({ lines }, { deadline: deadline() });

    expect(result.requests).toBe(1);
    expect(result.unsent).toEqual(lines);
    expect(result.error).toMatchObject({ statusCode: 404, isRetryable: false });
  });

  it('reads at most 64 KiB of an error answer', async () => {
    tapReplies([[400, 'e'.repeat(200_000)]]);
    const { sink, deadline } = makeSink({ maxErrorBodyChars: 65_536 });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    const body = (result.error as DataTapHttpError).body;
    expect(body.length).toBeGreaterThanOrEqual(1024);
    expect(body.length).toBeLessThanOrEqual(65_536);
  });
});

describe('createDataTapSink: deadline and signal', () => {
  it('sends nothing when the deadline has passed', async () => {
    const { sink, state } = makeSink();
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: state.clock });
    expect(result).toMatchObject({ delivered: 0, unsent: ['{"id":"a"}'], requests: 0 });
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
    expect((result.error as DeadlineExceededError).aborted).toBe(false);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { sink, deadline } = makeSink();
    const result = await sink.send(
      { lines: ['{"id":"a"}'] },
      { deadline: deadline(), signal: AbortSignal.abort() },
    );
    expect(result.error).toMatchObject({ name: 'DeadlineExceededError', aborted: true });
  });

  it('returns the later bodies unsent, in order, when the deadline passes between bodies', async () => {
    const lines = envelopeLines(9, 200);
    const { sink, state, deadline } = makeSink({ maxBodyBytes: 1024 });
    const end = deadline(1_000);
    nock(TAP_ORIGIN)
      .post('/ingest')
      .reply(() => {
        state.clock += 1_000;
        return [200, { statusCode: 200 }];
      });

    const result = await sink.send({ lines }, { deadline: end });

    expect(result.requests).toBe(1);
    expect(result.delivered).toBeGreaterThan(0);
    expect(result.unsent).toEqual(lines.slice(result.delivered));
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
  });

  it('does not retry past the deadline: the wait would end after it', async () => {
    tapReplies([[503]]);
    const { sink, state, deadline } = makeSink({ backoff: { initialMs: 2_000, maxMs: 2_000 } });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline(900) });
    expect(state.sleeps).toEqual([]);
    expect(result.requests).toBe(1);
    expect(result.error).toBeInstanceOf(DeadlineExceededError);
  });
});

describe('createDataTapSink: gzip', () => {
  it('sends gzip bodies with Content-Encoding: gzip and the id of the uncompressed body', async () => {
    const lines = envelopeLines(50);
    const seen = tapReplies([ACCEPTED]);
    const { sink, deadline } = makeSink({ gzip: true, gzipLevel: 9 });

    const result = await sink.send({ lines }, { deadline: deadline() });

    const body = `${lines.join('\n')}\n`;
    expect(result.delivered).toBe(50);
    expect(seen[0]?.headers['content-encoding']).toBe('gzip');
    // nock hands the reply function the decompressed body.
    expect(seen[0]?.body).toBe(body);
    expect(seen[0]?.headers['x-bd-batch-id']).toBe(expectedBatchId(body));
    const stats = sink.stats();
    expect(stats.deliveredRawBytes).toBe(Buffer.byteLength(body));
    expect(stats.deliveredBytes).toBeLessThan(stats.deliveredRawBytes / 3);
    expect(Number(seen[0]?.headers['content-length'])).toBe(stats.deliveredBytes);
  });
});

describe('createDataTapSink: close', () => {
  it('waits for a send in flight, then returns later batches unsent', async () => {
    let release: () => void = () => {};
    nock(TAP_ORIGIN)
      .post('/ingest')
      .reply(
        () =>
          new Promise<[number, string]>((resolve) => {
            release = () => resolve([200, '{"statusCode":200}']);
          }),
      );
    const { sink, deadline } = makeSink();

    const sending = sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = sink.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    expect((await sending).delivered).toBe(1);
    await closing;

    const late = await sink.send({ lines: ['{"id":"b"}'] }, { deadline: deadline() });
    expect(late.unsent).toEqual(['{"id":"b"}']);
    expect(late.error).toBeInstanceOf(SinkClosedError);
  });
});

describe('createDataTapSink: stats', () => {
  it('counts requests, retries, deliveries and the last status', async () => {
    tapReplies([[500], ACCEPTED, ACCEPTED]);
    const { sink, deadline } = makeSink();
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    await sink.send({ lines: ['{"id":"b"}', '{"id":"c"}'] }, { deadline: deadline() });
    expect(sink.stats()).toMatchObject({
      sends: 2,
      requests: 3,
      retries: 1,
      deliveredLines: 3,
      deliveredBytes: 33,
      unsentLines: 0,
      httpErrors: 1,
      breakerState: 'closed',
      lastStatus: 200,
      lastError: { name: 'DataTapHttpError' },
    });
  });

  it('logs accepted batches at debug level and retries at warn level', async () => {
    tapReplies([[503], ACCEPTED]);
    const { sink, state, deadline } = makeSink();
    await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(state.logs.map((entry) => `${entry.level}:${entry.message}`)).toEqual([
      'warn:retrying a batch',
      'debug:data tap accepted a batch',
    ]);
  });
});

describe('createDataTapSink: network error details', () => {
  it('keeps the network error as the cause and names the target without its query', async () => {
    nock(TAP_ORIGIN).post('/ingest').query(true).replyWithError('connect ECONNREFUSED');
    const { sink, deadline } = makeSink({ url: `${TAP_ORIGIN}/ingest?tenant=7`, maxRetries: 0 });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.error).toBeInstanceOf(DataTapNetworkError);
    expect(result.error?.message).toContain('https://tap.example.test/ingest');
    expect(result.error?.message).not.toContain('tenant');
    expect(result.error?.message).toContain('ECONNREFUSED');
    expect((result.error as DataTapNetworkError).timedOut).toBe(false);
    expect((result.error as DataTapNetworkError).cause).toBeInstanceOf(Error);
  });

  it('reports a circuit-open error in place of the failure that opened the breaker', async () => {
    tapReplies([[503]]);
    const { sink, deadline } = makeSink({ breaker: { failureThreshold: 1 } });
    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: deadline() });
    expect(result.error).toBeInstanceOf(CircuitOpenError);
  });
});
