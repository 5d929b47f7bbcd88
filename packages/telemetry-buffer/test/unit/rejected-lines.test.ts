import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelemetryBuffer, type FlushResult, type Logger } from '../../src/index.js';
import { createManualClock, settle } from '../../src/testing/index.js';
import { harness, line, range, rec, tempDir } from '../support/harness.js';

// Lines the flush callback returns as `rejected` will never be delivered (the destination refuses
// them for good, such as a line larger than its request limit): they leave the buffer at once,
// counted as dropped with cause `rejected`, and hold back nothing behind them (issue #18, item 1:
// put back at the head and retried with backoff, one such line stalled every record behind it).

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const segments = () => readdirSync(dir).filter((name) => name.endsWith('.ndjson'));
const bytesOf = (text: string) => Buffer.byteLength(text) + 1;

function recordingLogger() {
  const logs: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (message: string): void => {
      logs.push({ level, message });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, logs };
}

describe('createTelemetryBuffer: lines rejected for good', () => {
  it('drops them with cause rejected, counts them in stats and the drop report, and never sends them again', async () => {
    const { buffer, recorder } = harness({ maxItems: 100, autoFlush: false });
    buffer.push(range(0, 3).map((n) => rec(n)));
    recorder.rejectNext((text) => text === line(1));

    const outcome = await buffer.flush();
    await buffer.flush();

    expect(outcome).toMatchObject({ batches: 1, delivered: 2, rejected: 1, failed: false, remaining: 0 });
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.delivered).toEqual([line(0), line(2)]);
    expect(buffer.stats()).toMatchObject({
      delivered: 2,
      failedFlushes: 0,
      backoffMs: 0,
      buffered: { records: 0 },
      dropped: { records: 1, bytes: bytesOf(line(1)) },
    });
    expect(buffer.stats().dropped.byCause.rejected).toBe(1);
    expect(buffer.takeDropReport()?.byCause).toEqual({
      rejected: { records: 1, bytes: bytesOf(line(1)) },
    });
  });

  it('a batch whose only problem was a rejected line is a success: the next batches go at once, without backoff', async () => {
    // A record bigger than maxBytes goes alone; the destination refuses it. Before, it came back to
    // the head and was retried with backoff, and nothing behind it went until then.
    const huge = rec(0, 'function', 'h'.repeat(5_000));
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxBytes: 1_000, maxAgeMs: 60_000 });
    recorder.rejectNext((text) => text.length > 1_000);
    const start = clock.now();

    buffer.push([huge, ...range(1, 5).map((n) => rec(n))]);
    await buffer.whenIdle();

    expect(clock.now()).toBe(start); // no timer had to fire
    expect(recorder.calls.map((call) => call.lines.length)).toEqual([1, 2, 2]);
    expect(recorder.delivered).toEqual(range(1, 5).map((n) => line(n)));
    expect(buffer.stats()).toMatchObject({ backoffMs: 0, failedFlushes: 0, buffered: { records: 0 } });
    expect(buffer.stats().dropped.byCause.rejected).toBe(1);
  });

  it('puts unsent lines back at the head (with backoff) but never the rejected ones of the same batch', async () => {
    const { buffer, recorder } = harness({
      maxItems: 100,
      maxAgeMs: 60_000,
      backoff: { jitter: false, initialMs: 100 },
    });
    // line 0 delivered, line 1 rejected, lines 2 and 3 unsent ("retry later").
    recorder.rejectNext((text) => text === line(1), { deliver: 1 });
    buffer.push(range(0, 4).map((n) => rec(n)));

    const outcome = await buffer.flush();
    expect(outcome).toMatchObject({ delivered: 1, rejected: 1, failed: true, remaining: 2 });
    expect(buffer.stats()).toMatchObject({ backoffMs: 100, failedFlushes: 1 });
    await buffer.flush();

    expect(recorder.calls.map((call) => call.lines)).toEqual([
      range(0, 4).map((n) => line(n)),
      [line(2), line(3)],
    ]);
    expect(recorder.delivered).toEqual([line(0), line(2), line(3)]);
    expect(buffer.stats().dropped.byCause.rejected).toBe(1);
    expect(buffer.stats().delivered).toBe(3);
  });

  it('matches rejected lines in order, ignores the ones not in the batch, and keeps a line that is also unsent', async () => {
    const { logger, logs } = recordingLogger();
    const answers: FlushResult[] = [
      { unsent: [line(1)], rejected: [line(1), line(2), 'not in the batch'] },
      undefined,
    ];
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<ReturnType<typeof rec>>(
      { autoFlush: false },
      { flush: async () => answers.shift(), now: clock.now, timers: clock.timers, logger },
    );
    buffer.push(range(0, 3).map((n) => rec(n)));

    const first = await buffer.flush();
    const second = await buffer.flush();

    // line 1 is unsent (retry later wins), line 2 rejected, the stray line ignored with a warning.
    expect(first).toMatchObject({ delivered: 1, rejected: 1, failed: true, remaining: 1 });
    expect(second).toMatchObject({ delivered: 1, rejected: 0, failed: false, remaining: 0 });
    expect(buffer.stats().dropped.byCause.rejected).toBe(1);
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'flush returned rejected lines that are not in the batch (or out of order); ignored them',
    });
    expect(logs).toContainEqual({ level: 'debug', message: 'flush rejected lines for good; dropped' });
  });

  it('an empty rejected list changes nothing', async () => {
    const buffer = createTelemetryBuffer<ReturnType<typeof rec>>(
      { autoFlush: false },
      { flush: async () => ({ unsent: [], rejected: [] }) },
    );
    buffer.push(rec(0));
    expect(await buffer.flush()).toMatchObject({ delivered: 1, rejected: 0, failed: false });
    expect(buffer.stats().dropped.records).toBe(0);
  });
});

