import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap } from '../../src/index.js';
import { listFiles, tempDir } from '../helpers.js';

const T0 = Date.UTC(2024, 4, 6, 7, 8, 9);

describe('local tap recovery of buffer files left by an earlier process', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('converts loose buffer files at start, with __bd_ts from their names', async () => {
    const bufferDir = join(dir, '.local-tap-buffer');
    await mkdir(bufferDir, { recursive: true });
    await writeFile(join(bufferDir, '1700000000-deadbeef-1.ndjson'), '{"n":1}\n{"n":2}\n');
    await writeFile(join(bufferDir, '1700000001-deadbeef-2.ndjson'), '{"n":3}\n{"n":4');
    const tap = createLocalTap({ outDir: dir }, { now: () => T0 });
    await tap.start();
    expect(tap.stats()).toMatchObject({ recoveredBatches: 1, rows: 3, ignoredLines: 1, files: 1 });
    expect(
      await tap.query(
        `SELECT __bd_ts, n FROM read_parquet('${tap.outputGlob}', hive_partitioning=false) ORDER BY n`,
      ),
    ).toEqual([
      { __bd_ts: 1700000000, n: 1 },
      { __bd_ts: 1700000000, n: 2 },
      { __bd_ts: 1700000001, n: 3 },
    ]);
    await tap.stop();
    expect((await listFiles(bufferDir)).filter((file) => file.endsWith('.ndjson'))).toEqual([]);
  });

  it('converts a batch claimed but not finished, and skips one already converted (no duplicates)', async () => {
    const bufferDir = join(dir, 'buffer');
    await mkdir(join(bufferDir, 'batches', 'unfinished1'), { recursive: true });
    await writeFile(
      join(bufferDir, 'batches', 'unfinished1', '1700000000-aa-1.ndjson'),
      '{"from":"unfinished"}\n',
    );
    await mkdir(join(bufferDir, 'batches', 'finished01'), { recursive: true });
    await writeFile(
      join(bufferDir, 'batches', 'finished01', '1700000000-aa-2.ndjson'),
      '{"from":"finished"}\n',
    );
    const first = createLocalTap({ outDir: join(dir, 'seed'), bufferDir: join(dir, 'seed-buffer') });
    await first.start();
    await first.stop();
    const partition = join(dir, 'out', 'year=2024', 'month=01', 'day=01', 'hour=00');
    await mkdir(partition, { recursive: true });
    await first.query(
      `COPY (SELECT 1700000000 AS __bd_ts, 'finished' AS "from") TO '${partition}/2024-01-01_00_00_00_000_finished01.parquet' (FORMAT parquet)`,
    );
    const tap = createLocalTap({ outDir: join(dir, 'out'), bufferDir }, { now: () => T0 });
    await tap.start();
    expect(tap.stats()).toMatchObject({ recoveredBatches: 2, rows: 1, files: 1 });
    expect(
      await tap.query(
        `SELECT "from", count(*) AS n FROM read_parquet('${tap.outputGlob}') GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { from: 'finished', n: 1 },
      { from: 'unfinished', n: 1 },
    ]);
    expect(await listFiles(join(bufferDir, 'batches'))).toEqual([]);
    await tap.stop();
  });

  it('quarantines a leftover batch that cannot be converted, and still starts', async () => {
    const bufferDir = join(dir, 'buffer');
    await mkdir(join(bufferDir, 'batches', 'broken01'), { recursive: true });
    await writeFile(join(bufferDir, 'batches', 'broken01', '1700000000-aa-1.ndjson'), '{"a":1}\n');
    const tap = createLocalTap(
      { outDir: join(dir, 'out'), bufferDir, sql: 'WHERE nope = 1' },
      { now: () => T0 },
    );
    const { url } = await tap.start();
    expect(url).toMatch(/^http:/);
    expect(tap.stats()).toMatchObject({ recoveredBatches: 1, conversionErrors: 1, rows: 0 });
    expect(await listFiles(join(bufferDir, 'failed'))).toEqual([
      'broken01/1700000000-aa-1.ndjson',
      'broken01/error.txt',
    ]);
    await tap.stop();
  });
});
