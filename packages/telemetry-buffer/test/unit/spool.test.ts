import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelemetryBuffer, type Logger } from '../../src/index.js';
import { lineCost } from '../../src/line-queue.js';
import { nodeFs, type SpoolFs } from '../../src/spool-fs.js';
import { createFlushRecorder, createManualClock, settle } from '../../src/testing/index.js';
import { harness, line, range, rec, tempDir } from '../support/harness.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const segments = () =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.ndjson'))
    .sort();
const lines = (from: number, to: number) => range(from, to).map((n) => line(n));
const records = (from: number, to: number) => range(from, to).map((n) => rec(n));

function recordingLogger() {
  const messages: string[] = [];
  const log = (message: string) => {
    messages.push(message);
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  return { logger, messages };
}

describe('spool: overflow past capacity', () => {
  it('spills to disk past capacity and delivers memory first, then the spool, in order', async () => {
    const { buffer, recorder } = harness({
      maxItems: 3,
      maxBytes: 10_000,
      capacity: { maxRecords: 4, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 10));
    expect(buffer.stats()).toMatchObject({ buffered: { records: 4 }, backlog: { records: 6 }, spooled: 6 });
    expect(segments()).toHaveLength(1);
    buffer.push(rec(10)); // a backlog exists: newer records follow it on disk
    expect(buffer.stats().buffered.records).toBe(4);
    await buffer.flush();
    expect(recorder.delivered).toEqual(lines(0, 11));
    expect(segments()).toHaveLength(0);
    expect(buffer.stats()).toMatchObject({ spoolDiskBytes: 0, backlog: { records: 0, segments: 0 } });
  });

  it('rotates segments at segmentBytes and loads them back as memory frees up', async () => {
    const { buffer, recorder } = harness({
      maxItems: 2,
      maxBytes: 10_000,
      capacity: { maxRecords: 2, maxBytes: 10_000 },
      spool: { dir, segmentBytes: 120 },
    });
    await buffer.open();
    buffer.push(records(0, 12));
    expect(segments().length).toBeGreaterThan(2);
    await buffer.whenIdle();
    expect(recorder.delivered).toEqual(lines(0, 12));
    expect(recorder.calls.map((c) => c.reason)).toContain('backlog');
    expect(segments()).toHaveLength(0);
  });

  it('deletes a segment only after its lines were flushed successfully', async () => {
    const { buffer, recorder } = harness({
      maxItems: 10,
      maxBytes: 10_000,
      capacity: { maxRecords: 10, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 15));
    recorder.partialNext(10); // the memory batch goes through
    recorder.failNext(1); // the batch loaded from the spool fails
    const failed = await buffer.flush();
    expect(failed).toMatchObject({ failed: true, delivered: 10 });
    expect(segments()).toHaveLength(1);
    recorder.partialNext(2);
    await buffer.flush();
    expect(segments()).toHaveLength(1);
    await buffer.flush();
    expect(segments()).toHaveLength(0);
    expect(recorder.delivered).toEqual(lines(0, 15));
  });

  it('keeps reserved records in memory, ahead of the backlog, when the rest overflows to a failing spool', async () => {
    const size = line(0).length + 1;
    const cost = lineCost(line(0), size);
    const own = lineCost(line(900, 'dataTaps.dropped'), line(900, 'dataTaps.dropped').length + 1);
    const { buffer, recorder } = harness({
      maxItems: 100,
      maxBytes: size * 2,
      capacity: { maxRecords: 100, maxBytes: cost * 2, reserveBytes: own * 2 },
      spool: { dir: join(dir, 'missing', 'x'), maxBytes: 1 },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 4)); // two in memory, two past the spool's cap
    expect(buffer.stats().dropped.byCause['spool-full']).toBe(2);
    buffer.push([rec(900, 'dataTaps.dropped'), rec(901, 'dataTaps.dropped')], { reserved: true });
    buffer.push(rec(902, 'dataTaps.dropped'), { reserved: true }); // the reserve is full: like any record
    expect(buffer.stats()).toMatchObject({
      buffered: { records: 4 },
      dropped: { byCause: { 'spool-full': 3 } },
    });
    await buffer.flush();
    expect(recorder.delivered).toEqual([
      line(0),
      line(1),
      line(900, 'dataTaps.dropped'),
      line(901, 'dataTaps.dropped'),
    ]);
  });

  it('keeps a reserved record past the capacity under the drop policy, where others are dropped', async () => {
    const size = line(0).length + 1;
    const { buffer, recorder } = harness({
      maxItems: 100,
      maxBytes: size,
      capacity: { maxRecords: 100, maxBytes: size },
      overflow: 'drop',
      autoFlush: false,
    });
    buffer.push(records(0, 2));
    buffer.push(rec(2), { reserved: true });
    expect(buffer.stats()).toMatchObject({ buffered: { records: 2 }, dropped: { byCause: { capacity: 1 } } });
    await buffer.flush();
    expect(recorder.delivered).toEqual([line(0), line(2)]);
  });

  it('counts spool-full past the size cap (full disk) and keeps the rest in order', async () => {
    const frame = line(100).length + 10;
    const held = lines(0, 100).reduce((sum, l) => sum + lineCost(l, l.length + 1), 0);
    const { buffer, recorder } = harness({
      maxItems: 100,
      maxBytes: 10_000,
      capacity: { maxRecords: 100, maxBytes: held },
      spool: { dir, maxBytes: frame * 3 },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 100));
    buffer.push(records(100, 110));
    expect(buffer.stats().dropped.byCause['spool-full']).toBe(7);
    expect(buffer.takeDropReport()?.byCause['spool-full']?.records).toBe(7);
    await buffer.flush();
    expect(recorder.delivered).toEqual(lines(0, 103));
  });

  it('counts spool-error when a write fails (disk full) and recovers on a new segment', async () => {
    let failWrites = 1;
    let truncated = 0;
    const fs: SpoolFs = {
      ...nodeFs,
      writeSync: (fd, buffer, offset, length) => {
        if (failWrites-- > 0) {
          nodeFs.writeSync(fd, buffer, offset, 5); // a torn tail
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        return nodeFs.writeSync(fd, buffer, offset, length);
      },
      ftruncateSync: (fd, length) => {
        truncated += 1;
        nodeFs.ftruncateSync(fd, length);
      },
    };
    const { logger, messages } = recordingLogger();
    const { buffer, recorder } = harness(
      {
        maxItems: 2,
        maxBytes: 10_000,
        capacity: { maxRecords: 2, maxBytes: 10_000 },
        spool: { dir },
        autoFlush: false,
      },
      { _internal: { fs }, logger },
    );
    await buffer.open();
    buffer.push(records(0, 4)); // 2 and 3 fail to write
    buffer.push(records(4, 6));
    expect(truncated).toBe(1);
    expect(buffer.stats().dropped.byCause['spool-error']).toBe(2);
    expect(messages).toContain('spool write failed; lines dropped');
    await buffer.flush();
    expect(recorder.delivered).toEqual([...lines(0, 2), ...lines(4, 6)]);
    expect(buffer.stats().corruptLines).toBe(0);
  });

  it('survives failures to truncate, close, create and delete spool files', async () => {
    const fs: SpoolFs = {
      ...nodeFs,
      writeSync: () => {
        throw new Error('EIO');
      },
      ftruncateSync: () => {
        throw new Error('EIO');
      },
      closeSync: () => {
        throw new Error('EBADF');
      },
    };
    const { logger, messages } = recordingLogger();
    const { buffer } = harness(
      {
        maxItems: 1,
        maxBytes: 10_000,
        capacity: { maxRecords: 1, maxBytes: 10_000 },
        spool: { dir },
        autoFlush: false,
      },
      { _internal: { fs }, logger },
    );
    await buffer.open();
    buffer.push(records(0, 3));
    expect(buffer.stats().dropped.byCause['spool-error']).toBe(2);
    expect(messages).toContain('closing a spool segment failed');

    const noOpen: SpoolFs = {
      ...nodeFs,
      openSync: () => {
        throw new Error('EMFILE');
      },
      unlinkSync: () => {
        throw new Error('EPERM');
      },
    };
    const second = harness(
      {
        maxItems: 1,
        maxBytes: 10_000,
        capacity: { maxRecords: 1, maxBytes: 10_000 },
        spool: { dir },
        autoFlush: false,
      },
      { _internal: { fs: noOpen }, logger },
    );
    second.buffer.push(records(0, 3));
    expect(second.buffer.stats().dropped.byCause['spool-error']).toBe(2);
    expect(messages).toContain('cannot create a spool segment');
  });
});

describe('spool: a folder that cannot be used', () => {
  it('counts what the drain leaves as spool-error, once, instead of losing it', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const { logger, messages } = recordingLogger();
    const { buffer } = harness(
      {
        maxItems: 10,
        maxBytes: 10_000,
        capacity: { maxRecords: 100, maxBytes: 100_000 },
        spool: { dir: join(file, 'spool') },
        autoFlush: false,
      },
      { logger },
    );
    await expect(buffer.open()).rejects.toThrow();
    buffer.push(records(0, 3));
    const drained = await buffer.drain({ deadlineMs: 0 }); // no time left: nothing is sent
    expect(drained).toMatchObject({ delivered: 0, remaining: 0, spooled: 0 });
    expect(buffer.stats().dropped.byCause['spool-error']).toBe(3);
    expect(messages).toContain('spool unavailable; the records left in memory are dropped');
    await buffer.close();
    expect(buffer.stats().dropped.records).toBe(3);
  });

  it('counts a batch still in flight at the deadline with what is left, and requeues nothing after', async () => {
    const file = join(dir, 'another-file');
    writeFileSync(file, 'not a folder');
    const { buffer, clock, recorder } = harness({
      maxItems: 2,
      maxBytes: 10_000,
      capacity: { maxRecords: 100, maxBytes: 100_000 },
      spool: { dir: join(file, 'spool') },
      autoFlush: false,
    });
    await expect(buffer.open()).rejects.toThrow();
    const release = recorder.holdNext();
    buffer.push(records(0, 5));
    const draining = buffer.drain({ deadlineMs: clock.now() + 100 });
    await clock.advance(100);
    expect(await draining).toMatchObject({ delivered: 0, remaining: 0, spooled: 0 });
    expect(buffer.stats().dropped.byCause['spool-error']).toBe(5); // 2 in flight, 3 in memory
    release();
    await buffer.whenIdle();
    await buffer.close();
    expect(buffer.stats()).toMatchObject({ buffered: { records: 0 }, dropped: { records: 5 } });
  });
});

describe('spool: restart and replay', () => {
  async function firstRun(count: number, options: { segmentBytes?: number } = {}) {
    const first = harness({
      maxItems: 5,
      maxBytes: 10_000,
      capacity: { maxRecords: 5, maxBytes: 10_000 },
      spool: { dir, ...options },
      autoFlush: false,
    });
    await first.buffer.open();
    first.buffer.push(records(0, count));
    await first.buffer.close();
    return first;
  }

  it('close spools memory ahead of the backlog; the next process replays all in order, ahead of new records', async () => {
    await firstRun(12);
    expect(segments()).toHaveLength(2);
    const second = harness({ maxItems: 100, maxBytes: 100_000, maxAgeMs: 1_000, spool: { dir } });
    expect(await second.buffer.open()).toEqual({ replayed: 12, corruptSegments: 0 });
    expect(await second.buffer.open()).toEqual({ replayed: 12, corruptSegments: 0 });
    second.buffer.push(rec(12));
    await second.buffer.whenIdle();
    expect(second.recorder.delivered).toEqual(lines(0, 12));
    await second.clock.advance(1_000);
    expect(second.recorder.delivered).toEqual(lines(0, 13));
    expect(second.recorder.calls[0]?.reason).toBe('backlog');
    expect(second.buffer.stats()).toMatchObject({ replayed: 12, delivered: 13 });
    expect(segments()).toHaveLength(0);
  });

  it('skips a torn last line (killed mid-write) and counts it, never fatal', async () => {
    await firstRun(8);
    const last = segments().at(-1) as string;
    appendFileSync(join(dir, last), '0badc0de {"type":"function","n":8,"rec');
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    expect(await second.buffer.open()).toEqual({ replayed: 8, corruptSegments: 1 });
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(0, 8));
    expect(second.buffer.stats()).toMatchObject({
      corruptLines: 1,
      dropped: { byCause: { 'spool-corrupt': 1 } },
    });
  });

  it('skips lines whose bytes were corrupted and replays the others', async () => {
    await firstRun(8);
    const first = segments()[0] as string;
    const path = join(dir, first);
    const data = readFileSync(path);
    const at = data.indexOf('line 1');
    data[at] = 'L'.charCodeAt(0);
    writeFileSync(path, data);
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    expect(await second.buffer.open()).toEqual({ replayed: 7, corruptSegments: 1 });
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(0, 8).filter((_, i) => i !== 1));
  });

  it('removes wholly corrupt and empty segments, stale temp files and ignores foreign files', async () => {
    writeFileSync(join(dir, 'seg-0000000000000001.ndjson'), 'garbage\n');
    writeFileSync(join(dir, 'seg-0000000000000002.ndjson'), '');
    writeFileSync(join(dir, 'seg-0000000000000003.ndjson.tmp'), 'half written');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    const { buffer } = harness({ spool: { dir } });
    expect(await buffer.open()).toEqual({ replayed: 0, corruptSegments: 1 });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('counts an unreadable segment as corrupt', async () => {
    mkdirSync(join(dir, 'seg-0000000000000005.ndjson'));
    const { logger, messages } = recordingLogger();
    const { buffer } = harness({ spool: { dir } }, { logger });
    expect(await buffer.open()).toEqual({ replayed: 0, corruptSegments: 1 });
    expect(messages).toContain('cannot read spool segment; skipped');
  });

  it('counts lines lost when a segment vanishes before it is loaded', async () => {
    await firstRun(3);
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    await second.buffer.open();
    for (const name of segments()) unlinkSync(join(dir, name));
    await second.buffer.flush();
    expect(second.buffer.stats().dropped.byCause['spool-error']).toBe(3);
    expect(second.recorder.delivered).toEqual([]);
  });

  it('counts torn lines found when loading a segment this process wrote', async () => {
    const { buffer, recorder } = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 3));
    appendFileSync(join(dir, segments()[0] as string), 'torn');
    await buffer.flush();
    expect(recorder.delivered).toEqual(lines(0, 3));
    expect(buffer.stats()).toMatchObject({ corruptSegments: 1, corruptLines: 1 });
  });

  it('a segment holding only a torn line is removed at load', async () => {
    const { buffer } = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    buffer.push(records(0, 2));
    const path = join(dir, segments()[0] as string);
    writeFileSync(path, 'torn');
    await buffer.flush();
    expect(segments()).toHaveLength(0);
  });

  it('open after pushes puts the previous process first', async () => {
    await firstRun(3);
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    second.buffer.push(records(3, 5));
    await second.buffer.open();
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(0, 5));
  });

  it('finds the previous spool by itself at the first overflow when open() was not called', async () => {
    await firstRun(3);
    const second = harness({
      maxItems: 2,
      maxBytes: 100_000,
      capacity: { maxRecords: 2, maxBytes: 100_000 },
      spool: { dir },
      autoFlush: false,
    });
    second.buffer.push(records(3, 6));
    expect(second.buffer.stats().replayed).toBe(3);
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(0, 6));
  });

  it('open rejects when the spool folder cannot be created; overflow is then counted', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const { buffer } = harness({
      maxItems: 1,
      maxBytes: 100_000,
      capacity: { maxRecords: 1, maxBytes: 100_000 },
      spool: { dir: join(file, 'spool') },
      autoFlush: false,
    });
    await expect(buffer.open()).rejects.toMatchObject({ name: 'TelemetryBufferError', code: 'SPOOL_IO' });
    buffer.push(records(0, 3));
    expect(buffer.stats().dropped.byCause['spool-error']).toBe(2);
    await buffer.drain({ deadlineMs: 0 });
    await buffer.close();
  });

  it('priority of replayed lines is read back for the drop policy', async () => {
    const first = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    first.buffer.push([rec(0, 'platform.report'), rec(1)]);
    await first.buffer.close();
    const second = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      overflow: 'drop',
      spool: { dir },
      autoFlush: false,
    });
    await second.buffer.open();
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual([line(0, 'platform.report'), line(1)]);
  });

  it('evicting a replayed line releases (and deletes) its segment', async () => {
    const first = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir }, autoFlush: false });
    first.buffer.push([rec(0), rec(1)]);
    await first.buffer.close();
    const second = harness({
      maxItems: 2,
      maxBytes: 10_000,
      capacity: { maxRecords: 2, maxBytes: 10_000 },
      overflow: 'drop',
      spool: { dir },
      autoFlush: false,
    });
    await second.buffer.open();
    second.recorder.failNext(1);
    await second.buffer.flush(); // loads both replayed lines; the flush fails; they stay in memory
    expect(segments()).toHaveLength(1);
    second.buffer.push([rec(2, 'platform.report'), rec(3, 'platform.report')]);
    expect(second.buffer.stats().dropped.byCause.evicted).toBe(2);
    expect(segments()).toHaveLength(0);
  });

  it('replayed lines get priority 0 when a custom serializer hides the record', async () => {
    const first = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir }, autoFlush: false });
    first.buffer.push([rec(0, 'platform.report')]);
    await first.buffer.close();
    const second = harness(
      {
        maxItems: 1,
        maxBytes: 10_000,
        capacity: { maxRecords: 1, maxBytes: 10_000 },
        overflow: 'drop',
        spool: { dir },
        autoFlush: false,
      },
      { serialize: (r) => `custom ${r.n}`, priority: (r) => (r.type === 'platform.report' ? 1 : 0) },
    );
    await second.buffer.open();
    second.recorder.failNext(1);
    await second.buffer.flush();
    second.buffer.push(rec(1, 'platform.report'));
    expect(second.buffer.stats().dropped.byCause.evicted).toBe(1);
  });
});

