import { backoffDelay } from './backoff.js';
import { defaultPriority } from './default-priority.js';
import { DropCounter } from './drop-counter.js';
import { TelemetryBufferError, TelemetryBufferOptionsError } from './errors.js';
import { type Entries, emptyEntries, LineQueue, leastCost, lineCost } from './line-queue.js';
import { noopLogger } from './noop-logger.js';
import { parseOptions, type TelemetryBufferOptions } from './options.js';
import { Spool } from './spool.js';
import { nodeFs, type SpoolFs } from './spool-fs.js';
import type {
  BufferStats,
  DrainOptions,
  DrainResult,
  FlushBatch,
  FlushOutcome,
  FlushResult,
  Logger,
  OpenResult,
  PushOptions,
  TelemetryBuffer,
  Timers,
} from './types.js';

/**
 * The dependencies of {@link createTelemetryBuffer}: the `flush` callback and the injected I/O.
 *
 * @example
 * ```ts
 * const deps: TelemetryBufferDeps<MyRecord> = {
 *   flush: async (batch) => {
 *     const result = await sink.send(batch, { deadline: Date.now() + 5000 });
 *     return { unsent: result.unsent, rejected: result.rejected };
 *   },
 *   logger: console,
 * };
 * ```
 */
export interface TelemetryBufferDeps<T> {
  /**
   * Sends one batch. Reject for "nothing delivered"; return `{ unsent }` for lines to retry later and
   * `{ rejected }` for lines the destination will never take (dropped at once, cause `rejected`).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an async callback that returns nothing is the common case
  flush: (batch: FlushBatch) => Promise<FlushResult | void>;
  /** Serializes one record to one NDJSON line without a newline. Default `JSON.stringify`. */
  serialize?: (record: T) => string;
  /** The priority of a record for the `drop` policy (higher is kept). Default {@link defaultPriority}. */
  priority?: (record: T) => number;
  /** The clock (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Timers. Default the global `setTimeout`/`clearTimeout`. */
  timers?: Timers;
  /** Random numbers in [0, 1) for the backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Default: no-op. */
  logger?: Logger;
  /** Test-only seams: `fs` replaces the synchronous `node:fs` calls of the spool. */
  _internal?: { fs?: SpoolFs };
}

interface Flight {
  entries: Entries;
  /** drain() stopped waiting for it at its deadline. */
  abandoned: boolean;
  /** Its lines were written to the spool (at the deadline); its late result changes nothing. */
  persisted: boolean;
  /** Its lines were counted as dropped at a `leftover: 'drop'` drain; its late result changes nothing. */
  discarded?: boolean;
  /** Where: the segment, and how many of its first lines are this batch's. */
  spooledAt?: { seq: number; head: number };
  done: Promise<Sent>;
}

interface Sent {
  count: number;
  delivered: number;
  /** Lines the flush returned as `rejected` (dropped for good). */
  rejected: number;
  failed: boolean;
  error?: unknown;
}

const ignore = (): void => {};
const NOTHING_SENT: Sent = { count: 0, delivered: 0, rejected: 0, failed: false };
const TIMED_OUT = Symbol('timed out');

const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function pick(entries: Entries, indexes: readonly number[]): Entries {
  const out = emptyEntries();
  for (const i of indexes) {
    out.lines.push(entries.lines[i] as string);
    out.sizes.push(entries.sizes[i] as number);
    out.priorities.push(entries.priorities[i] as number);
    out.times.push(entries.times[i] as number);
    out.origins.push(entries.origins[i] as number);
    out.bytes += entries.sizes[i] as number;
    out.memory += lineCost(entries.lines[i] as string, entries.sizes[i] as number);
  }
  return out;
}

function concatEntries(a: Entries, b: Entries): Entries {
  return {
    lines: a.lines.concat(b.lines),
    sizes: a.sizes.concat(b.sizes),
    priorities: a.priorities.concat(b.priorities),
    times: a.times.concat(b.times),
    origins: a.origins.concat(b.origins),
    bytes: a.bytes + b.bytes,
    memory: a.memory + b.memory,
  };
}

