import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DropCounter } from '../../src/drop-counter.js';
import { encodeFrames } from '../../src/frame.js';
import { createTelemetryBuffer, type Logger } from '../../src/index.js';
import { parseOptions } from '../../src/options.js';
import { Spool } from '../../src/spool.js';
import { nodeFs, type SpoolFs } from '../../src/spool-fs.js';
import { settle } from '../../src/testing/index.js';
import { harness, line, range, rec, tempDir } from '../support/harness.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const segments = (folder = dir) => readdirSync(folder).filter((name) => name.endsWith('.ndjson'));
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

describe('edge cases', () => {
  it('a drop counter ignores zero counts', () => {
    const counter = new DropCounter(0);
    counter.add('capacity', 0, 0);
    expect(counter.take(1)).toBeNull();
  });

  it('names a nested option the caller did not give', () => {
    expect(() => parseOptions({ maxItems: 60_000 })).toThrow(/capacity\.maxRecords.*got undefined/);
  });

  it('releasing an unknown segment does nothing', () => {
    const spool = new Spool({ dir, maxBytes: 1e6, segmentBytes: 1e6 }, nodeFs, new DropCounter(0), {
      debug() {},
      info() {},
      warn() {},
      error() {},
    });
    spool.release(42, 1);
    expect(spool.diskBytes).toBe(0);
  });

  it('starts a new segment when one push finds the current segment full', async () => {
    const { buffer, recorder } = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      spool: { dir, segmentBytes: 60 },
      autoFlush: false,
    });
    for (const record of records(0, 4)) buffer.push(record);
    expect(segments()).toHaveLength(3);
    await buffer.flush();
    expect(recorder.delivered).toEqual(lines(0, 4));
  });

  it('logs when a delivered segment cannot be deleted', async () => {
    const fs: SpoolFs = {
      ...nodeFs,
      unlinkSync: () => {
        throw new Error('EPERM');
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
    buffer.push(records(0, 2));
    await buffer.flush();
    expect(messages).toContain('cannot delete a spool file');
  });

  it('drain re-spools lines loaded from a segment and deletes that segment', async () => {
    const first = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 2, maxBytes: 10_000 },
      spool: { dir },
      autoFlush: false,
    });
    await first.buffer.open();
    first.buffer.push(records(0, 4)); // memory 0-1, disk 2-3
    first.recorder.partialNext(1);
    first.recorder.partialNext(1);
    first.recorder.failNext(1);
    await first.buffer.flush(); // 0, 1 delivered; 2-3 loaded; 2 fails
    const before = segments();
    expect(before).toHaveLength(1);
    expect(await first.buffer.drain({ deadlineMs: first.clock.now() })).toEqual({
      delivered: 0,
      remaining: 2,
      spooled: 2,
    });
    const after = segments();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    await first.buffer.close();
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    await second.buffer.open();
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(2, 4));
  });

  it('a failed spool write at close keeps every loaded segment, in order', async () => {
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
        spool: { dir, segmentBytes: 60 },
        autoFlush: false,
      },
      { _internal: { fs } },
    );
    first.buffer.push(records(0, 5)); // memory 0-2, disk 3 | 4 (two segments)
    for (let i = 0; i < 3; i++) first.recorder.partialNext(1);
    first.recorder.failNext(1);
    await first.buffer.flush();
    await first.buffer.close();
    const second = harness({ maxItems: 100, maxBytes: 100_000, spool: { dir }, autoFlush: false });
    expect((await second.buffer.open()).replayed).toBe(2);
    await second.buffer.flush();
    expect(second.recorder.delivered).toEqual(lines(3, 5));
  });

  it('counts spool-full at close in a fresh, tiny spool', async () => {
    const tiny = join(dir, 'tiny');
    mkdirSync(tiny);
    const { buffer } = harness({
      maxItems: 100,
      maxBytes: 10_000,
      spool: { dir: tiny, maxBytes: 10 },
      autoFlush: false,
    });
    buffer.push(records(0, 2));
    await buffer.close();
    expect(buffer.stats().dropped.byCause['spool-full']).toBe(2);
    expect(segments(tiny)).toHaveLength(0);
  });

  it('gives priority 0 to a replayed line that is not JSON', async () => {
    writeFileSync(join(dir, 'seg-0000000000000009.ndjson'), encodeFrames(['not json']));
    const { buffer, recorder } = harness({
      maxItems: 1,
      maxBytes: 10_000,
      capacity: { maxRecords: 1, maxBytes: 10_000 },
      overflow: 'drop',
      spool: { dir },
      autoFlush: false,
    });
    await buffer.open();
    recorder.failNext(1);
    await buffer.flush();
    buffer.push(rec(1, 'platform.report'));
    expect(buffer.stats().dropped.byCause.evicted).toBe(1);
  });

  it('a flush queued behind close sends nothing', async () => {
    const { buffer, recorder } = harness({ maxItems: 1, autoFlush: false });
    const release = recorder.holdNext();
    buffer.push(records(0, 3));
    const first = buffer.flush();
    await settle();
    const second = buffer.flush();
    const closing = buffer.close();
    release();
    await closing;
    expect((await first).delivered).toBe(1);
    expect(await second).toMatchObject({ batches: 0, delivered: 0 });
  });

  it('drain waits for an automatic flush in flight, then stops when nothing is left', async () => {
    const { buffer, recorder, clock } = harness({ maxItems: 2, maxAgeMs: 60_000 });
    const release = recorder.holdNext();
    buffer.push(records(0, 2));
    await settle();
    const draining = buffer.drain({ deadlineMs: clock.now() + 1_000 });
    await settle();
    release();
    expect(await draining).toEqual({ delivered: 2, remaining: 0, spooled: 0 });
  });

  it('close clears a pending global timer', async () => {
    const buffer = createTelemetryBuffer<{ a: number }>(
      { maxAgeMs: 60_000 },
      { flush: async () => undefined },
    );
    buffer.push({ a: 1 });
    await buffer.close();
    expect(buffer.stats().dropped.byCause.closed).toBe(1);
  });
});