describe('spool: drain and close', () => {
  it('drain spools what it could not deliver; the next start delivers it', async () => {
    const first = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir }, backoff: { initialMs: 50 } });
    await first.buffer.open();
    first.recorder.failNext(1_000);
    first.buffer.push(records(0, 5));
    const draining = first.buffer.drain({ deadlineMs: first.clock.now() + 300 });
    await first.clock.advance(300);
    expect(await draining).toEqual({ delivered: 0, remaining: 5, spooled: 5 });
    await first.buffer.close();
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    expect((await second.buffer.open()).replayed).toBe(5);
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(0, 5));
  });

  it('drain spools a batch stuck in flight ahead of the rest; its late success removes it again', async () => {
    const first = harness({ maxItems: 2, maxBytes: 10_000, spool: { dir }, autoFlush: false });
    await first.buffer.open();
    const release = first.recorder.holdNext();
    first.buffer.push(records(0, 5));
    const draining = first.buffer.drain({ deadlineMs: first.clock.now() + 100 });
    await first.clock.advance(100);
    expect(await draining).toEqual({ delivered: 0, remaining: 5, spooled: 5 });
    await first.buffer.close();
    release(); // delivered late, before the process ends
    await first.buffer.whenIdle();
    expect(first.recorder.delivered).toEqual(lines(0, 2));
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    expect((await second.buffer.open()).replayed).toBe(3);
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(2, 5));
  });

  it('a late success of a batch spooled alone deletes its segment', async () => {
    const first = harness({ maxItems: 5, maxBytes: 10_000, spool: { dir }, autoFlush: false });
    const release = first.recorder.holdNext();
    first.buffer.push(records(0, 2));
    const draining = first.buffer.drain({ deadlineMs: first.clock.now() + 100 });
    await first.clock.advance(100);
    await draining;
    expect(segments()).toHaveLength(1);
    release();
    await first.buffer.whenIdle();
    expect(segments()).toHaveLength(0);
    expect(first.buffer.stats().spoolDiskBytes).toBe(0);
  });

  it('a late failure of a spooled batch requeues nothing', async () => {
    const clock = createManualClock();
    let fail = (_: Error): void => {};
    const buffer = createTelemetryBuffer<{ n: number }>(
      { autoFlush: false, spool: { dir } },
      {
        now: clock.now,
        timers: clock.timers,
        flush: () =>
          new Promise((_, reject) => {
            fail = reject;
          }),
      },
    );
    buffer.push([{ n: 0 }]);
    const draining = buffer.drain({ deadlineMs: clock.now() + 10 });
    await clock.advance(10);
    await draining;
    fail(new Error('late'));
    await settle();
    expect(buffer.stats()).toMatchObject({ buffered: { records: 0 }, backlog: { records: 1 } });
  });

  it('drain re-spools lines loaded from the spool and deletes their old segment', async () => {
    const first = harness({
      maxItems: 2,
      maxBytes: 10_000,
      capacity: { maxRecords: 4, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await first.buffer.open();
    first.buffer.push(records(0, 8));
    await first.buffer.flush('part'); // everything goes through memory
    first.buffer.push(records(8, 16));
    await first.buffer.flush(); // memory batches
    first.recorder.failNext(1_000);
    const result = await first.buffer.drain({ deadlineMs: first.clock.now() });
    expect(result.remaining).toBe(result.spooled);
    await first.buffer.close();
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    await second.buffer.open();
    await second.buffer.flush();
    expect([...first.recorder.delivered, ...second.recorder.delivered]).toEqual(lines(0, 16));
  });

  it('counts spool-full when close cannot fit memory on disk', async () => {
    const frame = line(10).length + 10;
    const { buffer } = harness({
      maxItems: 100,
      maxBytes: 10_000,
      spool: { dir, maxBytes: frame * 2 },
      autoFlush: false,
    });
    buffer.push(records(10, 15));
    await buffer.close();
    expect(buffer.stats().dropped.byCause['spool-full']).toBe(3);
    const tiny = harness({ maxItems: 100, maxBytes: 10_000, spool: { dir, maxBytes: 10 }, autoFlush: false });
    tiny.buffer.push(records(0, 2));
    await tiny.buffer.close();
    expect(tiny.buffer.stats().dropped.byCause['spool-full']).toBe(2);
  });

  it('when spooling at close fails, memory-only lines are counted and loaded segments kept', async () => {
    const fs: SpoolFs = {
      ...nodeFs,
      renameSync: () => {
        throw new Error('EIO');
      },
    };
    const first = harness(
      {
        maxItems: 1,
        maxBytes: 10_000,
        capacity: { maxRecords: 3, maxBytes: 10_000 },
        spool: { dir },
        autoFlush: false,
      },
      { _internal: { fs } },
    );
    await first.buffer.open();
    first.buffer.push(records(0, 5)); // memory 0-2, disk 3-4
    first.recorder.partialNext(1);
    first.recorder.partialNext(1);
    first.recorder.partialNext(1);
    first.recorder.failNext(1);
    await first.buffer.flush(); // delivers 0-2, loads 3-4, fails on 3
    first.buffer.push(rec(9)); // memory only
    await first.buffer.close();
    expect(first.recorder.delivered).toEqual(lines(0, 3));
    expect(first.buffer.stats().dropped.byCause['spool-error']).toBe(1);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    await second.buffer.open();
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(3, 5));
  });

  it('close without pushes leaves the folder as it was', async () => {
    const { buffer } = harness({ spool: { dir } });
    await buffer.open();
    await buffer.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('spool: global defaults', () => {
  it('uses node:fs by default', async () => {
    const recorder = createFlushRecorder();
    const buffer = createTelemetryBuffer({ spool: { dir }, autoFlush: false }, { flush: recorder.flush });
    buffer.push({ a: 1 });
    await buffer.close();
    expect(segments()).toHaveLength(1);
  });
});