/**
 * Creates a bounded, ordered batching buffer. Records are serialized once, at `push()`, into NDJSON
 * lines; batches of lines go to `deps.flush`, one at a time, oldest first. See the package README
 * for the triggers, the capacity policies, the spool and the drop report.
 *
 * @throws {TelemetryBufferOptionsError} when an option is invalid or `deps.flush` is missing.
 * @example
 * ```ts
 * const buffer = createTelemetryBuffer(
 *   { maxItems: 1000, maxBytes: 1_000_000, maxAgeMs: 1000, spool: { dir: '/tmp/data-tap-spool', maxBytes: 50_000_000 } },
 *   {
 *     flush: async (batch) => {
 *       const { unsent, rejected } = await sink.send(batch, { deadline });
 *       return { unsent, rejected };
 *     },
 *   },
 * );
 * await buffer.open();
 * buffer.push(records);
 * const { remaining } = await buffer.drain({ deadlineMs: shutdownDeadline - 200 });
 * await buffer.close();
 * ```
 */
export function createTelemetryBuffer<T>(
  options: TelemetryBufferOptions,
  deps: TelemetryBufferDeps<T>,
): TelemetryBuffer<T> {
  const opts = parseOptions(options);
  if (typeof deps?.flush !== 'function') {
    throw new TelemetryBufferOptionsError(
      'flush',
      'Invalid telemetry buffer dependency flush: expected a function',
    );
  }
  const flushFn = deps.flush;
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? globalTimers;
  const random = deps.random ?? Math.random;
  const logger = deps.logger ?? noopLogger;
  const serialize = deps.serialize;
  const priorityFn = deps.priority ?? (defaultPriority as (record: T) => number);
  const dropPolicy = opts.overflow === 'drop';
  const capacity = opts.capacity;

  const queue = new LineQueue(dropPolicy, opts.spool !== undefined);
  const drops = new DropCounter(now());
  const spool = opts.spool ? new Spool(opts.spool, deps._internal?.fs ?? nodeFs, drops, logger) : undefined;

  let pushed = 0;
  let delivered = 0;
  let batches = 0;
  let failedFlushes = 0;
  let oversized = 0;
  let replayed = 0;
  let inFlight: Flight | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let autoPending = false;
  let ageArmed = false;
  let ageTimer: unknown;
  let backoffArmed = false;
  let backoffTimer: unknown;
  let retryNext = false;
  let failures = 0;
  let backoffMs = 0;
  let quiet = false;
  let closing = false;
  let closed = false;
  // set by a drain({ leftover: 'drop' }): nothing will read the spool, so nothing more is spooled at close
  let ended = false;
  // lines of the current push() call bound for the spool, written once at its end
  let pendingLines: string[] = [];
  let pendingSizes: number[] = [];

  const inFlightRecords = () => (inFlight ? inFlight.entries.lines.length : 0);
  const inFlightBytes = () => (inFlight ? inFlight.entries.bytes : 0);
  // The memory bound counts what records cost in the heap (lineCost), not their UTF-8 bytes.
  const inFlightMemory = () => (inFlight ? inFlight.entries.memory : 0);
  const heldMemory = () => queue.memory + inFlightMemory();
  const backlogRecords = () => (spool ? spool.backlogRecords : 0);
  const hasBacklog = () => spool !== undefined && spool.backlogSegments > 0;

  function exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = chain.then(fn);
    chain = run.then(ignore, ignore);
    return run;
  }

  function priorityOf(record: T): number {
    try {
      const priority = priorityFn(record);
      return Number.isFinite(priority) ? priority : 0;
    } catch (error) {
      logger.warn('priority function threw; using 0', { error: String(error) });
      return 0;
    }
  }

  function linePriority(line: string): number {
    if (serialize !== undefined && deps.priority !== undefined) return 0;
    try {
      return priorityOf(JSON.parse(line) as T);
    } catch {
      return 0;
    }
  }

  function fits(memory: number): boolean {
    const records = queue.count + inFlightRecords();
    if (records === 0) return true;
    return records + 1 <= capacity.maxRecords && heldMemory() + memory <= capacity.maxBytes;
  }

  /** A reserved record that still fits in memory within the reserve, whatever else is queued or spooled. */
  function fitsReserved(memory: number): boolean {
    return heldMemory() + memory <= capacity.maxBytes + capacity.reserveBytes;
  }

  function accept(record: T, time: number, reserved: boolean): void {
    if (closing) {
      drops.add('closed', 1, 0);
      return;
    }
    let line: unknown;
    try {
      line = serialize ? serialize(record) : JSON.stringify(record);
    } catch (error) {
      drops.add('serialize', 1, 0);
      logger.warn('serializer threw; record dropped', { error: String(error) });
      return;
    }
    if (typeof line !== 'string' || (serialize !== undefined && line.includes('\n'))) {
      drops.add('serialize', 1, 0);
      logger.warn('serializer returned no single line; record dropped', { type: typeof line });
      return;
    }
    const size = Buffer.byteLength(line) + 1;
    const memory = lineCost(line, size);
    if (reserved && fitsReserved(memory)) {
      queue.push(line, size, dropPolicy ? priorityOf(record) : 0, time, 0);
      return;
    }
    if (pendingLines.length > 0 || hasBacklog()) {
      pendingLines.push(line);
      pendingSizes.push(size);
      return;
    }
    if (fits(memory)) {
      queue.push(line, size, dropPolicy ? priorityOf(record) : 0, time, 0);
      return;
    }
    if (!dropPolicy) {
      pendingLines.push(line);
      pendingSizes.push(size);
      return;
    }
    const priority = priorityOf(record);
    while (!fits(memory)) {
      const evicted = queue.evictBelow(priority);
      if (!evicted) {
        drops.add('capacity', 1, size);
        return;
      }
      drops.add('evicted', 1, evicted.size);
      if (evicted.origin !== 0) spool?.release(evicted.origin, 1);
    }
    queue.push(line, size, priority, time, 0);
  }

  /** Scans the spool folder once; segments of a previous process go ahead of anything in memory. */
  function ensureSpoolOpen(target: Spool): void {
    if (target.opened) return;
    const scan = target.open();
    replayed += scan.replayed;
    if (scan.replayed > 0 && queue.count > 0) {
      const entries = queue.takeAll();
      target.append(entries.lines, entries.sizes);
    }
  }

  function writePending(target: Spool): void {
    const lines = pendingLines;
    const sizes = pendingSizes;
    pendingLines = [];
    pendingSizes = [];
    try {
      ensureSpoolOpen(target);
    } catch (error) {
      logger.error('spool unavailable; records dropped', { error: String(error) });
      drops.add(
        'spool-error',
        lines.length,
        sizes.reduce((a, b) => a + b, 0),
      );
      return;
    }
    target.append(lines, sizes);
  }

  /** Loads spooled segments into memory while they fit (always one when memory is empty). */
  function refill(): void {
    if (!spool) return;
    for (let next = spool.nextSegment(); next; next = spool.nextSegment()) {
      const records = queue.count + inFlightRecords();
      if (
        records > 0 &&
        (records + next.lines > capacity.maxRecords ||
          heldMemory() + leastCost(next.lines, next.bytes) > capacity.maxBytes)
      ) {
        return;
      }
      const loaded = spool.load();
      // spooled lines have waited already: due for the age trigger at once
      const time = now() - opts.maxAgeMs;
      for (let i = 0; i < loaded.lines.length; i++) {
        const line = loaded.lines[i] as string;
        queue.push(line, loaded.sizes[i] as number, dropPolicy ? linePriority(line) : 0, time, loaded.origin);
      }
    }
  }

  function triggerReason(): string | undefined {
    if (queue.count >= opts.maxItems) return 'max-items';
    if (queue.bytes >= opts.maxBytes) return 'max-bytes';
    if (hasBacklog()) return 'backlog';
    const head = queue.headTime();
    if (head !== undefined && now() - head >= opts.maxAgeMs) return 'max-age';
    return undefined;
  }

  function disarmAge(): void {
    if (!ageArmed) return;
    ageArmed = false;
    timers.clearTimeout(ageTimer);
  }

  function disarmBackoff(): void {
    if (!backoffArmed) return;
    backoffArmed = false;
    timers.clearTimeout(backoffTimer);
  }

  function armAge(): void {
    if (ageArmed) return;
    const head = queue.headTime();
    if (head === undefined) return;
    ageArmed = true;
    ageTimer = timers.setTimeout(
      () => {
        ageArmed = false;
        maybeFlush();
      },
      Math.max(0, head + opts.maxAgeMs - now()),
    );
  }

  function maybeFlush(): void {
    if (!opts.autoFlush || closing || quiet || autoPending || backoffArmed) return;
    if (triggerReason() === undefined) {
      armAge();
      return;
    }
    autoPending = true;
    disarmAge();
    void exclusive(autoCycle);
  }

  async function autoCycle(): Promise<void> {
    let reason = triggerReason();
    if (reason !== undefined && retryNext) reason = 'retry';
    retryNext = false;
    while (reason !== undefined && !quiet && !closing) {
      const sent = await sendBatch(reason);
      if (sent.failed || sent.count === 0) break;
      reason = triggerReason();
    }
    autoPending = false;
    maybeFlush();
  }

  function onFailure(): void {
    failures += 1;
    backoffMs = backoffDelay(failures, opts.backoff, random);
    disarmBackoff();
    if (!opts.autoFlush || closing || quiet) return;
    disarmAge();
    backoffArmed = true;
    backoffTimer = timers.setTimeout(() => {
      backoffArmed = false;
      retryNext = true;
      maybeFlush();
    }, backoffMs);
  }

  function onSuccess(): void {
    failures = 0;
    backoffMs = 0;
    disarmBackoff();
  }

  /**
   * The indexes of `subset`'s lines in `lines`, matched in order, skipping indexes already `taken`.
   * A line that is not in the batch after the previous match (a stray or out-of-order line, or one
   * already taken) is ignored, with a warning naming `list`, and matching goes on with the next.
   */
  function matchLines(
    lines: readonly string[],
    subset: readonly string[],
    list: 'unsent' | 'rejected',
    taken?: ReadonlySet<number>,
  ): number[] {
    const indexes: number[] = [];
    let from = 0;
    let ignored = 0;
    for (const text of subset) {
      let i = from;
      while (i < lines.length && (lines[i] !== text || taken?.has(i))) i += 1;
      if (i === lines.length) ignored += 1;
      else {
        indexes.push(i);
        from = i + 1;
      }
    }
    if (ignored > 0) {
      logger.warn(`flush returned ${list} lines that are not in the batch (or out of order); ignored them`, {
        ignored,
      });
    }
    return indexes;
  }

  function releaseDelivered(entries: Entries, requeued: readonly number[]): void {
    if (!spool) return;
    const back = new Set(requeued);
    const counts = new Map<number, number>();
    entries.origins.forEach((origin, i) => {
      if (origin !== 0 && !back.has(i)) counts.set(origin, (counts.get(origin) ?? 0) + 1);
    });
    for (const [origin, count] of counts) spool.release(origin, count);
  }

  function settle(
    flight: Flight,
    requeue: number[],
    rejected: number[],
    error: unknown,
    threw: boolean,
  ): Sent {
    const entries = flight.entries;
    const count = entries.lines.length;
    const sentCount = count - requeue.length - rejected.length;
    delivered += sentCount;
    // Rejected lines leave for good, counted once: not when a drop drain counted the batch already
    // (environment-ended), nor while a spooled copy of it is still to be sent again.
    let dropsRejected = !flight.discarded;
    if (flight.persisted) {
      const at = flight.spooledAt;
      const removed = requeue.length === 0 && at !== undefined && spool?.dropHead(at.seq, at.head) === true;
      dropsRejected = removed;
      if (sentCount > 0 && !removed) {
        logger.warn('a batch was delivered after drain spooled it at its deadline; it will be sent again', {
          lines: sentCount,
        });
      }
    } else if (!flight.discarded) releaseDelivered(entries, requeue);
    if (rejected.length > 0 && dropsRejected) {
      const gone = pick(entries, rejected);
      drops.add('rejected', gone.lines.length, gone.bytes);
      logger.debug('flush rejected lines for good; dropped', { rejected: rejected.length, of: count });
    }
    if (requeue.length === 0) {
      onSuccess();
      return { count, delivered: sentCount, rejected: rejected.length, failed: false };
    }
    failedFlushes += 1;
    const back = pick(entries, requeue);
    if (!flight.persisted && !flight.discarded) {
      if (closed) drops.add('closed', back.lines.length, back.bytes);
      else queue.unshift(back);
    }
    // A flush that returned unsent lines knows (and says, if it wants); one that threw is
    // unexpected: warned once per run of failures, the rest at debug.
    const fields = { unsent: requeue.length, of: count, error: String(error) };
    if (threw && failures === 0) logger.warn('flush failed; lines kept at the head', fields);
    else logger.debug('flush failed; lines kept at the head', fields);
    onFailure();
    return { count, delivered: sentCount, rejected: rejected.length, failed: true, error };
  }

  function sendBatch(reason: string): Promise<Sent> {
    if (closing) return Promise.resolve(NOTHING_SENT);
    refill();
    const entries = queue.cut(opts.maxItems, opts.maxBytes);
    if (!entries) return Promise.resolve(NOTHING_SENT);
    if (entries.lines.length === 1 && entries.bytes > opts.maxBytes) oversized += 1;
    batches += 1;
    const flight = { entries, abandoned: false, persisted: false } as Flight;
    inFlight = flight;
    flight.done = (async () => {
      let requeue: number[] = [];
      let rejected: number[] = [];
      let error: unknown;
      let threw = false;
      try {
        const result = await flushFn({ lines: entries.lines, bytes: entries.bytes, reason });
        if (result && result.unsent.length > 0) {
          requeue = matchLines(entries.lines, result.unsent, 'unsent');
          error = new TelemetryBufferError(
            'FLUSH_FAILED',
            `flush left ${result.unsent.length} of ${entries.lines.length} lines unsent`,
          );
        }
        if (result?.rejected && result.rejected.length > 0) {
          rejected = matchLines(entries.lines, result.rejected, 'rejected', new Set(requeue));
        }
      } catch (caught) {
        error = caught;
        threw = true;
        requeue = entries.lines.map((_, i) => i);
      }
      if (inFlight === flight) inFlight = undefined;
      return settle(flight, requeue, rejected, error, threw);
    })();
    return flight.done;
  }

  /** Writes what is undelivered in memory (and an abandoned batch) to the spool, ahead of its backlog. */
  function persistRemaining(target: Spool): void {
    try {
      ensureSpoolOpen(target);
    } catch (error) {
      // Nothing can be kept for a next Init: what is left is dropped, and counted.
      const left = queue.takeAll();
      let records = left.lines.length;
      let bytes = left.bytes;
      const abandoned = inFlight;
      if (abandoned?.abandoned && !abandoned.persisted) {
        abandoned.persisted = true;
        records += abandoned.entries.lines.length;
        bytes += abandoned.entries.bytes;
      }
      drops.add('spool-error', records, bytes);
      logger.error('spool unavailable; the records left in memory are dropped', {
        records,
        error: String(error),
      });
      return;
    }
    let entries = queue.takeAll();
    const flight = inFlight;
    if (flight?.abandoned && !flight.persisted) {
      flight.persisted = true;
      entries = concatEntries(flight.entries, entries);
      const at = target.persist(entries, flight.entries.lines.length);
      if (at.head === flight.entries.lines.length) flight.spooledAt = at;
      return;
    }
    target.persist(entries);
  }

  /**
   * Counts what is left (memory, a batch abandoned in flight, the spool's backlog) as dropped with
   * cause `environment-ended`, and deletes the spool's segments: nothing will read them again.
   */
  function discardRemaining(): void {
    const left = queue.takeAll();
    let records = left.lines.length;
    let bytes = left.bytes;
    const flight = inFlight;
    if (flight?.abandoned && !flight.persisted && !flight.discarded) {
      flight.discarded = true;
      records += flight.entries.lines.length;
      bytes += flight.entries.bytes;
    }
    if (spool) {
      const gone = spool.discard();
      records += gone.records;
      bytes += gone.bytes;
    }
    drops.add('environment-ended', records, bytes);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      timers.setTimeout(resolve, ms);
    });
  }

  async function withDeadline<R>(promise: Promise<R>, ms: number): Promise<R | typeof TIMED_OUT> {
    let handle: unknown;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      handle = timers.setTimeout(() => resolve(TIMED_OUT), ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      timers.clearTimeout(handle);
    }
  }

  const buffer: TelemetryBuffer<T> = {
    async open(): Promise<OpenResult> {
      if (!spool) return { replayed: 0, corruptSegments: 0 };
      ensureSpoolOpen(spool);
      const scan = spool.open();
      maybeFlush();
      return { replayed: scan.replayed, corruptSegments: scan.corruptSegments };
    },

    push(input: T | readonly T[], pushOptions?: PushOptions): void {
      const time = now();
      const reserved = pushOptions?.reserved === true;
      if (Array.isArray(input)) {
        pushed += input.length;
        for (const record of input as readonly T[]) accept(record, time, reserved);
      } else {
        pushed += 1;
        accept(input as T, time, reserved);
      }
      if (pendingLines.length > 0) writePending(spool as Spool);
      if (quiet && !closing) quiet = false;
      maybeFlush();
    },

    flush(reason = 'manual'): Promise<FlushOutcome> {
      return exclusive(async () => {
        let budget = queue.count + backlogRecords();
        let sentBatches = 0;
        let sentRecords = 0;
        let rejectedRecords = 0;
        let failure: Sent | undefined;
        while (budget > 0) {
          const sent = await sendBatch(reason);
          if (sent.count === 0) break;
          sentBatches += 1;
          sentRecords += sent.delivered;
          rejectedRecords += sent.rejected;
          budget -= sent.count;
          if (sent.failed) {
            failure = sent;
            break;
          }
        }
        maybeFlush();
        const remaining = queue.count + backlogRecords();
        return failure
          ? {
              reason,
              batches: sentBatches,
              delivered: sentRecords,
              rejected: rejectedRecords,
              failed: true,
              error: failure.error,
              remaining,
            }
          : {
              reason,
              batches: sentBatches,
              delivered: sentRecords,
              rejected: rejectedRecords,
              failed: false,
              remaining,
            };
      });
    },

    async drain({ deadlineMs, leftover = 'spool' }: DrainOptions): Promise<DrainResult> {
      if (typeof deadlineMs !== 'number' || !Number.isFinite(deadlineMs)) {
        throw new TelemetryBufferOptionsError(
          'deadlineMs',
          `Invalid drain option deadlineMs: expected epoch milliseconds (got ${String(deadlineMs)})`,
        );
      }
      if (leftover !== 'spool' && leftover !== 'drop') {
        throw new TelemetryBufferOptionsError(
          'leftover',
          `Invalid drain option leftover: expected "spool" or "drop" (got ${String(leftover)})`,
        );
      }
      quiet = true;
      disarmAge();
      disarmBackoff();
      const start = delivered;
      let attempts = 0;
      while (!closing && (queue.count > 0 || hasBacklog() || inFlight)) {
        const left = deadlineMs - now();
        if (left <= 0) break;
        const sent = await withDeadline(
          exclusive(() => sendBatch('drain')),
          left,
        );
        if (sent === TIMED_OUT) {
          if (inFlight) inFlight.abandoned = true;
          break;
        }
        if (sent.count === 0) break;
        if (sent.failed) {
          attempts += 1;
          const wait = Math.min(backoffDelay(attempts, opts.backoff, random), deadlineMs - now());
          if (wait > 0) await sleep(wait);
        }
      }
      if (leftover === 'drop') {
        ended = true;
        const flight = inFlight;
        const abandoned = flight?.abandoned && !flight.persisted ? flight.entries.lines.length : 0;
        const remaining = queue.count + backlogRecords() + abandoned;
        discardRemaining();
        return { delivered: delivered - start, remaining, spooled: 0 };
      }
      if (spool) persistRemaining(spool);
      const flight = inFlight;
      const unspooled = flight && !flight.persisted ? flight.entries.lines.length : 0;
      const spooled = backlogRecords();
      return { delivered: delivered - start, remaining: queue.count + spooled + unspooled, spooled };
    },

    async whenIdle(): Promise<void> {
      let seen: Promise<unknown>;
      do {
        seen = chain;
        await seen;
      } while (seen !== chain);
    },

    takeDropReport() {
      return drops.take(now());
    },

    stats(): BufferStats {
      return {
        pushed,
        delivered,
        batches,
        failedFlushes,
        buffered: { records: queue.count, bytes: queue.bytes },
        inFlight: { records: inFlightRecords(), bytes: inFlightBytes() },
        memoryBytes: heldMemory(),
        backlog: {
          records: backlogRecords(),
          bytes: spool ? spool.backlogBytes : 0,
          segments: spool ? spool.backlogSegments : 0,
        },
        spoolDiskBytes: spool ? spool.diskBytes : 0,
        dropped: { records: drops.records, bytes: drops.bytes, byCause: drops.byCause() },
        oversized,
        spooled: spool ? spool.spooled : 0,
        replayed,
        corruptSegments: spool ? spool.corruptSegments : 0,
        corruptLines: spool ? spool.corruptLines : 0,
        backoffMs,
      };
    },

    async close(): Promise<void> {
      if (closing) return;
      closing = true;
      quiet = true;
      disarmAge();
      disarmBackoff();
      while (inFlight && !inFlight.abandoned) await inFlight.done;
      closed = true;
      if (ended) discardRemaining();
      else if (spool) {
        if (queue.count > 0) persistRemaining(spool);
        spool.closeWriter();
      } else if (queue.count > 0) {
        const left = queue.takeAll();
        drops.add('closed', left.lines.length, left.bytes);
        logger.warn('closed with records in memory and no spool; dropped', { records: left.lines.length });
      }
    },
  };
  return buffer;
}
