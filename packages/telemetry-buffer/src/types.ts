/**
 * The four-method logger this package writes to; no-op by default. Pino, console or Powertools'
 * logger fit it.
 *
 * @example
 * ```ts
 * const logger: Logger = { debug() {}, info() {}, warn: console.warn, error: console.error };
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The timer functions the buffer uses (global ones by default). Inject fakes in tests.
 *
 * @example
 * ```ts
 * const timers: Timers = { setTimeout, clearTimeout };
 * ```
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * One batch handed to the `flush` callback: NDJSON lines (without newlines), in order.
 *
 * @example
 * ```ts
 * const flush = async (batch: FlushBatch) => {
 *   await fetch(url, { method: 'POST', body: `${batch.lines.join('\n')}\n` });
 * };
 * ```
 */
export interface FlushBatch {
  /** The lines, oldest first; each is one serialized record without its newline. */
  readonly lines: readonly string[];
  /** The bytes of the batch on the wire: the UTF-8 length of every line plus one newline each. */
  readonly bytes: number;
  /** Why the batch was cut: `max-items`, `max-bytes`, `max-age`, `backlog`, `retry`, `drain` or the reason given to `flush()`. */
  readonly reason: string;
}

/**
 * What a `flush` callback may return: nothing (all delivered), or the lines it did not deliver, in
 * two lists that never share a line:
 * - `unsent`: "retry later" (the destination was down, slow, the deadline came): they go back to the
 *   head of the buffer, in order, and the buffer backs off before the next automatic attempt;
 * - `rejected`: "will never go" (the destination refuses them for good: a line larger than a request
 *   may be, a body it answers 400): they leave the buffer at once, for good (released from the spool
 *   if they came from it, as delivered lines are), counted as dropped with cause `rejected`. A batch
 *   whose only undelivered lines are rejected is a success: no backoff, the next batch goes at once.
 *
 * Each list holds lines of the batch in batch order (matched in order; lines that are not in the
 * batch are ignored, with a warning). A rejected promise means nothing was delivered.
 *
 * @example
 * ```ts
 * const flush = async (batch: FlushBatch): Promise<FlushResult> => {
 *   const result = await sink.send(batch, { deadline });
 *   return { unsent: result.unsent, rejected: result.rejected };
 * };
 * ```
 */
export type FlushResult =
  | undefined
  | { readonly unsent: readonly string[]; readonly rejected?: readonly string[] | undefined };

/**
 * What an explicit {@link TelemetryBuffer.flush} did. It never rejects: a failure is reported here.
 *
 * @example
 * ```ts
 * const outcome = await buffer.flush('invoke');
 * if (outcome.failed) logger.warn('flush failed', { error: String(outcome.error) });
 * ```
 */
export interface FlushOutcome {
  readonly reason: string;
  /** Calls made to the `flush` callback. */
  readonly batches: number;
  /** Records delivered by those calls. */
  readonly delivered: number;
  /** Records those calls returned as `rejected` (dropped, cause `rejected`; not a failure). */
  readonly rejected: number;
  /** Whether a call failed (its promise rejected, or it returned unsent lines); the flush stops at the first failure. */
  readonly failed: boolean;
  /** The rejection, or an error describing the unsent lines, when `failed`. */
  readonly error?: unknown;
  /** Records still buffered afterwards (memory and spool backlog). */
  readonly remaining: number;
}

/**
 * Why records were dropped:
 * - `capacity`: a new record found the memory full (drop policy) and nothing of lower priority to evict;
 * - `evicted`: a buffered record was evicted for a new one of higher priority (drop policy);
 * - `spool-full`: the spool's size cap was reached;
 * - `spool-error`: writing to the spool failed (e.g. disk full, permissions);
 * - `spool-corrupt`: a spooled line failed its checksum or was torn (kill mid-write) at replay;
 * - `serialize`: the serializer threw, returned a non-string or a line with a newline;
 * - `closed`: pushed after `close()`, or left in memory at `close()` without a spool;
 * - `environment-ended`: left at a `drain({ leftover: 'drop' })` (the caller's environment, spool
 *   folder included, ends for good: nothing would read a spool), and what `close()` found after it;
 * - `rejected`: the `flush` callback returned them as `rejected`: the destination will never take
 *   them (such as a line larger than its request limit), so they are not retried.
 *
 * @example
 * ```ts
 * const cause: DropCause = 'spool-full';
 * ```
 */
