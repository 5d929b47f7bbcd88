import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelemetryBuffer, type FlushBatch } from '../../src/index.js';
import { tempDir } from '../support/harness.js';

interface Item {
  type: string;
  id: number;
}

let server: Server;
let url: string;
let received: number[];
let requests: number;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  received = [];
  requests = 0;
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      requests += 1;
      if (requests % 3 === 0) {
        response.writeHead(503).end();
        return;
      }
      for (const text of body.split('\n')) if (text) received.push((JSON.parse(text) as Item).id);
      response.writeHead(200).end('{"statusCode":200}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

async function post(batch: FlushBatch): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${batch.lines.join('\n')}\n`,
  });
  await response.text();
  if (!response.ok) throw new Error(`tap answered ${response.status}`);
}

const options = {
  maxItems: 50,
  maxBytes: 64 * 1024,
  maxAgeMs: 20,
  capacity: { maxRecords: 200, maxBytes: 1024 * 1024 },
  backoff: { initialMs: 5, maxMs: 50 },
};

describe('integration: a flaky local tap and a restart', () => {
  it('delivers every record once, in order, across a restart through the spool', async () => {
    const first = createTelemetryBuffer<Item>(
      { ...options, spool: { dir, segmentBytes: 4 * 1024 } },
      { flush: post },
    );
    await first.open();
    for (let id = 0; id < 1_000; id++) first.push({ type: 'function', id });
    const drained = await first.drain({ deadlineMs: Date.now() + 50 });
    await first.close();
    await first.whenIdle(); // a batch in flight at the deadline may still land: the old process is gone only then
    expect(drained.spooled).toBe(drained.remaining);

    const second = createTelemetryBuffer<Item>(
      { ...options, spool: { dir, segmentBytes: 4 * 1024 } },
      { flush: post },
    );
    const opened = await second.open();
    expect(opened.replayed).toBeLessThanOrEqual(drained.remaining);
    for (let id = 1_000; id < 1_200; id++) second.push({ type: 'function', id });
    const final = await second.drain({ deadlineMs: Date.now() + 10_000 });
    await second.close();

    expect(final.remaining).toBe(0);
    expect(received).toEqual(Array.from({ length: 1_200 }, (_, i) => i));
    expect(first.stats().dropped.records + second.stats().dropped.records).toBe(0);
  }, 30_000);
});
