import { describe, expect, it } from 'vitest';
import { createTelemetryBuffer, type FlushBatch } from '../../src/index.js';
import { lineCost } from '../../src/line-queue.js';
import { createFlushRecorder, createManualClock, settle } from '../../src/testing/index.js';
import { harness, line, range, rec } from '../support/harness.js';

describe('createTelemetryBuffer: triggers', () => {
  it('flushes when maxItems is reached', async () => {
    const { buffer, recorder } = harness({ maxItems: 3, maxAgeMs: 60_000 });
    buffer.push([rec(0), rec(1)]);
    await settle();
    expect(recorder.calls).toHaveLength(0);
    buffer.push(rec(2));
    await buffer.whenIdle();
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ lines: [line(0), line(1), line(2)], reason: 'max-items' });
    expect(buffer.stats()).toMatchObject({ pushed: 3, delivered: 3, batches: 1, buffered: { records: 0 } });
  });

  it('flushes when maxBytes is reached and counts bytes as UTF-8 plus newline', async () => {
    const size = Buffer.byteLength(line(0, 'function', 'é')) + 1;
    const { buffer, recorder } = harness({ maxItems: 100, maxBytes: size * 2, maxAgeMs: 60_000 });
    buffer.push(rec(0, 'function', 'é'));
    expect(buffer.stats().buffered).toEqual({ records: 1, bytes: size });
    buffer.push(rec(1, 'function', 'é'));
    await buffer.whenIdle();
    expect(recorder.calls[0]).toMatchObject({ bytes: size * 2, reason: 'max-bytes' });
  });

  it('never cuts a batch over maxItems or maxBytes', async () => {
    const size = line(10).length + 1;
    const { buffer, recorder } = harness({
      maxItems: 4,
      maxBytes: size * 3,
      maxAgeMs: 60_000,
      autoFlush: false,
    });
    buffer.push(range(10, 30).map((n) => rec(n)));
    const outcome = await buffer.flush();
    expect(outcome).toMatchObject({
      reason: 'manual',
      batches: 7,
      delivered: 20,
      failed: false,
      remaining: 0,
    });
    for (const call of recorder.calls) {
      expect(call.lines.length).toBeLessThanOrEqual(3);
      expect(call.bytes).toBeLessThanOrEqual(size * 3);
    }
    expect(recorder.delivered).toEqual(range(10, 30).map((n) => line(n)));
  });

  it('flushes when the oldest record reaches maxAgeMs, and not before', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 100, maxAgeMs: 1_000 });
    buffer.push(rec(0));
    await clock.advance(400);
    buffer.push(rec(1));
    await clock.advance(599);
    expect(recorder.calls).toHaveLength(0);
    await clock.advance(1);
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ lines: [line(0), line(1)], reason: 'max-age' });
    // the next record starts a new age window
    buffer.push(rec(2));
    await clock.advance(999);
    expect(recorder.calls).toHaveLength(1);
    await clock.advance(1);
    expect(recorder.calls).toHaveLength(2);
  });

  it('cuts by age again for what is left after a size-bounded batch', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxAgeMs: 100 });
    buffer.push(rec(0));
    await clock.advance(100);
    expect(recorder.calls.map((c) => c.reason)).toEqual(['max-age']);
    buffer.push([rec(1), rec(2), rec(3)]);
    await clock.advance(100);
    expect(recorder.calls.map((c) => c.reason)).toEqual(['max-age', 'max-items', 'max-age']);
    expect(recorder.delivered).toEqual(range(0, 4).map((n) => line(n)));
  });

  it('with autoFlush false sends only on demand and arms no timer', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxAgeMs: 10, autoFlush: false });
    buffer.push(range(0, 5).map((n) => rec(n)));
    await clock.advance(1_000);
    expect(recorder.calls).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    const outcome = await buffer.flush('invoke');
    expect(outcome).toMatchObject({ reason: 'invoke', batches: 3, delivered: 5 });
    expect(recorder.calls.every((c) => c.reason === 'invoke')).toBe(true);
  });

  it('sends a record bigger than maxBytes alone and counts it', async () => {
    const { buffer, recorder } = harness({ maxItems: 10, maxBytes: 60, autoFlush: false });
    buffer.push([rec(0), rec(1, 'function', 'x'.repeat(100)), rec(2)]);
    await buffer.flush();
    expect(recorder.calls.map((c) => c.lines.length)).toEqual([1, 1, 1]);
    expect(buffer.stats().oversized).toBe(1);
  });

  it('uses a custom serializer and drops records it cannot serialize, with a cause', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const { buffer, recorder } = harness(
      { autoFlush: false },
      {
        logger,
        serialize: (r) => {
          if (r.n === 1) throw new Error('cycle');
          if (r.n === 2) return 'two\nlines';
          if (r.n === 3) return undefined as unknown as string;
          return `N${r.n}`;
        },
      },
    );
    buffer.push(range(0, 5).map((n) => rec(n)));
    await buffer.flush();
    expect(recorder.delivered).toEqual(['N0', 'N4']);
    expect(buffer.stats().dropped).toMatchObject({ records: 3, byCause: { serialize: 3 } });
    expect(warnings).toHaveLength(3);
  });

  it('drops a value JSON.stringify cannot serialize (default serializer)', () => {
    const { buffer } = harness({ autoFlush: false });
    buffer.push(undefined as never);
    buffer.push({ n: 1n } as never);
    expect(buffer.stats().dropped.byCause.serialize).toBe(2);
  });

  it('works with the global clock and timers by default', async () => {
    const batches: FlushBatch[] = [];
    const buffer = createTelemetryBuffer<{ a: number }>(
      { maxAgeMs: 1 },
      {
        flush: async (batch) => {
          batches.push(batch);
        },
      },
    );
    buffer.push({ a: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await buffer.whenIdle();
    expect(batches).toHaveLength(1);
    await buffer.close();
  });

  it('an explicit flush of an empty buffer does nothing', async () => {
    const { buffer, recorder } = harness({});
    expect(await buffer.flush()).toEqual({
      reason: 'manual',
      batches: 0,
      delivered: 0,
      rejected: 0,
      failed: false,
      remaining: 0,
    });
    expect(recorder.calls).toHaveLength(0);
  });
});