export type DropCause =
  | 'capacity'
  | 'evicted'
  | 'spool-full'
  | 'spool-error'
  | 'spool-corrupt'
  | 'serialize'
  | 'closed'
  | 'environment-ended'
  | 'rejected';

/**
 * Records and bytes counted for one cause.
 *
 * @example
 * ```ts
 * const count: DropCount = { records: 3, bytes: 612 };
 * ```
 */
export interface DropCount {
  readonly records: number;
  readonly bytes: number;
}

/**
 * The drops since the previous {@link TelemetryBuffer.takeDropReport} (or since the start), ready
 * to be turned into a record that is shipped like any other, so the data says how much is missing.
 *
 * @example
 * ```ts
 * const report = buffer.takeDropReport();
 * if (report) buffer.push({ type: 'extension.dropped', record: report });
 * ```
 */
export interface DropReport {
  /** Epoch ms of the start of the period (the previous report, or the creation of the buffer). */
  readonly since: number;
  /** Epoch ms when the report was taken. */
  readonly until: number;
  readonly records: number;
  /** Bytes as counted by the buffer (line + newline); 0 for records dropped before serialization. */
  readonly bytes: number;
  readonly byCause: Readonly<Partial<Record<DropCause, DropCount>>>;
}

/**
 * Counters and gauges of a buffer, all since its creation unless noted.
 *
 * @example
 * ```ts
 * const { buffered, dropped } = buffer.stats();
 * console.log(buffered.records, dropped.records);
 * ```
 */
export interface BufferStats {
  /** Records given to `push()`. */
  readonly pushed: number;
  /** Records the `flush` callback accepted. */
  readonly delivered: number;
  /** Calls made to the `flush` callback. */
  readonly batches: number;
  /** Calls whose promise rejected or that returned unsent lines (not those that only returned `rejected` lines). */
  readonly failedFlushes: number;
  /** Gauge: records waiting in memory (not counting the batch in flight). */
  readonly buffered: DropCount;
  /** Gauge: the batch being flushed. */
  readonly inFlight: DropCount;
  /**
   * Gauge: what the records in memory (queued and in flight) cost in V8's heap, the figure
   * `capacity.maxBytes` bounds: each line's string (one byte per character, two for every character
   * once one is above U+00FF, plus a header) and its slots in the queue, not its UTF-8 bytes.
   */
  readonly memoryBytes: number;
  /** Gauge: records on disk not yet loaded back (0 without a spool). */
  readonly backlog: DropCount & { readonly segments: number };
  /** Gauge: bytes of spool files on disk (framing included). */
  readonly spoolDiskBytes: number;
  readonly dropped: DropCount & { readonly byCause: Readonly<Record<DropCause, number>> };
  /** Records bigger than `maxBytes`, each sent alone. */
  readonly oversized: number;
  /** Records written to the spool (overflow, drain, close). */
  readonly spooled: number;
  /** Records found in the spool left by a previous process, at `open()`. */
  readonly replayed: number;
  /** Spool segments holding at least one torn or corrupt line. */
  readonly corruptSegments: number;
  /** Torn or corrupt spool lines skipped (also counted in `dropped`, cause `spool-corrupt`). */
  readonly corruptLines: number;
  /** Gauge: the current delay before the next automatic attempt after failures (0 when healthy). */
  readonly backoffMs: number;
}

/**
 * The result of {@link TelemetryBuffer.open}.
 *
 * @example
 * ```ts
 * const { replayed, corruptSegments } = await buffer.open();
 * ```
 */
