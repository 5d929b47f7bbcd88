import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRequestBody } from '../../src/request-body.js';

function fakeRequest(): PassThrough & { complete: boolean } {
  const stream = new PassThrough() as PassThrough & { complete: boolean };
  stream.complete = false;
  stream.on('end', () => {
    stream.complete = true;
  });
  return stream;
}

describe('readRequestBody', () => {
  it('answers the whole body', async () => {
    const req = fakeRequest();
    const reading = readRequestBody(req as unknown as IncomingMessage, 100, 1000);
    req.write('{"a":');
    req.end('1}\n');
    expect(await reading).toEqual({ kind: 'complete', body: Buffer.from('{"a":1}\n'), bytes: 8 });
  });

  it('reads and drops a body past keepLimit to its end', async () => {
    const req = fakeRequest();
    const reading = readRequestBody(req as unknown as IncomingMessage, 4, 1000);
    req.write('12345');
    req.end('678');
    expect(await reading).toEqual({ kind: 'tooLarge', bytes: 8, drained: true });
  });

  it('stops reading past drainLimit', async () => {
    const req = fakeRequest();
    const reading = readRequestBody(req as unknown as IncomingMessage, 4, 6);
    req.write('1234567');
    expect(await reading).toEqual({ kind: 'tooLarge', bytes: 7, drained: false });
    expect(req.isPaused()).toBe(true);
  });

  it('reports a client that went away before the end', async () => {
    const req = fakeRequest();
    const reading = readRequestBody(req as unknown as IncomingMessage, 100, 1000);
    req.write('{"a":');
    req.destroy();
    expect(await reading).toEqual({ kind: 'aborted', bytes: 5 });
  });
});
