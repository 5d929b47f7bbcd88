import { describe, expect, it } from 'vitest';
import type { RawAnswer } from '../../src/fast-path.js';
import { answered } from '../../src/handed-over.js';

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