describe('createTelemetryBuffer: the memory bound', () => {
  it('counts what records cost in the heap: lines with a character above U+00FF take twice the room', () => {
    const ascii = (n: number) => rec(n, 'function', 'x'.repeat(200));
    const wide = (n: number) => rec(n, 'function', `${'x'.repeat(199)}€`);
    const asciiLine = JSON.stringify(ascii(0));
    const perLine = lineCost(asciiLine, asciiLine.length + 1);
    const options = {
      maxItems: 100,
      maxBytes: 10 * perLine,
      capacity: { maxRecords: 100, maxBytes: 10 * perLine, reserveBytes: 0 },
      overflow: 'drop' as const,
      autoFlush: false,
    };
    const a = harness(options);
    a.buffer.push(range(0, 20).map(ascii));
    expect(a.buffer.stats().buffered.records).toBe(10);
    const w = harness(options);
    w.buffer.push(range(0, 20).map(wide));
    // the UTF-8 size is about the same (2 bytes more), the heap cost about twice
    expect(w.buffer.stats().buffered.records).toBe(5);
    expect(w.buffer.stats().memoryBytes).toBeLessThanOrEqual(10 * perLine);
    expect(w.buffer.stats().dropped.byCause.capacity).toBe(15);
  });
});

describe('createTelemetryBuffer: ordering, failures and retries', () => {
  it('keeps one flush in flight; batches leave in push order', async () => {
    const { buffer, recorder } = harness({ maxItems: 2, maxAgeMs: 60_000 });
    const release = recorder.holdNext();
    buffer.push(range(0, 6).map((n) => rec(n)));
    await settle();
    expect(recorder.calls).toHaveLength(1);
    expect(buffer.stats().inFlight.records).toBe(2);
    release();
    await buffer.whenIdle();
    expect(recorder.calls.map((c) => c.lines)).toEqual([
      [line(0), line(1)],
      [line(2), line(3)],
      [line(4), line(5)],
    ]);
  });

  it('puts a rejected batch back at the head, in order, ahead of newer records', async () => {
    const { buffer, recorder, clock } = harness({
      maxItems: 2,
      maxAgeMs: 60_000,
      backoff: { initialMs: 100, jitter: false },
    });
    recorder.failNext(1);
    buffer.push([rec(0), rec(1)]);
    await buffer.whenIdle();
    expect(buffer.stats()).toMatchObject({ failedFlushes: 1, delivered: 0, buffered: { records: 2 } });
    buffer.push([rec(2), rec(3)]);
    await buffer.whenIdle();
    expect(recorder.calls).toHaveLength(1); // waiting for the backoff
    await clock.advance(100);
    expect(recorder.delivered).toEqual(range(0, 4).map((n) => line(n)));
    expect(recorder.calls[1]?.reason).toBe('retry');
  });

  it('backs off exponentially between automatic attempts instead of spinning', async () => {
    const { buffer, recorder, clock } = harness({
      maxItems: 1,
      maxAgeMs: 60_000,
      backoff: { initialMs: 100, maxMs: 400, jitter: false },
    });
    recorder.failNext(5);
    buffer.push(rec(0));
    await buffer.whenIdle();
    const attemptsAt: number[] = [clock.now()];
    const start = clock.now();
    for (let t = 0; t < 2_000; t += 10) {
      const before = recorder.calls.length;
      await clock.advance(10);
      if (recorder.calls.length > before) attemptsAt.push(clock.now());
      buffer.push([]); // pushes while backing off start nothing
    }
    expect(attemptsAt.map((t) => t - start)).toEqual([0, 100, 300, 700, 1_100, 1_500]);
    expect(recorder.delivered).toEqual([line(0)]);
    expect(buffer.stats().backoffMs).toBe(0);
  });

  it('reports the current backoff in stats and resets it on success', async () => {
    const { buffer, recorder } = harness({ maxItems: 1, backoff: { initialMs: 50, jitter: false } });
    recorder.failNext(2);
    buffer.push(rec(0));
    await buffer.whenIdle();
    expect(buffer.stats().backoffMs).toBe(50);
    const outcome = await buffer.flush();
    expect(outcome.failed).toBe(true);
    expect(buffer.stats().backoffMs).toBe(100);
    await buffer.flush();
    expect(buffer.stats().backoffMs).toBe(0);
  });

  it('applies jitter from the injected random source', async () => {
    const { buffer, recorder } = harness(
      { maxItems: 1, backoff: { initialMs: 1_000, jitter: true } },
      { random: () => 0 },
    );
    recorder.failNext(1);
    buffer.push(rec(0));
    await buffer.whenIdle();
    expect(buffer.stats().backoffMs).toBe(500);
  });

  it('an explicit flush bypasses the backoff and reports the failure without rejecting', async () => {
    const { buffer, recorder } = harness({
      maxItems: 1,
      backoff: { initialMs: 60_000, maxMs: 60_000, jitter: false },
    });
    const boom = new Error('503');
    recorder.failNext(2, boom);
    buffer.push(rec(0));
    await buffer.whenIdle();
    const failed = await buffer.flush('invoke');
    expect(failed).toMatchObject({ failed: true, error: boom, delivered: 0, remaining: 1, batches: 1 });
    const ok = await buffer.flush('invoke');
    expect(ok).toMatchObject({ failed: false, delivered: 1, remaining: 0 });
    expect(recorder.delivered).toEqual([line(0)]);
  });

  it('puts only the unsent lines of a partial flush back, in order', async () => {
    const { buffer, recorder } = harness({ maxItems: 4, autoFlush: false });
    recorder.partialNext(1);
    buffer.push(range(0, 6).map((n) => rec(n)));
    const first = await buffer.flush();
    expect(first).toMatchObject({ failed: true, delivered: 1, remaining: 5 });
    expect((first.error as Error).message).toMatch(/3 of 4 lines unsent/);
    await buffer.flush();
    expect(recorder.delivered).toEqual(range(0, 6).map((n) => line(n)));
    expect(buffer.stats()).toMatchObject({ delivered: 6, failedFlushes: 1 });
  });

  it('warns once per run of thrown flushes; unsent lines the flush returned are logged at debug', async () => {
    const logs: string[] = [];
    const log = (level: string) => (m: string) => logs.push(`${level}:${m}`);
    const clock = createManualClock();
    let mode: 'throw' | 'unsent' | 'ok' = 'throw';
    const buffer = createTelemetryBuffer<{ n: number }>(
      { autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
        flush: async (batch) => {
          if (mode === 'throw') throw new Error('tap down');
          return mode === 'unsent' ? { unsent: batch.lines } : undefined;
        },
      },
    );
    buffer.push({ n: 1 });
    await buffer.flush();
    await buffer.flush();
    await buffer.flush();
    const failed = 'flush failed; lines kept at the head';
    expect(logs).toEqual([`warn:${failed}`, `debug:${failed}`, `debug:${failed}`]);
    mode = 'ok';
    await buffer.flush();
    mode = 'throw';
    buffer.push({ n: 2 });
    await buffer.flush();
    mode = 'unsent';
    await buffer.flush();
    expect(logs.slice(3)).toEqual([`warn:${failed}`, `debug:${failed}`]);
  });

  it('ignores unsent lines that were not in the batch', async () => {
    const warnings: string[] = [];
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<{ n: number }>(
      { autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
        flush: async () => ({ unsent: ['{"n":99}'] }),
      },
    );
    buffer.push({ n: 1 });
    const outcome = await buffer.flush();
    expect(outcome).toMatchObject({ failed: false, delivered: 1, remaining: 0 });
    expect(warnings[0]).toMatch(/not in the batch/);
  });

  it('treats a flush that throws synchronously as a rejection', async () => {
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<{ n: number }>(
      { autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () => {
          throw new Error('sync');
        },
      },
    );
    buffer.push({ n: 1 });
    expect(await buffer.flush()).toMatchObject({ failed: true, remaining: 1 });
  });

  it('whenIdle waits for queued flushes', async () => {
    const { buffer, recorder } = harness({ autoFlush: false, maxItems: 1 });
    const release = recorder.holdNext();
    buffer.push([rec(0), rec(1)]);
    const flushed = buffer.flush();
    let idle = false;
    const waiting = buffer.whenIdle().then(() => {
      idle = true;
    });
    await settle();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect((await flushed).delivered).toBe(2);
  });
});

