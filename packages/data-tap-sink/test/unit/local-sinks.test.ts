import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createFanOutSink,
  createFileSink,
  createStdoutSink,
  DataTapSinkError,
  DataTapSinkOptionsError,
  DeadlineExceededError,
  type Sink,
} from '../../src/index.js';
import { createMemorySink } from '../../src/testing/index.js';

const later = () => Date.now() + 60_000;

describe('createStdoutSink', () => {
  it('writes the batch as NDJSON through the injected writer', async () => {
    const written: string[] = [];
    const sink = createStdoutSink({}, { write: async (text) => void written.push(text) });
    const result = await sink.send({ lines: ['{"a":1}', '{"b":2}'] }, { deadline: later() });
    expect(result).toEqual({ delivered: 2, unsent: [], requests: 0, retries: 0 });
    expect(written).toEqual(['{"a":1}\n{"b":2}\n']);
    expect(await sink.send({ lines: [] }, { deadline: later() })).toMatchObject({ delivered: 0 });
  });

  it('writes to process.stderr when asked, waiting for the write', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((
      _chunk: unknown,
      callback?: () => void,
    ) => {
      callback?.();
      return true;
    }) as typeof process.stderr.write);
    try {
      const sink = createStdoutSink({ stream: 'stderr' });
      expect((await sink.send({ lines: ['{"a":1}'] }, { deadline: later() })).delivered).toBe(1);
      expect(spy).toHaveBeenCalledWith('{"a":1}\n', expect.any(Function));
    } finally {
      spy.mockRestore();
    }
  });

  it('returns the lines unsent when the write fails, the deadline passed or it is closed', async () => {
    const failing = createStdoutSink({}, { write: () => Promise.reject(new Error('EPIPE')) });
    const failed = await failing.send({ lines: ['{"a":1}'] }, { deadline: later() });
    expect(failed.unsent).toEqual(['{"a":1}']);
    expect(failed.error).toBeInstanceOf(DataTapSinkError);
    expect((failed.error as Error).cause).toMatchObject({ message: 'EPIPE' });

    const written: string[] = [];
    const sink = createStdoutSink({}, { write: async (text) => void written.push(text), now: () => 100 });
    expect((await sink.send({ lines: ['x'] }, { deadline: 100 })).error).toBeInstanceOf(
      DeadlineExceededError,
    );
    await sink.close();
    expect((await sink.send({ lines: ['x'] }, { deadline: 1_000 })).error?.message).toContain('after close');
    expect(written).toEqual([]);
  });

  it('rejects unknown options', () => {
    expect(() => createStdoutSink({ stream: 'stdin' } as never)).toThrow(DataTapSinkOptionsError);
  });
});

