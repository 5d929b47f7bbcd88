import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Batch, createBufferStore } from './buffer-store.js';
import { createConverter, runQuery } from './converter.js';
import { type LocalTapConversionError, LocalTapStateError } from './errors.js';
import type { FaultAction, FaultHook } from './faults.js';
import { type Logger, noopLogger } from './logger.js';
import { type LocalTapOptions, parseLocalTapOptions } from './options.js';
import { readRequestBody } from './request-body.js';
import { decideRequest, type RejectCause, type Verdict } from './request-verdict.js';
import { createSerialLock } from './serial-lock.js';
import { createStats, type LocalTapStats } from './stats.js';

/**
 * Timer functions the tap uses for its time threshold and fault delays.
 *
 * @example
 * ```ts
 * const timers: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
 * createLocalTap({ outDir: './out' }, { timers });
 * ```
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The dependencies of {@link createLocalTap}; all optional.
 *
 * @example
 * ```ts
 * let clock = Date.parse('2024-01-01T00:00:00Z');
 * createLocalTap({ outDir: './out' }, { now: () => clock, logger: console });
 * ```
 */
export interface LocalTapDeps {
  /** Diagnostics (default: none). */
  logger?: Logger;
  /** The clock, ms since the epoch: buffer file names (`__bd_ts`), partitions, thresholds. */
  now?: () => number;
  /** Timers for the time threshold and fault delays (default: the global ones, unref'd). */
  timers?: Timers;
  /** A fault hook, called once per request after its body was read. */
  faults?: FaultHook;
}

/**
 * Where the tap listens.
 *
 * @example
 * ```ts
 * const { url, port }: LocalTapAddress = await tap.start(); // 'http://127.0.0.1:41234/', 41234
 * ```
 */
export interface LocalTapAddress {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
}

/**
 * A batch that could not be converted; its files are kept under `failed/<batchId>/`.
 *
 * @example
 * ```ts
 * const { failed } = await tap.flush();
 * for (const batch of failed) console.error(batch.dir, batch.error.message);
 * ```
 */
export interface FailedBatch {
  batchId: string;
  dir: string;
  error: LocalTapConversionError;
}

/**
 * What one `flush()` produced.
 *
 * @example
 * ```ts
 * const { files, rows, ignoredLines }: FlushResult = await tap.flush();
 * console.log(`${rows} rows in ${files.length} files, ${ignoredLines} malformed lines dropped`);
 * ```
 */
export interface FlushResult {
  /** Parquet files written (absolute paths). */
  files: string[];
  /** Rows written. */
  rows: number;
  /** Lines DuckDB ignored. */
  ignoredLines: number;
  /** Batches that failed to convert. */
  failed: FailedBatch[];
}

/**
 * A local Data Tap.
 *
 * @example
 * ```ts
 * const tap = createLocalTap({ outDir: './out', token: 'secret' });
 * const { url } = await tap.start();
 * await fetch(url, {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/x-ndjson', 'x-bd-authorization': 'secret' },
 *   body: '{"level":"INFO","message":"hello"}\n',
 * });
 * await tap.flush();
 * const rows = await tap.query<{ message: string }>(`SELECT message FROM read_parquet('${tap.outputGlob}')`);
 * await tap.stop();
 * ```
 */
export interface LocalTap {
  /** Converts what an earlier process left buffered, then listens. */
  start(): Promise<LocalTapAddress>;
  /** Converts what is buffered now to Parquet. */
  flush(): Promise<FlushResult>;
  /** Stops accepting, lets the requests in progress finish, converts everything buffered, closes. */
  stop(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): LocalTapStats;
  /** Runs SQL in DuckDB (works before `start()` and after `stop()` too); BIGINTs come back as numbers when safe. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** `<outDir>/**\/*.parquet`, for `read_parquet(..., hive_partitioning=true)`. */
  readonly outputGlob: string;
  /** The folder of the durable buffer files. */
  readonly bufferDir: string;
}

type State = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

const realTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Past the limit a body is still read (so the client can read the 413) up to this much more. */
const DRAIN_EXTRA_BYTES = 1024 * 1024;

function headerBytes(req: IncomingMessage): number {
  let bytes = 0;
  for (const part of req.rawHeaders) bytes += Buffer.byteLength(part) + 2;
  return bytes;
}

function is2xx(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Creates a local Data Tap: the real tap's HTTP contract (POST NDJSON, `x-bd-authorization`,
 * 6 MB limit, 4xx with a JSON error, a `statusCode` in every JSON answer) on 127.0.0.1, a durable
 * buffer (fsync before the 2xx), and the real tap's DuckDB conversion to ZSTD Parquet under
 * `year=/month=/day=/hour=` in `outDir` past `thresholdBytes` or `thresholdMs`. Nothing is done
 * until `start()`.
 *
 * @example
 * ```ts
 * const tap = createLocalTap({ outDir: './out', thresholdMs: 5_000, sql: "WHERE type <> 'platform.start'" });
 * const { url } = await tap.start();
 * console.log(`send NDJSON to ${url}`);
 * process.once('SIGINT', () => void tap.stop());
 * ```
 */
export function createLocalTap(options: LocalTapOptions, deps: LocalTapDeps = {}): LocalTap {
  const config = parseLocalTapOptions(options);
  const logger = deps.logger ?? noopLogger;
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? realTimers;
  const bufferDir = config.bufferDir ?? join(config.outDir, '.local-tap-buffer');
  const store = createBufferStore(bufferDir, now);
  const converter = createConverter({ outDir: config.outDir, bufferDir, sql: config.sql });
  const conversionLock = createSerialLock();
  const stats = createStats();
  const inFlight = new Set<Promise<void>>();
  const cancelDelays = new Set<() => void>();
  let state: State = 'created';
  let server: Server | undefined;
  let thresholdTimer: unknown;
  let sizeConversionQueued = false;
  let stopping: Promise<void> | undefined;

  function clearThresholdTimer(): void {
    if (thresholdTimer !== undefined) timers.clearTimeout(thresholdTimer);
    thresholdTimer = undefined;
  }

  async function runBatch(batch: Batch, result: FlushResult): Promise<void> {
    try {
      const converted = await converter.convert(batch, new Date(now()));
      await store.complete(batch);
      stats.conversions++;
      stats.rowsRead += converted.rowsRead;
      stats.rows += converted.rows;
      stats.ignoredLines += converted.ignored;
      stats.filteredRows += converted.rowsRead - converted.ignored - converted.rows;
      result.rows += converted.rows;
      result.ignoredLines += converted.ignored;
      if (converted.file !== undefined) {
        stats.files++;
        result.files.push(converted.file);
      }
      logger.info('local-tap: converted a batch', {
        batchId: batch.id,
        file: converted.file,
        rows: converted.rows,
        ignoredLines: converted.ignored,
        bufferBytes: batch.bytes,
      });
    } catch (error) {
      const failure = error as LocalTapConversionError;
      const dir = await store.quarantine(batch, failure);
      stats.conversions++;
      stats.conversionErrors++;
      result.failed.push({ batchId: batch.id, dir, error: failure });
      logger.error('local-tap: a batch failed to convert; its files are kept', {
        batchId: batch.id,
        dir,
        error: failure.message,
      });
    }
  }

  function convertNow(reason: string): Promise<FlushResult> {
    return conversionLock.run(async () => {
      const result: FlushResult = { files: [], rows: 0, ignoredLines: 0, failed: [] };
      clearThresholdTimer();
      const batch = await store.claim();
      stats.bufferedBytes = store.pendingBytes();
      if (batch !== undefined) {
        logger.debug('local-tap: converting', { reason, batchId: batch.id, bytes: batch.bytes });
        await runBatch(batch, result);
      }
      return result;
    });
  }

  function convertInBackground(reason: string): void {
    convertNow(reason)
      .catch((error: unknown) => {
        logger.error('local-tap: conversion failed', { reason, error: (error as Error).message });
      })
      .finally(() => {
        if (reason === 'size') sizeConversionQueued = false;
      });
  }

  function checkThresholds(): void {
    stats.bufferedBytes = store.pendingBytes();
    const oldest = store.oldestAt();
    if (oldest === undefined) return;
    if (store.pendingBytes() >= config.thresholdBytes) {
      if (!sizeConversionQueued) {
        sizeConversionQueued = true;
        convertInBackground('size');
      }
      return;
    }
    const age = now() - oldest;
    if (age >= config.thresholdMs) {
      clearThresholdTimer();
      convertInBackground('time');
      return;
    }
    if (thresholdTimer === undefined && state === 'running') {
      thresholdTimer = timers.setTimeout(() => {
        thresholdTimer = undefined;
        convertInBackground('time');
      }, config.thresholdMs - age);
    }
  }

  async function recover(): Promise<void> {
    const result: FlushResult = { files: [], rows: 0, ignoredLines: 0, failed: [] };
    for (const batch of await store.claimedBatches()) {
      stats.recoveredBatches++;
      const existing = await converter.findConverted(batch.id);
      if (existing !== undefined) {
        logger.info('local-tap: an earlier run converted this batch already', {
          batchId: batch.id,
          file: existing,
        });
        await store.complete(batch);
      } else {
        await runBatch(batch, result);
      }
    }
    const loose = await store.claim();
    if (loose !== undefined) {
      stats.recoveredBatches++;
      await runBatch(loose, result);
    }
    if (result.rows > 0 || result.failed.length > 0) {
      logger.info('local-tap: converted what an earlier run left buffered', {
        rows: result.rows,
        files: result.files.length,
        failed: result.failed.length,
      });
    }
  }

  function delay(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        timers.clearTimeout(handle);
        cancelDelays.delete(finish);
        res.off('close', finish);
        resolve();
      };
      const handle = timers.setTimeout(finish, ms);
      cancelDelays.add(finish);
      res.on('close', finish);
    });
  }

  function answer(res: ServerResponse, verdict: Verdict): { status: number; body: string } {
    const body = verdict.ok
      ? { statusCode: 200, message: 'Accepted', lines: verdict.lines, bytes: verdict.data.length }
      : { statusCode: verdict.status, error: verdict.error, message: verdict.message };
    if (!verdict.ok && verdict.status === 405) res.setHeader('allow', 'POST');
    return { status: verdict.status, body: JSON.stringify(body) };
  }

  function respond(res: ServerResponse, verdict: Verdict, fault: FaultAction | undefined): void {
    const own = answer(res, verdict);
    const status = fault?.status ?? own.status;
    const body = Buffer.from(
      fault?.body ??
        (fault?.status === undefined
          ? own.body
          : JSON.stringify({
              statusCode: status,
              error: 'InjectedFault',
              message: `Injected fault: HTTP ${status}`,
            })),
    );
    res.statusCode = status;
    res.setHeader('content-type', fault?.contentType ?? 'application/json');
    res.setHeader('content-length', body.length);
    for (const [name, value] of Object.entries(fault?.headers ?? {})) res.setHeader(name, value);
    if (fault?.truncate) {
      stats.faults.truncated++;
      res.flushHeaders();
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++stats.requests;
    const read = await readRequestBody(req, config.maxBodyBytes, config.maxBodyBytes + DRAIN_EXTRA_BYTES);
    if (read.kind === 'aborted') {
      stats.aborted++;
      return;
    }
    if (read.kind === 'tooLarge' && !read.drained) res.shouldKeepAlive = false;
    if (state !== 'running') {
      stats.rejected.stopping++;
      res.shouldKeepAlive = false;
      respond(
        res,
        {
          ok: false,
          status: 503,
          cause: 'stopping',
          error: 'ServiceUnavailable',
          message: 'The tap is stopping: retry later',
        },
        undefined,
      );
      return;
    }
    const fault = deps.faults?.({ n, bytes: read.bytes, headers: req.headers });
    if (fault !== undefined) stats.faults.injected++;
    let verdict = await decideRequest(
      { method: req.method, headers: req.headers, headerBytes: headerBytes(req), read },
      config,
    );
    const status = fault?.status ?? verdict.status;
    const store_ = verdict.ok && (fault?.store ?? (is2xx(status) && !fault?.reset));
    let cause: RejectCause | undefined = verdict.ok ? undefined : verdict.cause;
    if (verdict.ok && store_) {
      try {
        await store.append(verdict.data);
        stats.accepted++;
        stats.acceptedBytes += verdict.data.length;
        stats.acceptedLines += verdict.lines;
        checkThresholds();
      } catch (error) {
        logger.error('local-tap: could not buffer a body', { error: (error as Error).message });
        verdict = {
          ok: false,
          status: 500,
          cause: 'internal',
          error: 'InternalServerError',
          message: 'The body could not be stored: retry',
        };
        cause = 'internal';
      }
    } else if (verdict.ok) {
      cause = 'fault';
    }
    if (cause !== undefined) {
      stats.rejected[cause]++;
      logger.debug('local-tap: request not stored', { n, cause, status: verdict.status });
    }
    if (fault?.delayMs !== undefined && fault.delayMs > 0) {
      stats.faults.delayed++;
      await delay(fault.delayMs, res);
    }
    if (fault?.reset) {
      stats.faults.resets++;
      req.socket.destroy();
      return;
    }
    if (res.destroyed) {
      stats.aborted++;
      return;
    }
    respond(res, verdict, fault);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const done = handle(req, res)
      .catch((error: unknown) => {
        logger.error('local-tap: request handling failed', { error: (error as Error).message });
        res.destroy();
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }

  function listen(): Promise<LocalTapAddress> {
    return new Promise((resolve, reject) => {
      const created = createServer(onRequest);
      created.once('error', reject);
      created.listen(config.port, config.host, () => {
        created.off('error', reject);
        server = created;
        const { port } = created.address() as AddressInfo;
        resolve({ url: `http://${config.host}:${port}/`, port });
      });
    });
  }

  async function closeServer(): Promise<void> {
    const current = server as Server;
    server = undefined;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const cancel of [...cancelDelays]) cancel();
    await Promise.all([...inFlight]);
    current.closeAllConnections();
    await closed;
  }

  async function doStop(): Promise<void> {
    state = 'stopping';
    await closeServer();
    clearThresholdTimer();
    try {
      const result = await convertNow('stop');
      logger.info('local-tap: stopped', { rows: result.rows, files: result.files.length });
    } finally {
      await store.close();
      converter.close();
      state = 'stopped';
    }
  }

  return {
    outputGlob: join(config.outDir, '**', '*.parquet'),
    bufferDir,
    async start() {
      if (state !== 'created') throw new LocalTapStateError(`start() called while ${state}`, state);
      state = 'starting';
      try {
        await mkdir(config.outDir, { recursive: true });
        await store.open();
        await converter.open();
        await recover();
        const address = await listen();
        state = 'running';
        checkThresholds();
        logger.info('local-tap: listening', { url: address.url, outDir: config.outDir });
        return address;
      } catch (error) {
        converter.close();
        state = 'stopped';
        throw error;
      }
    },
    flush() {
      if (state !== 'running' && state !== 'stopping') {
        return Promise.reject(new LocalTapStateError(`flush() called while ${state}`, state));
      }
      return convertNow('flush');
    },
    stop() {
      if (state === 'created' || state === 'stopped') {
        state = 'stopped';
        return Promise.resolve();
      }
      if (state === 'starting') {
        return Promise.reject(
          new LocalTapStateError('stop() called while starting: await start() first', state),
        );
      }
      stopping ??= doStop();
      return stopping;
    },
    stats() {
      stats.bufferedBytes = store.pendingBytes();
      return structuredClone(stats);
    },
    async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
      if (state === 'running' || state === 'stopping') return converter.query<T>(sql);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        return await runQuery<T>(connection, sql);
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    },
  };
}