describe('createTelemetryBuffer: drop policy', () => {
  it('past capacity evicts lower-priority records for higher-priority ones, and counts both', async () => {
    const { buffer, recorder } = harness({
      maxItems: 2,
      maxBytes: 100,
      capacity: { maxRecords: 3, maxBytes: 10_000 },
      autoFlush: false,
    });
    buffer.push([rec(0), rec(1, 'platform.start'), rec(2)]);
    buffer.push(rec(3, 'platform.report')); // evicts rec 0
    buffer.push(rec(4, 'function', '2024-01-01T00:00:00.000Z\tid\tERROR\tboom')); // evicts rec 2
    buffer.push(rec(5)); // nothing lower to evict: dropped
    expect(buffer.stats().dropped.byCause).toMatchObject({ evicted: 2, capacity: 1 });
    await buffer.flush();
    expect(recorder.delivered.map((l) => JSON.parse(l).n)).toEqual([1, 3, 4]);
  });

  it('counts the batch in flight against the memory bound', async () => {
    const { buffer, recorder } = harness({
      maxItems: 2,
      maxBytes: 1000,
      capacity: { maxRecords: 3, maxBytes: 1e6 },
    });
    const release = recorder.holdNext();
    buffer.push([rec(0), rec(1)]);
    await settle();
    buffer.push([rec(2), rec(3)]);
    expect(buffer.stats().dropped.byCause.capacity).toBe(1);
    release();
    await buffer.whenIdle();
  });

  it('bounds bytes as well as records', () => {
    const { buffer } = harness({
      maxItems: 1,
      maxBytes: 10,
      capacity: { maxRecords: 100, maxBytes: 60 },
      autoFlush: false,
    });
    buffer.push(range(0, 10).map((n) => rec(n)));
    const { buffered, dropped } = buffer.stats();
    expect(buffered.bytes).toBeLessThanOrEqual(60);
    expect(buffered.records + dropped.records).toBe(10);
  });

  it('accepts one record bigger than the whole capacity when memory is empty', () => {
    const { buffer } = harness({
      maxItems: 1,
      maxBytes: 10,
      capacity: { maxRecords: 1, maxBytes: 10 },
      autoFlush: false,
    });
    buffer.push(rec(0, 'function', 'x'.repeat(50)));
    expect(buffer.stats().buffered.records).toBe(1);
  });

  it('uses a custom priority and survives one that throws or returns NaN', () => {
    const { buffer } = harness(
      { maxItems: 1, maxBytes: 1000, capacity: { maxRecords: 2, maxBytes: 1e6 }, autoFlush: false },
      {
        priority: (r) => {
          if (r.n === 9) throw new Error('bad');
          return r.n === 8 ? Number.NaN : r.n;
        },
      },
    );
    buffer.push([rec(5), rec(1), rec(7)]); // 7 evicts 1
    buffer.push([rec(9), rec(8)]); // priority 0: dropped
    expect(buffer.stats().dropped.byCause).toMatchObject({ evicted: 1, capacity: 2 });
  });

  it('turns drops into a report per period', () => {
    const { buffer, clock } = harness({
      maxItems: 1,
      maxBytes: 1000,
      capacity: { maxRecords: 1, maxBytes: 1e6 },
      autoFlush: false,
    });
    expect(buffer.takeDropReport()).toBeNull();
    buffer.push([rec(0), rec(1), rec(2)]);
    const report = buffer.takeDropReport();
    expect(report).toEqual({
      since: 1_000_000,
      until: 1_000_000,
      records: 2,
      bytes: 2 * (line(1).length + 1),
      byCause: { capacity: { records: 2, bytes: 2 * (line(1).length + 1) } },
    });
    expect(buffer.takeDropReport()).toBeNull();
    void clock;
  });
});

