import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelemetryBuffer } from '../../src/index.js';
import { createManualClock, settle } from '../../src/testing/index.js';
import { harness, line, range, rec, tempDir } from '../support/harness.js';

// drain({ leftover: 'drop' }): the caller knows nothing will read the spool again (a Lambda
// environment that ends for good with its /tmp). What the drain could not send is then counted as
// dropped (cause `environment-ended`), not called spooled, and no spool file is left behind.

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const segments = () => readdirSync(dir).filter((name) => name.endsWith('.ndjson'));
const records = (from: number, to: number) => range(from, to).map((n) => rec(n));
const lines = (from: number, to: number) => range(from, to).map((n) => line(n));

describe("drain({ leftover: 'drop' })", () => {
  it('counts what it could not send as dropped (environment-ended) instead of spooling it', async () => {
    const { buffer, clock, recorder } = harness({
      maxItems: 2,
      maxBytes: 10_000,
      spool: { dir },
      backoff: { initialMs: 50 },
    });
    await buffer.open();
    recorder.failNext(1_000);
    buffer.push(records(0, 5));
    const draining = buffer.drain({ deadlineMs: clock.now() + 300, leftover: 'drop' });
    await clock.advance(300);
    expect(await draining).toEqual({ delivered: 0, remaining: 5, spooled: 0 });
    const bytes = lines(0, 5).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
    expect(buffer.takeDropReport()).toMatchObject({
      records: 5,
      bytes,
      byCause: { 'environment-ended': { records: 5, bytes } },
    });
    expect(buffer.stats()).toMatchObject({
      spooled: 0,
      buffered: { records: 0 },
      backlog: { records: 0 },
      dropped: { records: 5 },
    });
    expect(buffer.stats().dropped.byCause['environment-ended']).toBe(5);
    await buffer.close();
    expect(segments()).toEqual([]);
  });

  it('also counts what was spooled earlier (overflow) and deletes those segments', async () => {
    const { buffer, clock, recorder } = harness({
      maxItems: 3,
      maxBytes: 10_000,
      capacity: { maxRecords: 4, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 10)); // 4 in memory, 6 overflow to the spool
    expect(segments()).toHaveLength(1);
    await buffer.flush(); // loads a segment into memory
    expect(recorder.delivered).toEqual(lines(0, 10));
    buffer.push(records(10, 20));
    recorder.failNext(1_000);
    const draining = buffer.drain({ deadlineMs: clock.now() + 10, leftover: 'drop' });
    await clock.advance(10);
    expect(await draining).toEqual({ delivered: 0, remaining: 10, spooled: 0 });
    expect(buffer.stats().dropped.byCause['environment-ended']).toBe(10);
    expect(buffer.stats().spoolDiskBytes).toBe(0);
    expect(segments()).toEqual([]);
  });

  it('counts a batch still in flight at the deadline; its late answer changes nothing', async () => {
    const { buffer, clock, recorder } = harness({
      maxItems: 2,
      maxBytes: 10_000,
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    const release = recorder.holdNext();
    buffer.push(records(0, 5));
    const draining = buffer.drain({ deadlineMs: clock.now() + 100, leftover: 'drop' });
    await clock.advance(100);
    expect(await draining).toEqual({ delivered: 0, remaining: 5, spooled: 0 });
    expect(buffer.stats().dropped.byCause['environment-ended']).toBe(5);
    release(); // the tap took the held batch after all: it is both delivered and counted
    await buffer.whenIdle();
    expect(recorder.delivered).toEqual(lines(0, 2));
    expect(buffer.stats()).toMatchObject({ buffered: { records: 0 }, backlog: { records: 0 } });
    await buffer.close();
    expect(segments()).toEqual([]);
  });

  it('a late failure of a counted batch requeues nothing', async () => {
    const clock = createManualClock();
    let fail = (_: Error): void => {};
    const buffer = createTelemetryBuffer<{ n: number }>(
      { autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () =>
          new Promise((_, reject) => {
            fail = reject;
          }),
      },
    );
    buffer.push([{ n: 0 }, { n: 1 }]);
    const draining = buffer.drain({ deadlineMs: clock.now() + 10, leftover: 'drop' });
    await clock.advance(10);
    expect(await draining).toEqual({ delivered: 0, remaining: 2, spooled: 0 });
    fail(new Error('late'));
    await buffer.whenIdle();
    await settle();
    expect(buffer.stats()).toMatchObject({ buffered: { records: 0 }, dropped: { records: 2 } });
  });

  it('without a spool, drops the rest the same way (nothing left for close)', async () => {
    const { buffer, clock, recorder } = harness({ maxItems: 2, maxBytes: 10_000, autoFlush: false });
    recorder.failNext(1_000);
    buffer.push(records(0, 3));
    const draining = buffer.drain({ deadlineMs: clock.now() + 10, leftover: 'drop' });
    await clock.advance(10);
    expect(await draining).toEqual({ delivered: 0, remaining: 3, spooled: 0 });
    await buffer.close();
    expect(buffer.stats().dropped.byCause).toMatchObject({ 'environment-ended': 3, closed: 0 });
  });

  it('delivers everything it can before the deadline, and drops nothing then', async () => {
    const { buffer, clock, recorder } = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir } });
    await buffer.open();
    buffer.push(records(0, 5));
    expect(await buffer.drain({ deadlineMs: clock.now() + 1_000, leftover: 'drop' })).toEqual({
      delivered: 5,
      remaining: 0,
      spooled: 0,
    });
    expect(recorder.delivered).toEqual(lines(0, 5));
    expect(buffer.takeDropReport()).toBeNull();
  });

  it("keeps spooling by default and with leftover: 'spool'", async () => {
    const { buffer, clock, recorder } = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir } });
    await buffer.open();
    recorder.failNext(1_000);
    buffer.push(records(0, 3));
    const draining = buffer.drain({ deadlineMs: clock.now() + 10, leftover: 'spool' });
    await clock.advance(10);
    expect(await draining).toEqual({ delivered: 0, remaining: 3, spooled: 3 });
    expect(buffer.stats().dropped.byCause['environment-ended']).toBe(0);
  });

  it('after such a drain, close() drops what came in since instead of spooling it', async () => {
    const { buffer, clock } = harness({ maxItems: 100, maxBytes: 10_000, spool: { dir }, autoFlush: false });
    await buffer.open();
    await buffer.drain({ deadlineMs: clock.now(), leftover: 'drop' });
    buffer.push(records(0, 2)); // records Lambda delivers after the drain
    await buffer.close();
    expect(buffer.stats()).toMatchObject({ spooled: 0, dropped: { records: 2 } });
    expect(buffer.stats().dropped.byCause['environment-ended']).toBe(2);
    expect(segments()).toEqual([]);
  });

  it('rejects an unknown leftover', async () => {
    const { buffer, clock } = harness({ maxItems: 2, maxBytes: 10_000 });
    await expect(
      buffer.drain({ deadlineMs: clock.now(), leftover: 'keep' as unknown as 'drop' }),
    ).rejects.toThrow(/Invalid drain option leftover: expected "spool" or "drop" \(got keep\)/);
  });
});
