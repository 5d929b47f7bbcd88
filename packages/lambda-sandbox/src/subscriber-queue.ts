/** Buffering of one subscription, as validated. */
export interface SubscriberBuffering {
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Counters of one subscriber's queue. */
export interface SubscriberQueueStats {
  deliveredRecords: number;
  deliveredBatches: number;
  failedBatches: number;
  droppedRecords: number;
  droppedBytes: number;
  queued: number;
  inFlight: boolean;
}

/** What a queue needs from outside: the POST, a clock, timers, and where drops are reported. */
export interface SubscriberQueueDeps {
  /** POSTs a JSON array body; resolves when the subscriber answered 2xx, rejects otherwise. */
  post(body: string, records: number): Promise<void>;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Called once the subscriber can take records again, with what was dropped since the last call. */
  onDropped(drop: { droppedRecords: number; droppedBytes: number; reason: string }): void;
}

/** The queue of one Telemetry API subscriber. */
export interface SubscriberQueue {
  /** Adds one serialized record; `force` bypasses the queue bound (for `platform.logsDropped`). */
  push(line: string, force?: boolean): void;
  /** Stops sending (the environment is frozen); the POST in flight, if any, stays in flight. */
  pause(): void;
  /** Sends again: what waited longer than `timeoutMs` goes at once. */
  resume(): void;
  /** Stops for good; queued records stay undelivered. */
  close(): void;
  /** Nothing queued and nothing in flight. */
  idle(): boolean;
  stats(): SubscriberQueueStats;
}

/** Reasons written into `platform.logsDropped`. */
export const DROP_REASONS = {
  overflow: 'Some logs were dropped because the telemetry subscriber did not keep up (its queue was full)',
  failed: 'Some logs were dropped because the telemetry subscriber failed to accept a batch',
} as const;

type Entry = { line: string; bytes: number; at: number };

/**
 * Lambda's delivery to one subscriber: records are batched as JSON arrays of at most `maxItems`
 * records and about `maxBytes` bytes, sent when a batch is full or its oldest record waited
 * `timeoutMs`; one POST in flight at a time; a failed POST drops its batch; while a POST is in
 * flight at most `queueFactor` x (`maxItems`, `maxBytes`) wait, newer records are dropped; drops
 * are reported through `onDropped` once the subscriber can take records again.
 *
 * @example
 * ```ts
 * const q = createSubscriberQueue({ maxItems: 1000, maxBytes: 262144, timeoutMs: 25 }, 2, {
 *   post: async (body) => { await send(body); }, now: Date.now, setTimeout, clearTimeout,
 *   onDropped: (d) => q.push(JSON.stringify(d), true),
 * });
 * q.push('{"time":"...","type":"function","record":"hello\\n"}');
 * ```
 */
export function createSubscriberQueue(
  buffering: SubscriberBuffering,
  queueFactor: number,
  deps: SubscriberQueueDeps,
): SubscriberQueue {
  const limitItems = buffering.maxItems * queueFactor;
  const limitBytes = buffering.maxBytes * queueFactor;
  let queue: Entry[] = [];
  let head = 0;
  let queuedBytes = 0;
  let inFlight = false;
  let paused = false;
  let closed = false;
  let timer: unknown;
  const drops = new Map<string, { records: number; bytes: number }>();
  const counters = {
    deliveredRecords: 0,
    deliveredBatches: 0,
    failedBatches: 0,
    droppedRecords: 0,
    droppedBytes: 0,
  };

  const length = (): number => queue.length - head;
  const clearTimer = (): void => {
    if (timer !== undefined) deps.clearTimeout(timer);
    timer = undefined;
  };
  const drop = (records: number, bytes: number, reason: string): void => {
    const d = drops.get(reason) ?? { records: 0, bytes: 0 };
    d.records += records;
    d.bytes += bytes;
    drops.set(reason, d);
    counters.droppedRecords += records;
    counters.droppedBytes += bytes;
  };
  const reportDrops = (): void => {
    if (closed || drops.size === 0) return;
    const all = [...drops];
    drops.clear();
    for (const [reason, d] of all)
      deps.onDropped({ droppedRecords: d.records, droppedBytes: d.bytes, reason });
  };
  const full = (): boolean => length() >= buffering.maxItems || queuedBytes >= buffering.maxBytes;

  // called by schedule() and its timer only, both when sending is allowed and records wait
  const send = (): void => {
    clearTimer();
    const lines: string[] = [];
    let bytes = 0;
    while (head < queue.length && lines.length < buffering.maxItems) {
      const entry = queue[head] as Entry;
      if (lines.length > 0 && bytes + entry.bytes > buffering.maxBytes) break;
      lines.push(entry.line);
      bytes += entry.bytes;
      head += 1;
    }
    queuedBytes -= bytes;
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    inFlight = true;
    deps.post(`[${lines.join(',')}]`, lines.length).then(
      () => {
        counters.deliveredRecords += lines.length;
        counters.deliveredBatches += 1;
        settle();
      },
      () => {
        counters.failedBatches += 1;
        drop(lines.length, bytes, DROP_REASONS.failed);
        settle();
      },
    );
  };
  const settle = (): void => {
    inFlight = false;
    reportDrops();
    schedule();
  };
  const schedule = (): void => {
    if (paused || inFlight || closed || length() === 0) return;
    const oldest = (queue[head] as Entry).at;
    const wait = oldest + buffering.timeoutMs - deps.now();
    if (full() || wait <= 0) {
      send();
      return;
    }
    if (timer === undefined) timer = deps.setTimeout(send, wait);
  };

  return {
    push(line, force = false) {
      if (closed) return;
      const bytes = Buffer.byteLength(line);
      if (!force && (length() >= limitItems || queuedBytes + bytes > limitBytes)) {
        drop(1, bytes, DROP_REASONS.overflow);
        return;
      }
      queue.push({ line, bytes, at: deps.now() });
      queuedBytes += bytes;
      schedule();
    },
    pause() {
      paused = true;
      clearTimer();
    },
    resume() {
      paused = false;
      if (!inFlight) reportDrops();
      schedule();
    },
    close() {
      closed = true;
      clearTimer();
    },
    idle() {
      return !inFlight && length() === 0;
    },
    stats() {
      return { ...counters, queued: length(), inFlight };
    },
  };
}
