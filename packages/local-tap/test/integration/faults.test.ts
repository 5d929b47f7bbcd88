import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap, type FaultAction, type FaultRequest, type LocalTap } from '../../src/index.js';
import { eventually, manualTimers, NDJSON, ndjson, send, tempDir } from '../helpers.js';

describe('local tap fault hook', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let tap: LocalTap | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await tap?.stop();
    tap = undefined;
    await cleanup();
  });

  async function startWith(
    faults: (request: FaultRequest) => FaultAction | undefined,
    timers = manualTimers(),
  ): Promise<string> {
    tap = createLocalTap({ outDir: dir }, { faults, timers });
    return (await tap.start()).url;
  }

  async function storedRows(): Promise<number> {
    const result = await (tap as LocalTap).flush();
    return result.rows;
  }

  it('tells the hook the request number, the body bytes and the headers', async () => {
    const seen: FaultRequest[] = [];
    const url = await startWith((request) => {
      seen.push(request);
      return undefined;
    });
    await send(url, { headers: { ...NDJSON, 'x-test': 'one' }, body: '{"a":1}\n' });
    await send(url, { headers: NDJSON, body: '{"a":22}\n' });
    expect(seen.map(({ n, bytes }) => ({ n, bytes }))).toEqual([
      { n: 1, bytes: 8 },
      { n: 2, bytes: 9 },
    ]);
    expect(seen[0]?.headers['x-test']).toBe('one');
    expect(tap?.stats().faults.injected).toBe(0);
  });

  it('answers the injected status, body, content type and headers, and stores nothing for a non-2xx', async () => {
    const url = await startWith(() => ({
      status: 429,
      body: 'slow down',
      contentType: 'text/plain',
      headers: { 'retry-after': '1' },
    }));
    const response = await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(response.status).toBe(429);
    expect(response.body).toBe('slow down');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.headers['retry-after']).toBe('1');
    expect(tap?.stats()).toMatchObject({ accepted: 0, rejected: { fault: 1 }, faults: { injected: 1 } });
    expect(await storedRows()).toBe(0);
  });

  it('answers a JSON error with statusCode for an injected status without a body', async () => {
    const url = await startWith(() => ({ status: 503 }));
    const response = await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(response.json).toEqual({
      statusCode: 503,
      error: 'InjectedFault',
      message: 'Injected fault: HTTP 503',
    });
  });

  it('stores and answers 500 with store: true (the client will send a duplicate)', async () => {
    const url = await startWith(() => ({ status: 500, store: true }));
    const response = await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(response.status).toBe(500);
    expect(tap?.stats().accepted).toBe(1);
    expect(await storedRows()).toBe(1);
  });

  it('keeps the tap own refusal when the hook sets no status', async () => {
    const url = await startWith(() => ({ headers: { 'x-fault': 'yes' } }));
    const response = await send(url, { headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(response.status).toBe(415);
    expect(response.headers['x-fault']).toBe('yes');
    expect(tap?.stats().rejected.badContent).toBe(1);
  });

  it('resets the socket without storing, or after storing with store: true', async () => {
    const url = await startWith(({ n }) => (n === 1 ? { reset: true } : { reset: true, store: true }));
    await expect(send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    await expect(send(url, { headers: NDJSON, body: ndjson([{ a: 2 }]) })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(tap?.stats()).toMatchObject({ accepted: 1, faults: { resets: 2 }, rejected: { fault: 1 } });
    expect(await storedRows()).toBe(1);
  });

  it('truncates the answer after the headers (stored, since the status is 2xx)', async () => {
    const url = await startWith(() => ({ truncate: true }));
    const outcome = await new Promise<{ status: number; error?: string }>((resolve) => {
      const req = request(url, { method: 'POST', headers: NDJSON, agent: false }, (res) => {
        res.on('data', () => {});
        res.on('error', (error) => resolve({ status: res.statusCode ?? 0, error: error.message }));
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.on('error', (error) => resolve({ status: 0, error: error.message }));
      req.end(ndjson([{ a: 1 }]));
    });
    expect(outcome.status).toBe(200);
    expect(outcome.error).toMatch(/aborted/);
    expect(tap?.stats().faults.truncated).toBe(1);
    expect(await storedRows()).toBe(1);
  });

  it('delays the answer by delayMs on the injected timers', async () => {
    const timers = manualTimers();
    const url = await startWith(() => ({ delayMs: 5_000 }), timers);
    let answered = false;
    const pending = send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) }).then((response) => {
      answered = true;
      return response;
    });
    await eventually(() => tap?.stats().faults.delayed === 1);
    expect(timers.pending()).toBe(2); // the delay, and the time threshold of the stored body
    timers.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    timers.advance(1);
    expect((await pending).status).toBe(200);
  });

  it('cuts delays short on stop, answers, and converts what was stored', async () => {
    const url = await startWith(() => ({ delayMs: 3_600_000 }));
    const pending = send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    await eventually(() => tap?.stats().faults.delayed === 1);
    const current = tap as LocalTap;
    await current.stop();
    expect((await pending).status).toBe(200);
    expect(current.stats()).toMatchObject({ accepted: 1, rows: 1 });
  });

  it('gives up the delay when the client goes away', async () => {
    const url = await startWith(() => ({ delayMs: 3_600_000 }));
    const req = request(url, { method: 'POST', headers: NDJSON, agent: false });
    req.on('error', () => {});
    req.end(ndjson([{ a: 1 }]));
    await eventually(() => tap?.stats().faults.delayed === 1);
    req.destroy();
    await eventually(() => tap?.stats().aborted === 1);
    await tap?.stop();
    expect(tap?.stats()).toMatchObject({ accepted: 1, rows: 1, aborted: 1 });
  });
});
