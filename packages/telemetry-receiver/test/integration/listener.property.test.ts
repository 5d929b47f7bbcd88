import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryListener, parseTelemetryBatch, type TelemetryListener } from '../../src/index.js';
import { FIXTURES, fixtureText } from '../fixtures/load.js';
import { send } from './http-client.js';

// No body, however broken, crashes the listener: every request gets 200, 400 or 413, the answer
// agrees with parseTelemetryBatch, and the counters add up.

const MAX = 4096;
let listener: TelemetryListener;
let port = 0;
let lastBatch: unknown[] | undefined;

beforeAll(async () => {
  listener = createTelemetryListener(
    { address: '127.0.0.1', port: 0, maxBodyBytes: MAX },
    {
      onBatch: (records) => {
        lastBatch = records;
      },
    },
  );
  ({ port } = await listener.start());
});

afterAll(() => listener.close());

const fixtureBytes = FIXTURES.map((name) => Buffer.from(fixtureText(name), 'utf8'));

const body = fc.oneof(
  fc.uint8Array({ maxLength: 6000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 2000 }).map((text) => Buffer.from(text, 'utf8')),
  fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text, 'utf8')),
  fc
    .array(
      fc.record(
        {
          time: fc.oneof(fc.string(), fc.integer()),
          type: fc.string(),
          record: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 20 },
    )
    .map((records) => Buffer.from(JSON.stringify(records), 'utf8')),
  // fixtures cut short, or with bytes overwritten (invalid UTF-8, broken JSON, sometimes still valid)
  fc
    .record({
      source: fc.constantFrom(...fixtureBytes),
      cut: fc.nat(),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    })
    .map(({ source, cut, flips }) => {
      const copy = Buffer.from(source.subarray(0, Math.max(1, source.length - (cut % 64))));
      for (const [at, value] of flips) copy[at % copy.length] = value;
      return copy;
    }),
);

function expected(bytes: Buffer): { status: number; records?: unknown[] } {
  if (bytes.length > MAX) return { status: 413 };
  try {
    return { status: 200, records: parseTelemetryBatch(bytes) };
  } catch {
    return { status: 400 };
  }
}

describe('listener under arbitrary bodies', () => {
  it('answers every body with 200, 400 or 413 as the parser decides, and keeps counting', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(body, async (bytes) => {
        runs += 1;
        lastBatch = undefined;
        const want = expected(bytes);
        const answer = await send(port, { body: bytes });
        expect(answer.status).toBe(want.status);
        if (want.status === 200) expect(lastBatch).toEqual(want.records);
        else expect(lastBatch).toBeUndefined();
      }),
      { numRuns: 400 },
    );
    const stats = listener.stats();
    expect(stats.batches + stats.rejected.malformed + stats.rejected.tooLarge).toBe(runs);
    expect(stats.inFlight).toBe(0);
    expect(stats.batches).toBeGreaterThan(0);
    expect(stats.rejected.malformed).toBeGreaterThan(0);
    expect(stats.rejected.tooLarge).toBeGreaterThan(0);
  }, 120_000);
});