describe('spool: removing delivered lines after a drain deadline', () => {
  const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

  it('does nothing for an unknown segment and warns when the file is gone', () => {
    const { logger, messages } = recordingLogger();
    const spool = new Spool({ dir, maxBytes: 1e6, segmentBytes: 1e6 }, nodeFs, new DropCounter(0), logger);
    spool.open();
    expect(spool.dropHead(1, 1)).toBe(false);
    const at = spool.persist(
      { lines: ['{"a":1}'], sizes: [8], priorities: [0], times: [0], origins: [0], bytes: 8, memory: 64 },
      1,
    );
    for (const name of segments()) cleanupFile(join(dir, name));
    expect(spool.dropHead(at.seq, 1)).toBe(false);
    expect(messages).toContain('cannot remove delivered lines from the spool');
    void quiet;
  });

  it('warns when a partially delivered late batch leaves duplicates in the spool', async () => {
    const { logger, messages } = recordingLogger();
    let answer = (_: { unsent: string[] }): void => {};
    const buffer = createTelemetryBuffer<{ n: number }>(
      { maxItems: 5, spool: { dir }, autoFlush: false },
      {
        logger,
        now: () => 0,
        timers: {
          setTimeout: (callback) => {
            callback();
            return 1;
          },
          clearTimeout() {},
        },
        flush: () =>
          new Promise((resolve) => {
            answer = resolve;
          }),
      },
    );
    buffer.push([{ n: 0 }, { n: 1 }]);
    const result = await buffer.drain({ deadlineMs: 1 });
    expect(result).toEqual({ delivered: 0, remaining: 2, spooled: 2 });
    answer({ unsent: ['{"n":1}'] });
    await settle();
    expect(messages).toContain(
      'a batch was delivered after drain spooled it at its deadline; it will be sent again',
    );
  });
});

function cleanupFile(path: string): void {
  nodeFs.unlinkSync(path);
}