describe('createTelemetryBuffer: drain and close without a spool', () => {
  it('drain delivers everything before the deadline', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxAgeMs: 60_000 });
    buffer.push(range(0, 5).map((n) => rec(n)));
    const result = await buffer.drain({ deadlineMs: clock.now() + 1_000 });
    expect(result).toEqual({ delivered: 5, remaining: 0, spooled: 0 });
    expect(recorder.delivered).toHaveLength(5);
  });

  it('drain retries failures with backoff until the deadline and reports what remained', async () => {
    const { buffer, recorder, clock } = harness({
      maxItems: 10,
      autoFlush: false,
      backoff: { initialMs: 100 },
    });
    recorder.failNext(100);
    buffer.push(range(0, 3).map((n) => rec(n)));
    const draining = buffer.drain({ deadlineMs: clock.now() + 1_000 });
    await clock.advance(1_000);
    expect(await draining).toEqual({ delivered: 0, remaining: 3, spooled: 0 });
    expect(recorder.calls.length).toBeGreaterThan(2);
    expect(recorder.calls.length).toBeLessThan(10);
  });

  it('drain stops waiting for a hung flush at the deadline', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 10, autoFlush: false });
    const release = recorder.holdNext();
    buffer.push(range(0, 3).map((n) => rec(n)));
    const draining = buffer.drain({ deadlineMs: clock.now() + 500 });
    await clock.advance(500);
    expect(await draining).toEqual({ delivered: 0, remaining: 3, spooled: 0 });
    release();
    await buffer.whenIdle();
    expect(buffer.stats().delivered).toBe(3);
  });

  it('drain with a past deadline sends nothing', async () => {
    const { buffer, recorder, clock } = harness({ autoFlush: false });
    buffer.push(rec(0));
    expect(await buffer.drain({ deadlineMs: clock.now() })).toEqual({
      delivered: 0,
      remaining: 1,
      spooled: 0,
    });
    expect(recorder.calls).toHaveLength(0);
  });

  it('drain rejects a deadline that is not a number', async () => {
    const { buffer } = harness({});
    await expect(buffer.drain({ deadlineMs: Number.NaN })).rejects.toThrow(/deadlineMs/);
  });

  it('after drain the buffer stays quiet until the next push', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 1, maxAgeMs: 10 });
    recorder.failNext(1);
    buffer.push(rec(0));
    await buffer.whenIdle();
    await buffer.drain({ deadlineMs: clock.now() });
    await clock.advance(10_000);
    expect(recorder.calls).toHaveLength(1);
    buffer.push(rec(1));
    await buffer.whenIdle();
    expect(recorder.delivered).toEqual([line(0), line(1)]);
  });

  it('close waits for the flush in flight, stops timers and counts what is left as dropped', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxAgeMs: 1_000 });
    const release = recorder.holdNext();
    buffer.push(range(0, 3).map((n) => rec(n)));
    await settle();
    const closing = buffer.close();
    await settle();
    release();
    await closing;
    expect(clock.pending()).toBe(0);
    expect(recorder.delivered).toEqual([line(0), line(1)]);
    expect(buffer.stats().dropped.byCause.closed).toBe(1);
    buffer.push(rec(9));
    expect(buffer.stats().dropped.byCause.closed).toBe(2);
    expect(await buffer.flush()).toMatchObject({ batches: 0 });
    await buffer.close();
  });

  it('counts a hung batch that fails after close as dropped', async () => {
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
    const draining = buffer.drain({ deadlineMs: clock.now() + 100 });
    await clock.advance(100);
    expect(await draining).toEqual({ delivered: 0, remaining: 2, spooled: 0 });
    await buffer.close();
    fail(new Error('late'));
    await settle();
    expect(buffer.stats().dropped.byCause.closed).toBe(2);
  });

  it('open without a spool reports nothing to replay', async () => {
    const { buffer } = harness({});
    expect(await buffer.open()).toEqual({ replayed: 0, corruptSegments: 0 });
  });
});

describe('testing helpers', () => {
  it('the manual clock clears timers', async () => {
    const clock = createManualClock();
    let fired = 0;
    const handle = clock.timers.setTimeout(() => fired++, 10);
    clock.timers.setTimeout(() => fired++, 20);
    clock.timers.clearTimeout(handle);
    clock.timers.clearTimeout(12345);
    await clock.advance(30);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(30);
  });

  it('the recorder fails with a default error', async () => {
    const recorder = createFlushRecorder();
    recorder.failNext();
    await expect(recorder.flush({ lines: ['a'], bytes: 2, reason: 'x' })).rejects.toThrow(/scripted/);
  });
});