describe('createTelemetryBuffer: rejected lines and the spool', () => {
  it('releases rejected lines from the spool as delivered ones are: nothing is left for a next process', async () => {
    const first = harness({
      maxItems: 2,
      maxBytes: 10_000,
      capacity: { maxRecords: 2, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await first.buffer.open();
    first.buffer.push(range(0, 6).map((n) => rec(n)));
    expect(first.buffer.stats().backlog.records).toBe(4);
    // Batches of two: [0, 1] from memory, then [2, 3] and [4, 5] loaded back from the spool.
    first.recorder.rejectNext((text) => text === line(0));
    first.recorder.rejectNext((text) => text === line(3));
    first.recorder.rejectNext((text) => text === line(4));

    const outcome = await first.buffer.flush();

    expect(outcome).toMatchObject({ batches: 3, delivered: 3, rejected: 3, failed: false, remaining: 0 });
    expect(first.recorder.delivered).toEqual([line(1), line(2), line(5)]);
    expect(first.buffer.stats().dropped.byCause.rejected).toBe(3);
    expect(first.buffer.stats()).toMatchObject({ backlog: { records: 0 }, spoolDiskBytes: 0 });
    await first.buffer.close();
    expect(segments()).toHaveLength(0);
    const second = harness({ maxItems: 100, spool: { dir }, autoFlush: false });
    expect((await second.buffer.open()).replayed).toBe(0);
  });

  it('a batch spooled at the drain deadline whose late answer rejects a line: the spooled copy goes, the line is counted once', async () => {
    let answer = (_: FlushResult): void => {};
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<ReturnType<typeof rec>>(
      { maxItems: 5, spool: { dir }, autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () =>
          new Promise<FlushResult>((resolve) => {
            answer = resolve;
          }),
      },
    );
    buffer.push([rec(0), rec(1)]);
    const draining = buffer.drain({ deadlineMs: clock.now() + 100 });
    await clock.advance(100);
    expect(await draining).toEqual({ delivered: 0, remaining: 2, spooled: 2 });
    expect(segments()).toHaveLength(1);

    answer({ unsent: [], rejected: [line(1)] });
    await settle();
    await buffer.whenIdle();

    expect(segments()).toHaveLength(0);
    expect(buffer.stats().dropped.byCause.rejected).toBe(1);
  });

  it('a late answer that leaves the spooled copy in place counts its rejected lines when that copy is refused again, not now', async () => {
    let answer = (_: FlushResult): void => {};
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<ReturnType<typeof rec>>(
      { maxItems: 5, spool: { dir }, autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () =>
          new Promise<FlushResult>((resolve) => {
            answer = resolve;
          }),
      },
    );
    buffer.push([rec(0), rec(1), rec(2)]);
    const draining = buffer.drain({ deadlineMs: clock.now() + 100 });
    await clock.advance(100);
    await draining;

    answer({ unsent: [line(2)], rejected: [line(1)] });
    await settle();
    await buffer.whenIdle();

    expect(buffer.stats().dropped.byCause.rejected).toBe(0);
    expect(segments()).toHaveLength(1);
  });

  it('a batch counted environment-ended at a drop drain is not counted again when its late answer rejects a line', async () => {
    let answer = (_: FlushResult): void => {};
    const clock = createManualClock();
    const buffer = createTelemetryBuffer<ReturnType<typeof rec>>(
      { maxItems: 5, autoFlush: false },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () =>
          new Promise<FlushResult>((resolve) => {
            answer = resolve;
          }),
      },
    );
    buffer.push([rec(0), rec(1)]);
    const draining = buffer.drain({ deadlineMs: clock.now() + 100, leftover: 'drop' });
    await clock.advance(100);
    await draining;

    answer({ unsent: [], rejected: [line(0)] });
    await settle();
    await buffer.whenIdle();

    expect(buffer.stats().dropped.byCause).toMatchObject({ 'environment-ended': 2, rejected: 0 });
  });
});
