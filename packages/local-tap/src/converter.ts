import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Batch } from './buffer-store.js';
import { LocalTapConversionError, LocalTapOptionsError } from './errors.js';
import { plainValue } from './js-values.js';
import { partitionPath } from './partition-path.js';
import { sqlIdentifier, sqlString, userQuery } from './sql-text.js';

/** What converting one batch produced. */
export interface ConversionResult {
  batchId: string;
  /** The Parquet file written, or undefined when no row was left to write. */
  file: string | undefined;
  /** Rows DuckDB read, the ignored lines included. */
  rowsRead: number;
  /** Rows written to Parquet (after the user's SQL). */
  rows: number;
  /** Lines DuckDB ignored (malformed JSON, or carrying no value). */
  ignored: number;
}

/** DuckDB, owned by the tap: converts batches and answers queries. @internal */
export interface Converter {
  open(): Promise<void>;
  convert(batch: Batch, at: Date): Promise<ConversionResult>;
  /** The Parquet file an earlier run wrote for this batch, if any. */
  findConverted(batchId: string): Promise<string | undefined>;
  query<T>(sql: string): Promise<T[]>;
  close(): void;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Runs a query on a connection and answers plain JS rows.
 * @internal
 */
export async function runQuery<T>(connection: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => plainValue(row) as T);
}

/**
 * Checks that the user's SQL parses as one SELECT over `incoming` (binding happens per batch).
 * @internal
 */
export async function validateUserSql(connection: DuckDBConnection, sql: string | undefined): Promise<void> {
  if (sql === undefined) return;
  const [row] = await runQuery<{ parsed: string }>(
    connection,
    `SELECT json_serialize_sql(${sqlString(userQuery(sql))}) AS parsed`,
  );
  const parsed = JSON.parse(row?.parsed ?? '{}') as {
    error?: boolean;
    error_message?: string;
    statements?: unknown[];
  };
  if (parsed.error) {
    throw new LocalTapOptionsError(
      `sql: not a valid query over "incoming" (${parsed.error_message ?? 'parse error'}) (got ${JSON.stringify(sql)})`,
    );
  }
  if (parsed.statements?.length !== 1) {
    throw new LocalTapOptionsError(`sql: expected exactly one SELECT statement (got ${JSON.stringify(sql)})`);
  }
}

/**
 * The conversion the real Data Tap runs, on a batch of buffer files:
 * `read_json_auto(..., format='newline_delimited', maximum_depth=2, union_by_name=true,
 * ignore_errors=true)`, `__bd_ts` from the buffer file name, the user's SQL, ZSTD Parquet.
 * @internal
 */
export function createConverter(options: {
  outDir: string;
  bufferDir: string;
  sql: string | undefined;
}): Converter {
  let instance: DuckDBInstance | undefined;
  let conversions: DuckDBConnection | undefined;
  let queries: DuckDBConnection | undefined;
  const query = userQuery(options.sql);

  async function convert(batch: Batch, at: Date): Promise<ConversionResult> {
    const connection = conversions as DuckDBConnection;
    const files = `[${batch.files.map(sqlString).join(', ')}]`;
    const target = partitionPath(options.outDir, at, batch.id);
    const temporary = join(target.dir, `.${basename(target.file)}.tmp`);
    try {
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE __bd_raw AS SELECT * FROM read_json_auto(${files}, ` +
          `format='newline_delimited', maximum_depth=2, union_by_name=true, ignore_errors=true, filename='__bd_file')`,
      );
      const columns = (await runQuery<{ column_name: string }>(connection, 'DESCRIBE __bd_raw'))
        .map((column) => column.column_name)
        .filter((name) => name !== '__bd_file');
      const empty = columns.map((name) => `${sqlIdentifier(name)} IS NULL`).join(' AND ');
      const [counts] = await runQuery<{ rows_read: number; ignored: number }>(
        connection,
        `SELECT count(*) AS rows_read, count(*) FILTER (WHERE ${empty}) AS ignored FROM __bd_raw`,
      );
      await connection.run(
        `CREATE OR REPLACE TEMP VIEW incoming AS SELECT ` +
          `CAST(regexp_extract(__bd_file, '(\\d+)-[^/\\\\]*$', 1) AS INTEGER) AS __bd_ts, * EXCLUDE (__bd_file) ` +
          `FROM __bd_raw WHERE NOT (${empty})`,
      );
      await mkdir(target.dir, { recursive: true });
      const copied = await connection.run(
        `COPY (${query}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const rows = Number(copied.rowsChanged);
      let file: string | undefined;
      if (rows > 0) {
        await fsyncPath(temporary);
        await rename(temporary, target.file);
        await fsyncPath(target.dir);
        file = target.file;
      } else {
        await rm(temporary, { force: true });
      }
      return {
        batchId: batch.id,
        file,
        rowsRead: counts?.rows_read ?? 0,
        rows,
        ignored: counts?.ignored ?? 0,
      };
    } catch (error) {
      await rm(temporary, { force: true });
      throw new LocalTapConversionError(
        `Converting batch ${batch.id} (${batch.files.length} buffer files) failed: ${(error as Error).message}`,
        batch.id,
        { cause: error },
      );
    } finally {
      await connection.run('DROP VIEW IF EXISTS incoming; DROP TABLE IF EXISTS __bd_raw');
    }
  }

  return {
    async open() {
      instance = await DuckDBInstance.create(':memory:');
      conversions = await instance.connect();
      queries = await instance.connect();
      await validateUserSql(conversions, options.sql);
    },
    convert,
    async findConverted(batchId) {
      const suffix = `_${batchId}.parquet`;
      const entries = await readdir(options.outDir, { recursive: true });
      const found = entries.find((entry) => entry.endsWith(suffix) && !basename(entry).startsWith('.'));
      return found === undefined ? undefined : join(options.outDir, found);
    },
    query: (sql) => runQuery(queries as DuckDBConnection, sql),
    close() {
      conversions?.closeSync();
      queries?.closeSync();
      instance?.closeSync();
      conversions = undefined;
      queries = undefined;
      instance = undefined;
    },
  };
}
