import { describe, expect, it } from 'vitest';
import { isInvoke, type RawAnswer } from '../../src/fast-path.js';
import { answered, withFirstNext } from '../../src/handed-over.js';

const ANSWER: RawAnswer = {
  status: 200,
  headers: { 'lambda-extension-event-identifier': 'e1', 'set-cookie': ['a', 'b'] },
  body: '{"eventType":"INVOKE"}',
};

describe('answered: the entry’s answer read through fetch', () => {
  it('gives the status, the headers (case-insensitive) and the body', async () => {
    const response = await answered(Promise.resolve(ANSWER))('http://x/event/next');
    expect(response.status).toBe(200);
    expect(response.headers.get('Lambda-Extension-Event-Identifier')).toBe('e1');
    expect(response.headers.get('set-cookie')).toBe('a, b');
    expect(response.headers.get('missing')).toBeNull();
    expect(await response.text()).toBe(ANSWER.body);
  });

  it('rejects with the reason of a signal aborted before or while it waits', async () => {
    const before = new AbortController();
    before.abort(new Error('stopped before'));
    await expect(answered(Promise.resolve(ANSWER))('u', { signal: before.signal })).rejects.toThrow(
      'stopped before',
    );
    const during = new AbortController();
    const waiting = answered(new Promise<RawAnswer>(() => undefined))('u', { signal: during.signal });
    during.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });

  it('answers through a signal that is never aborted, and passes a failure on', async () => {
    const signal = new AbortController().signal;
    expect((await answered(Promise.resolve(ANSWER))('u', { signal })).status).toBe(200);
    await expect(answered(Promise.reject(new Error('no answer')))('u', { signal })).rejects.toThrow(
      'no answer',
    );
  });
});

describe('withFirstNext: the entry’s `next` answers read by the Extensions API client', () => {
  it('answers the first event/next calls with the entry’s, in order, one added late included', async () => {
    const second: RawAnswer = { ...ANSWER, body: '{"eventType":"SHUTDOWN"}' };
    const nexts: (Promise<RawAnswer> | undefined)[] = [Promise.resolve(ANSWER)];
    const fetch = withFirstNext(() => nexts);
    const first = await fetch('http://api/2020-01-01/extension/event/next');
    // The entry sends the second `next` when the first event came before main: read it, not a new one.
    nexts.push(Promise.resolve(second));
    const then = await fetch('http://api/2020-01-01/extension/event/next');
    expect(await first.text()).toBe(ANSWER.body);
    expect(await then.text()).toBe(second.body);
  });

  it('answers nothing of the entry’s once it has none (main sends its own from then on)', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('{"eventType":"INVOKE","from":"api"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      const late: (Promise<RawAnswer> | undefined)[] = [];
      const fetch = withFirstNext(() => late);
      const own = await fetch(`http://127.0.0.1:${port}/2020-01-01/extension/event/next`);
      late.push(Promise.resolve(ANSWER)); // too late: main already asked the API itself
      const next = await fetch(`http://127.0.0.1:${port}/2020-01-01/extension/event/next`);
      expect(await own.text()).toContain('"from":"api"');
      expect(await next.text()).toContain('"from":"api"');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('isInvoke', () => {
  it('tells an INVOKE answer from the rest', () => {
    expect(isInvoke(ANSWER)).toBe(true);
    expect(isInvoke({ ...ANSWER, body: '{"eventType":"SHUTDOWN"}' })).toBe(false);
    expect(isInvoke({ ...ANSWER, status: 500 })).toBe(false);
    expect(isInvoke({ ...ANSWER, body: 'not json' })).toBe(false);
  });
});
