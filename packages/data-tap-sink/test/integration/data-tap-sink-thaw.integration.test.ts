import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDataTapSink } from '../../src/index.js';

const REQUEST_TIMEOUT_MS = 100;

/** Holds the thread (the event loop) for `ms`, as a freeze does: nothing else runs meanwhile. */
function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: timers come due, the answer waits in the socket
  }
}

let server: Server | undefined;

afterEach(async () => {
  const closing = server;
  server = undefined;
  if (closing === undefined) return;
  closing.closeAllConnections();
  await new Promise<void>((resolve) => closing.close(() => resolve()));
});

describe('data tap sink: an answer waiting in the socket when the request timer fires', () => {
  it('takes the answer, without a timeout or a second request (the thaw after a freeze)', async () => {
    let requests = 0;
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests += 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        // Written to the loopback socket now: readable by the client at its next poll.
        response.end('{"statusCode":200}');
        // Another timer due with the request's (armed after it, so run after it in the same
        // timers phase), slow as timers are at a thaw.
        setTimeout(() => holdLoop(5), REQUEST_TIMEOUT_MS);
        // The loop stalls past the request timeout: at its next turn the request's timer is due
        // and its answer is readable, the order a thaw brings them in.
        holdLoop(REQUEST_TIMEOUT_MS + 50);
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sink = createDataTapSink({
      url: `http://127.0.0.1:${port}/ingest`,
      token: 'integration-token-0123456789',
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });

    const result = await sink.send({ lines: ['{"id":"a"}'] }, { deadline: Date.now() + 30_000 });

    expect(result).toEqual({ delivered: 1, unsent: [], requests: 1, retries: 0 });
    expect(requests).toBe(1);
    expect(sink.stats()).toMatchObject({ timeouts: 0, networkErrors: 0 });
    await sink.close();
  });
});
