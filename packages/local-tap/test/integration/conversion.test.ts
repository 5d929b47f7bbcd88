import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap, LocalTapOptionsError, LocalTapStateError } from '../../src/index.js';
import { eventually, listFiles, manualTimers, NDJSON, ndjson, send, tempDir } from '../helpers.js';

const T0 = Date.UTC(2024, 4, 6, 7, 8, 9, 10);

describe('local tap conversion to Parquet (real DuckDB)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('writes ZSTD Parquet under year=/month=/day=/hour= with __bd_ts from the arrival second', async () => {
    let clock = T0;
    const tap = createLocalTap({ outDir: dir }, { now: () => clock });
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ id: 1, type: 'function', record: 'line one' }]) });
    clock += 2_000;
    await send(url, {
      headers: NDJSON,
      body: ndjson([{ id: 2, type: 'platform.report', record: '{"x":1}' }]),
    });
    const result = await tap.flush();
    expect(result.rows).toBe(2);
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatch(
      /\/year=2024\/month=05\/day=06\/hour=07\/2024-05-06_07_08_11_010_[0-9a-z]+\.parquet$/,
    );
    const rows = await tap.query(
      `SELECT __bd_ts, id, type, record, year, month, day, hour FROM read_parquet('${tap.outputGlob}', hive_partitioning=true) ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        __bd_ts: 1714979289,
        id: 1,
        type: 'function',
        record: 'line one',
        year: 2024,
        month: '05',
        day: '06',
        hour: '07',
      },
      {
        __bd_ts: 1714979291,
        id: 2,
        type: 'platform.report',
        record: '{"x":1}',
        year: 2024,
        month: '05',
        day: '06',
        hour: '07',
      },
    ]);
    const meta = await tap.query<{ compression: string }>(
      `SELECT DISTINCT compression FROM parquet_metadata('${tap.outputGlob}')`,
    );
    expect(meta).toEqual([{ compression: 'ZSTD' }]);
    const [schema] = await tap.query<{ column_type: string }>(
      `SELECT column_type FROM (DESCRIBE SELECT __bd_ts FROM read_parquet('${tap.outputGlob}'))`,
    );
    expect(schema?.column_type).toBe('INTEGER');
    await tap.stop();
  });

  it('keeps objects nested deeper than two levels as JSON, and drops malformed lines, counting them', async () => {
    const tap = createLocalTap({ outDir: dir }, { now: () => T0 });
    const { url } = await tap.start();
    const body = `${ndjson([{ a: 1, deep: { inner: { x: 1 } } }])}{"a": 2, broken\nnot json at all\n${ndjson([{ a: 3 }])}`;
    const response = await send(url, { headers: NDJSON, body });
    expect(response.json).toMatchObject({ statusCode: 200, lines: 4 });
    const result = await tap.flush();
    expect(result).toMatchObject({ rows: 2, ignoredLines: 2 });
    const rows = await tap.query<{ a: number; deep: { inner: string } | null }>(
      `SELECT a, deep FROM read_parquet('${tap.outputGlob}') ORDER BY a`,
    );
    expect(rows).toEqual([
      { a: 1, deep: { inner: '{"x":1}' } },
      { a: 3, deep: null },
    ]);
    expect(tap.stats()).toMatchObject({ rows: 2, rowsRead: 4, ignoredLines: 2, files: 1, conversions: 1 });
    await tap.stop();
  });

  it('applies the user SQL clause to the incoming rows', async () => {
    const tap = createLocalTap({ outDir: dir, sql: "WHERE level = 'ERROR'" }, { now: () => T0 });
    const { url } = await tap.start();
    await send(url, {
      headers: NDJSON,
      body: ndjson([
        { level: 'INFO', message: 'a' },
        { level: 'ERROR', message: 'b' },
        { level: 'ERROR', message: 'c' },
      ]),
    });
    expect((await tap.flush()).rows).toBe(2);
    expect(await tap.query(`SELECT message FROM read_parquet('${tap.outputGlob}') ORDER BY message`)).toEqual(
      [{ message: 'b' }, { message: 'c' }],
    );
    expect(tap.stats()).toMatchObject({ rows: 2, filteredRows: 1 });
    await tap.stop();
  });

  it('runs a whole user query over "incoming", which may add and drop columns', async () => {
    const tap = createLocalTap(
      { outDir: dir, sql: 'SELECT __bd_ts, upper(message) AS shout, length(message) AS n FROM incoming' },
      { now: () => T0 },
    );
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ message: 'hi', extra: true }]) });
    await tap.flush();
    expect(
      await tap.query(`SELECT * FROM read_parquet('${tap.outputGlob}', hive_partitioning=false)`),
    ).toEqual([{ __bd_ts: Math.floor(T0 / 1000), shout: 'HI', n: 2 }]);
    await tap.stop();
  });

  it('writes no file when the clause leaves no row', async () => {
    const tap = createLocalTap({ outDir: dir, sql: 'WHERE false' }, { now: () => T0 });
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(await tap.flush()).toEqual({ files: [], rows: 0, ignoredLines: 0, failed: [] });
    expect((await listFiles(dir)).filter((file) => file.endsWith('.parquet'))).toEqual([]);
    await tap.stop();
  });

  it('refuses at start a SQL clause that does not parse or holds several statements', async () => {
    const bad = createLocalTap({ outDir: dir, sql: 'WHERE level =' });
    await expect(bad.start()).rejects.toThrow(LocalTapOptionsError);
    await expect(bad.start()).rejects.toThrow(LocalTapStateError);
    const two = createLocalTap({ outDir: dir, sql: 'SELECT 1 FROM incoming; SELECT 2' });
    await expect(two.start()).rejects.toThrow(/exactly one SELECT/);
  });

  it('keeps a batch the clause cannot bind under failed/ and goes on with the next', async () => {
    let clock = T0;
    const tap = createLocalTap({ outDir: dir, sql: 'WHERE missing_column = 1' }, { now: () => clock });
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    const result = await tap.flush();
    expect(result.rows).toBe(0);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.error.message).toMatch(/missing_column/);
    expect(result.failed[0]?.error.batchId).toBe(result.failed[0]?.batchId);
    const files = await listFiles(dir);
    expect(files.some((file) => /\.local-tap-buffer\/failed\/[^/]+\/error\.txt$/.test(file))).toBe(true);
    expect(files.some((file) => /\.local-tap-buffer\/failed\/[^/]+\/\d+-.*\.ndjson$/.test(file))).toBe(true);
    clock += 1000;
    await send(url, { headers: NDJSON, body: ndjson([{ missing_column: 1 }]) });
    expect((await tap.flush()).rows).toBe(1);
    expect(tap.stats()).toMatchObject({ conversionErrors: 1, conversions: 2, rows: 1 });
    await tap.stop();
  });

  it('converts past thresholdBytes without being asked', async () => {
    const tap = createLocalTap({ outDir: dir, thresholdBytes: 100 }, { now: () => T0 });
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ message: 'x'.repeat(40) }]) });
    expect(tap.stats().files).toBe(0);
    await send(url, { headers: NDJSON, body: ndjson([{ message: 'y'.repeat(40) }]) });
    await eventually(() => tap.stats().files === 1);
    expect(tap.stats()).toMatchObject({ rows: 2, bufferedBytes: 0 });
    await tap.stop();
  });

  it('converts once the oldest buffered body is thresholdMs old (injected clock and timers)', async () => {
    let clock = T0;
    const timers = manualTimers();
    const tap = createLocalTap({ outDir: dir, thresholdMs: 60_000 }, { now: () => clock, timers });
    const { url } = await tap.start();
    expect(timers.pending()).toBe(0);
    await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(timers.pending()).toBe(1);
    clock += 30_000;
    await send(url, { headers: NDJSON, body: ndjson([{ a: 2 }]) });
    expect(timers.pending()).toBe(1);
    timers.advance(59_999);
    expect(tap.stats().conversions).toBe(0);
    clock += 30_000;
    timers.advance(1);
    await eventually(() => tap.stats().files === 1);
    expect(tap.stats().rows).toBe(2);
    expect(timers.pending()).toBe(0);
    await tap.stop();
  });

  it('converts at the next request when the clock passed thresholdMs without the timer firing', async () => {
    let clock = T0;
    const timers = manualTimers();
    const tap = createLocalTap({ outDir: dir, thresholdMs: 1_000 }, { now: () => clock, timers });
    const { url } = await tap.start();
    await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    clock += 5_000;
    await send(url, { headers: NDJSON, body: ndjson([{ a: 2 }]) });
    await eventually(() => tap.stats().rows >= 1);
    await tap.stop();
    expect(tap.stats().rows).toBe(2);
  });

  it('converts everything accepted on stop, then refuses flush', async () => {
    const tap = createLocalTap({ outDir: dir }, { now: () => T0 });
    const { url } = await tap.start();
    for (let index = 0; index < 5; index++) await send(url, { headers: NDJSON, body: ndjson([{ index }]) });
    await tap.stop();
    await tap.stop();
    expect(tap.stats()).toMatchObject({ accepted: 5, rows: 5, files: 1, bufferedBytes: 0 });
    await expect(tap.flush()).rejects.toThrow(LocalTapStateError);
    expect(
      await tap.query<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${tap.outputGlob}')`),
    ).toEqual([{ n: 5 }]);
  });

  it('never overwrites: each conversion writes a new file', async () => {
    const tap = createLocalTap({ outDir: dir }, { now: () => T0 });
    const { url } = await tap.start();
    const files: string[] = [];
    for (let index = 0; index < 3; index++) {
      await send(url, { headers: NDJSON, body: ndjson([{ index }]) });
      files.push(...(await tap.flush()).files);
    }
    expect(new Set(files).size).toBe(3);
    expect(
      await tap.query<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${tap.outputGlob}')`),
    ).toEqual([{ n: 3 }]);
    expect(await tap.flush()).toEqual({ files: [], rows: 0, ignoredLines: 0, failed: [] });
    await tap.stop();
  });
});