describe('createFileSink', () => {
  let folder = '';
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'data-tap-sink-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('appends each batch to the file', async () => {
    const path = join(folder, 'out.ndjson');
    const sink = createFileSink({ path });
    await sink.send({ lines: ['{"a":1}'] }, { deadline: later() });
    await sink.send({ lines: ['{"b":2}', '{"c":3}'] }, { deadline: later() });
    await sink.send({ lines: [] }, { deadline: later() });
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('returns the lines unsent when the append fails', async () => {
    const sink = createFileSink({ path: join(folder, 'missing-dir', 'out.ndjson') });
    const result = await sink.send({ lines: ['{"a":1}'] }, { deadline: later() });
    expect(result.unsent).toEqual(['{"a":1}']);
    expect(result.error?.message).toContain('appending to');
    expect((result.error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('checks the deadline, the signal and close()', async () => {
    const appended: string[] = [];
    const sink = createFileSink(
      { path: 'x' },
      { appendFile: async (_path, text) => void appended.push(text), now: () => 5 },
    );
    expect((await sink.send({ lines: ['a'] }, { deadline: 5 })).error).toBeInstanceOf(DeadlineExceededError);
    const aborted = await sink.send({ lines: ['a'] }, { deadline: 50, signal: AbortSignal.abort() });
    expect(aborted.error).toMatchObject({ aborted: true });
    await sink.close();
    expect((await sink.send({ lines: ['a'] }, { deadline: 50 })).unsent).toEqual(['a']);
    expect(appended).toEqual([]);
    expect(() => createFileSink({ path: '' })).toThrow(/options\.path/);
  });
});

describe('createFanOutSink', () => {
  it('delivers a line only when every sink delivered it and returns the others in order', async () => {
    const first = createMemorySink({ answer: () => ({ deliver: 2, error: new Error('first failed') }) });
    const second = createMemorySink({ answer: () => ({ deliver: 3 }) });
    const third = createMemorySink();
    const sink = createFanOutSink([first, second, third]);

    const result = await sink.send({ lines: ['a', 'b', 'c', 'd'] }, { deadline: later() });

    expect(result.delivered).toBe(2);
    expect(result.unsent).toEqual(['c', 'd']);
    expect(result.error?.message).toBe('first failed');
    expect(result.results.map((one) => one.unsent)).toEqual([['c', 'd'], ['d'], []]);
    expect(third.lines).toEqual(['a', 'b', 'c', 'd']);
  });

  it('marks duplicate lines by position and sums requests and retries', async () => {
    const counting: Sink = {
      send: async (batch) => ({ delivered: 1, unsent: batch.lines.slice(1), requests: 2, retries: 1 }),
      close: async () => {},
    };
    const sink = createFanOutSink([counting, createMemorySink()]);
    const result = await sink.send({ lines: ['x', 'x', 'y'] }, { deadline: later() });
    expect(result).toMatchObject({ delivered: 1, unsent: ['x', 'y'], requests: 2, retries: 1 });
    expect(result.error).toBeUndefined();
  });

  it('returns a line some sink rejected for good in rejected, unless another sink left it unsent', async () => {
    // a: rejected by the first, delivered by the others: rejected (sending it again cannot help).
    // b: rejected by the first, unsent by the second: unsent (the second needs it again).
    // c: delivered everywhere.
    const tooLarge = new Error('a is too large');
    const first: Sink = {
      send: async () => ({
        delivered: 1,
        unsent: [],
        rejected: ['a', 'b'],
        error: tooLarge,
        rejectedError: tooLarge,
        requests: 1,
        retries: 0,
      }),
      close: async () => {},
    };
    const second: Sink = {
      send: async () => ({
        delivered: 2,
        unsent: ['b'],
        error: new Error('b later'),
        requests: 1,
        retries: 0,
      }),
      close: async () => {},
    };
    const sink = createFanOutSink([first, second, createMemorySink()]);

    const result = await sink.send({ lines: ['a', 'b', 'c'] }, { deadline: later() });

    expect(result.delivered).toBe(1);
    expect(result.rejected).toEqual(['a']);
    expect(result.unsent).toEqual(['b']);
    expect(result.rejectedError).toBe(tooLarge);
    expect(result.error).toBe(tooLarge);
  });

  it("takes a rejecting sink's error as the rejection's reason when it gives no rejectedError, and names a silent one", async () => {
    const refusal = new Error('refused');
    const saysWhy: Sink = {
      send: async () => ({
        delivered: 0,
        unsent: [],
        rejected: ['a'],
        error: refusal,
        requests: 0,
        retries: 0,
      }),
      close: async () => {},
    };
    const silent: Sink = {
      send: async () => ({ delivered: 0, unsent: [], rejected: ['a'], requests: 0, retries: 0 }),
      close: async () => {},
    };
    const told = await createFanOutSink([saysWhy]).send({ lines: ['a'] }, { deadline: later() });
    expect(told).toMatchObject({ delivered: 0, unsent: [], rejected: ['a'], rejectedError: refusal });
    const untold = await createFanOutSink([silent]).send({ lines: ['a'] }, { deadline: later() });
    expect(untold.rejectedError).toBeInstanceOf(DataTapSinkError);
    expect(untold.rejectedError?.message).toBe('a sink rejected lines without saying why');
    const none = await createFanOutSink([createMemorySink()]).send({ lines: ['a'] }, { deadline: later() });
    expect(none).not.toHaveProperty('rejected');
    expect(none).not.toHaveProperty('rejectedError');
  });

  it('treats a sink that throws as one that sent nothing', async () => {
    const throwing: Sink = {
      send: () => Promise.reject(new Error('bug')),
      close: async () => {},
    };
    const result = await createFanOutSink([throwing]).send({ lines: ['a'] }, { deadline: later() });
    expect(result.unsent).toEqual(['a']);
    expect(result.error).toBeInstanceOf(DataTapSinkError);
    expect((result.error as Error).cause).toMatchObject({ message: 'bug' });
  });

  it('closes every sink and needs at least one', async () => {
    const first = createMemorySink();
    const second = createMemorySink();
    await createFanOutSink([first, second]).close();
    expect([first.closed, second.closed]).toEqual([true, true]);
    expect(() => createFanOutSink([])).toThrow(DataTapSinkError);
  });
});

describe('createMemorySink', () => {
  it('records calls and scripted answers', async () => {
    const sink = createMemorySink({
      answer: (_call, index) => (index === 0 ? { deliver: 0, error: new Error('down') } : undefined),
    });
    const failed = await sink.send({ lines: ['a', 'b'] }, { deadline: 10 });
    const passed = await sink.send({ lines: ['a', 'b'] }, { deadline: 20 });
    expect(failed).toMatchObject({ delivered: 0, unsent: ['a', 'b'] });
    expect(failed.error?.message).toBe('down');
    expect(passed).toEqual({ delivered: 2, unsent: [], requests: 0, retries: 0 });
    expect(sink.calls).toEqual([
      { lines: ['a', 'b'], deadline: 10 },
      { lines: ['a', 'b'], deadline: 20 },
    ]);
    expect(sink.lines).toEqual(['a', 'b']);
    expect(sink.closed).toBe(false);
  });

  it('scripts lines rejected for good after the delivered ones, the rest unsent', async () => {
    const refusal = new Error('too large');
    const sink = createMemorySink({
      answer: (_call, index) =>
        index === 0 ? { deliver: 1, reject: 1, error: refusal } : { deliver: 0, reject: 5 },
    });
    const first = await sink.send({ lines: ['a', 'b', 'c'] }, { deadline: 10 });
    expect(first).toMatchObject({ delivered: 1, rejected: ['b'], unsent: ['c'], rejectedError: refusal });
    const second = await sink.send({ lines: ['d', 'e'] }, { deadline: 10 });
    expect(second).toMatchObject({ delivered: 0, rejected: ['d', 'e'], unsent: [] });
    expect(second.rejectedError?.message).toBe('rejected (scripted)');
    expect(sink.lines).toEqual(['a']);
  });
});