export interface OpenResult {
  /** Records found in the spool, to be delivered ahead of new records. */
  readonly replayed: number;
  /** Segments with torn or corrupt lines (their good lines are still replayed). */
  readonly corruptSegments: number;
}

/**
 * The options of {@link TelemetryBuffer.drain}.
 *
 * @example
 * ```ts
 * // A Lambda spindown: the environment and its /tmp are gone after this; a spool would be lost.
 * await buffer.drain({ deadlineMs: event.deadlineMs - 200, leftover: 'drop' });
 * ```
 */
export interface DrainOptions {
  /** Epoch ms: no new batch starts after it; a batch still in flight then is not waited for. */
  readonly deadlineMs: number;
  /**
   * What becomes of the records not delivered by the deadline: `spool` (default) writes them to the
   * spool for the next process on the same folder (dropped without a spool, at `close()`); `drop`
   * counts them as dropped, cause `environment-ended`, and deletes the spool's segments, for a caller
   * whose environment ends for good (a spool would be lost with it, not delivered). A batch still in
   * flight at the deadline is counted too: if its request completes later, its records are both
   * delivered and counted. After a `drop` drain, `close()` drops what is left in the same way.
   */
  readonly leftover?: 'spool' | 'drop';
}

/**
 * The result of {@link TelemetryBuffer.drain}.
 *
 * @example
 * ```ts
 * const { delivered, remaining, spooled } = await buffer.drain({ deadlineMs: Date.now() + 1500 });
 * ```
 */
export interface DrainResult {
  /** Records delivered during this drain. */
  readonly delivered: number;
  /** Records not delivered by the deadline (in memory or on disk; with `leftover: 'drop'`, dropped). */
  readonly remaining: number;
  /** Of the remaining records, how many are safe in the spool for the next start (0 with `leftover: 'drop'`). */
  readonly spooled: number;
}

/**
 * Options of one `push()`.
 *
 * @example
 * ```ts
 * const report = buffer.takeDropReport();
 * if (report) buffer.push({ type: 'dropped', ...report }, { reserved: true });
 * ```
 */
export interface PushOptions {
  /** Keep these records in memory within `capacity.reserveBytes` past the capacity. */
  readonly reserved?: boolean;
}

/**
 * A bounded, ordered batching buffer. Create it with {@link createTelemetryBuffer}.
 *
 * @example
 * ```ts
 * const buffer = createTelemetryBuffer({ maxItems: 500 }, { flush: async (batch) => send(batch.lines) });
 * buffer.push({ type: 'function', record: 'hello' });
 * await buffer.drain({ deadlineMs: Date.now() + 1000 });
 * await buffer.close();
 * ```
 */
export interface TelemetryBuffer<T> {
  /** Replays the spool left by a previous process (in order, ahead of new records). Call it before the first push. */
  open(): Promise<OpenResult>;
  /**
   * Adds records. Synchronous; never throws for capacity or serialization (drops are counted).
   * `reserved` records (your own accounting: drop reports, counters) go to memory even past the
   * capacity, within `capacity.reserveBytes`, ahead of any spool backlog: they are neither spooled
   * nor dropped while the rest overflows. Past the reserve they are treated like any record.
   */
  push(record: T | readonly T[], options?: PushOptions): void;
  /** Sends everything buffered now, in batches, in order; stops at the first failure. Never rejects. */
  flush(reason?: string): Promise<FlushOutcome>;
  /**
   * Flushes until empty or the deadline (epoch ms); then spools what is left (with a spool), or
   * drops and counts it with `leftover: 'drop'` (see {@link DrainOptions}).
   */
  drain(options: DrainOptions): Promise<DrainResult>;
  /** Resolves when no flush is in flight or queued. */
  whenIdle(): Promise<void>;
  /** The drops since the previous call, or `null` when there were none. */
  takeDropReport(): DropReport | null;
  stats(): BufferStats;
  /** Stops timers, waits for a flush in flight, spools what is left (with a spool) and keeps the spool files. */
  close(): Promise<void>;
}
