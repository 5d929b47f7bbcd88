import http from 'node:http';
import type { Logger } from './logger.js';
import {
  categoryOf,
  platformRecords,
  type TelemetryRecord,
  type TelemetryRecordEmitted,
  type TelemetryRecordType,
} from './records.js';
import {
  createSubscriberQueue,
  type SubscriberQueue,
  type SubscriberQueueStats,
} from './subscriber-queue.js';
import type { TelemetrySchemaVersion, TelemetrySubscription } from './telemetry-subscription.js';

/** What one subscriber got, for the report. */
export interface SubscriberSummary extends SubscriberQueueStats {
  readonly name: string;
  readonly schemaVersion: TelemetrySchemaVersion;
  readonly types: readonly string[];
  readonly destination: string;
}

/** Delivers one batch; resolves on 2xx. */
export type BatchPoster = (
  subscription: TelemetrySubscription,
  body: string,
  signal: AbortSignal,
) => Promise<void>;

/** The Telemetry API's producing side: every record, every subscriber. */
export interface TelemetryHub {
  emit(record: TelemetryRecord, extra?: { text?: string; source?: string }): TelemetryRecordEmitted;
  subscribe(name: string, subscription: TelemetrySubscription): void;
  isSubscribed(name: string): boolean;
  emitted(): readonly TelemetryRecordEmitted[];
  pause(): void;
  resume(): void;
  close(): void;
  idle(): boolean;
  subscribers(): SubscriberSummary[];
  countsByType(): Record<string, number>;
}

/** Posts a batch to 127.0.0.1 at the destination's port, keeping `Host: sandbox.localdomain:PORT`. */
export const postBatch: BatchPoster = (subscription, body, signal) =>
  new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: subscription.port,
        path: subscription.path,
        method: 'POST',
        signal,
        headers: {
          host: subscription.host,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`subscriber answered HTTP ${status}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

type Subscriber = {
  name: string;
  subscription: TelemetrySubscription;
  queue: SubscriberQueue;
  abort: AbortController;
};

/**
 * Creates the record store and the subscribers' delivery.
 * @internal
 */
export function createTelemetryHub(deps: {
  now(): number;
  queueFactor: number;
  logger: Logger;
  post?: BatchPoster;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}): TelemetryHub {
  const records: TelemetryRecordEmitted[] = [];
  const counts: Record<string, number> = {};
  const subscribers = new Map<string, Subscriber>();
  const post = deps.post ?? postBatch;
  let paused = false;

  const serialize = (entry: TelemetryRecordEmitted, schema: TelemetrySchemaVersion): string => {
    let record = entry.record;
    if (schema === '2022-07-01' && entry.type === 'function' && typeof record === 'object' && entry.text) {
      record = entry.text.replace(/\n$/, '');
    }
    return JSON.stringify({ time: entry.time, type: entry.type, record });
  };
  const wants = (sub: Subscriber, entry: TelemetryRecordEmitted): boolean =>
    (entry.subscriber === undefined || entry.subscriber === sub.name) &&
    sub.subscription.types.includes(categoryOf(entry.type));

  const store = (entry: TelemetryRecordEmitted): void => {
    records.push(entry);
    counts[entry.type] = (counts[entry.type] ?? 0) + 1;
  };
  const make = (
    record: TelemetryRecord,
    extra: { text?: string; source?: string; subscriber?: string },
  ): TelemetryRecordEmitted => {
    const entry: TelemetryRecordEmitted = { seq: records.length + 1, ...record };
    for (const [k, v] of Object.entries(extra))
      if (v !== undefined) (entry as unknown as Record<string, unknown>)[k] = v;
    return entry;
  };

  const hub: TelemetryHub = {
    emit(record, extra = {}) {
      const entry = make(record, extra);
      store(entry);
      for (const sub of subscribers.values()) {
        if (wants(sub, entry)) sub.queue.push(serialize(entry, sub.subscription.schemaVersion));
      }
      return entry;
    },
    subscribe(name, subscription) {
      const previous = subscribers.get(name);
      if (previous) {
        previous.queue.close();
        previous.abort.abort();
      }
      const abort = new AbortController();
      const sub: Subscriber = { name, subscription, abort, queue: undefined as unknown as SubscriberQueue };
      sub.queue = createSubscriberQueue(subscription.buffering, deps.queueFactor, {
        post: (body) => post(subscription, body, abort.signal),
        now: deps.now,
        setTimeout: deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms)),
        clearTimeout: deps.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout)),
        onDropped: (drop) => {
          deps.logger.warn('telemetry records dropped', { subscriber: name, ...drop });
          const entry = make(platformRecords.logsDropped(deps.now(), drop), { subscriber: name });
          store(entry);
          if (subscription.types.includes('platform'))
            sub.queue.push(serialize(entry, subscription.schemaVersion), true);
        },
      });
      if (paused) sub.queue.pause();
      subscribers.set(name, sub);
      if (!previous) {
        for (const entry of [...records]) {
          if (wants(sub, entry)) sub.queue.push(serialize(entry, subscription.schemaVersion));
        }
      }
    },
    isSubscribed(name) {
      return subscribers.has(name);
    },
    emitted() {
      return records;
    },
    pause() {
      paused = true;
      for (const sub of subscribers.values()) sub.queue.pause();
    },
    resume() {
      paused = false;
      for (const sub of subscribers.values()) sub.queue.resume();
    },
    close() {
      for (const sub of subscribers.values()) {
        sub.queue.close();
        sub.abort.abort();
      }
    },
    idle() {
      return [...subscribers.values()].every((s) => s.queue.idle());
    },
    subscribers() {
      return [...subscribers.values()].map((s) => ({
        name: s.name,
        schemaVersion: s.subscription.schemaVersion,
        types: [...s.subscription.types],
        destination: s.subscription.uri,
        ...s.queue.stats(),
      }));
    },
    countsByType() {
      return { ...counts } as Record<TelemetryRecordType, number>;
    },
  };
  return hub;
}
