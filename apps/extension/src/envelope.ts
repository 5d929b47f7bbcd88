/**
 * The envelope: what one line sent to the Data Tap looks like. Stable and flat on purpose: the tap
 * turns lines into Parquet with DuckDB (`union_by_name`, `maximum_depth=2`), so every top-level key
 * has one JSON type across all records (or is null), and the original record is kept losslessly as a
 * JSON string in `record`.
 */
import { hash, randomBytes } from 'node:crypto';
import { parseLogLine } from './log-line.js';

/** Envelope format version, in the `v` column. */
export const ENVELOPE_VERSION = 1;

/** One line sent to the Data Tap. */
export interface Envelope {
  /** Envelope format version. */
  v: number;
  /** Stable id of this record: `<environment id>-<sequence>`; a retry resends the same id. */
  id: string;
  /** The record's time (ISO 8601), as Lambda stamped it. */
  time: string;
  /** Telemetry type (`function`, `platform.report`, ...) or one of ours (`dataTaps.stats`, ...). */
  type: string;
  functionName: string;
  /** Function version (the original extension's `version`). */
  version: string;
  region: string;
  logGroup: string;
  logStream: string;
  requestId: string | null;
  /** Log level of a log line (`INFO`, `ERROR`, ...), or the level implied by a platform status. */
  level: string | null;
  /** The log line's message (at most 4,096 characters; the whole line is in `record`). */
  message: string | null;
  /** `status` of platform records (`success`, `error`, `failure`, `timeout`). */
  status: string | null;
  durationMs: number | null;
  billedDurationMs: number | null;
  maxMemoryUsedMB: number | null;
  initDurationMs: number | null;
  /** `text` when the original record was a string, `json` when it was an object (then `record` is its JSON). */
  recordFormat: 'text' | 'json';
  /** The original record, losslessly: the string itself, or the object's JSON. */
  record: string;
}

/** Where records come from (the envelope's constant columns). */
export interface EnvelopeContext {
  functionName: string;
  functionVersion: string;
  region: string;
  logGroup: string;
  logStream: string;
}

/** A telemetry record as the Telemetry API delivers it. */
export interface RawTelemetryRecord {
  time?: unknown;
  type: string;
  record?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Builds envelopes with ids unique to this environment and stable once assigned.
 * @example
 * const envelopes = createEnvelopeFactory(context);
 * const line = JSON.stringify(envelopes.fromTelemetry({ time, type: 'function', record: 'hello\n' }));
 */
export function createEnvelopeFactory(context: EnvelopeContext, options: { environmentId?: string } = {}) {
  // Drawn on first use (the first record), not at start: node:crypto then loads after Init.
  let drawnId = options.environmentId;
  const environmentId = (): string => (drawnId ??= randomBytes(6).toString('hex'));
  let sequence = 0;
  // Function log lines carry no request id in the text format (and not always in JSON): they belong
  // to the invocation whose platform.start came last (records arrive in order; one invocation at a time).
  let currentRequestId: string | null = null;
  // One object literal per envelope, every key in the same order: V8 then gives all envelopes one
  // hidden class (a spread of a shared base made each a slow, dictionary-mode object: ~10x slower).
  const envelope = (
    type: string,
    time: string,
    fields: {
      requestId: string | null;
      level: string | null;
      message: string | null;
      status: string | null;
      metrics: Record<string, unknown> | undefined;
      recordFormat: 'text' | 'json';
      record: string;
    },
  ): Envelope => ({
    v: ENVELOPE_VERSION,
    id: `${environmentId()}-${(sequence++).toString(36)}`,
    time,
    type,
    functionName: context.functionName,
    version: context.functionVersion,
    region: context.region,
    logGroup: context.logGroup,
    logStream: context.logStream,
    requestId: fields.requestId,
    level: fields.level,
    message: fields.message,
    status: fields.status,
    durationMs: fields.metrics ? num(fields.metrics['durationMs']) : null,
    billedDurationMs: fields.metrics ? num(fields.metrics['billedDurationMs']) : null,
    maxMemoryUsedMB: fields.metrics ? num(fields.metrics['maxMemoryUsedMB']) : null,
    initDurationMs: fields.metrics ? num(fields.metrics['initDurationMs']) : null,
    recordFormat: fields.recordFormat,
    record: fields.record,
  });

  return {
    /** 12 hex digits drawn once per environment: the first part of every record id. */
    get environmentId(): string {
      return environmentId();
    },
    /** The envelope of one telemetry record. */
    fromTelemetry(raw: RawTelemetryRecord): Envelope {
      const time = typeof raw.time === 'string' ? raw.time : new Date().toISOString();
      const record = raw.record;
      const recordFormat = typeof record === 'string' ? 'text' : 'json';
      const recordText = typeof record === 'string' ? record : (JSON.stringify(record) ?? 'null');
      let requestId: string | null = null;
      let level: string | null = null;
      let message: string | null = null;
      let status: string | null = null;
      let metrics: Record<string, unknown> | undefined;
      if (raw.type === 'function' || raw.type === 'extension') {
        const line = parseLogLine(record);
        requestId = line.requestId ?? (raw.type === 'function' ? currentRequestId : null);
        level = line.level;
        message = line.message;
      } else if (isObject(record)) {
        requestId = str(record['requestId']);
        if (raw.type === 'platform.start' && requestId !== null) currentRequestId = requestId;
        status = str(record['status']);
        if (isObject(record['metrics'])) metrics = record['metrics'];
        if (status !== null) level = status === 'success' ? 'INFO' : 'ERROR';
        if (raw.type === 'platform.logsDropped') level = 'WARN';
        message = str(record['errorType']) ?? str(record['reason']);
      }
      return envelope(raw.type, time, {
        requestId,
        level,
        message,
        status,
        metrics,
        recordFormat,
        record: recordText,
      });
    },
    /** An envelope of the extension's own (`dataTaps.*`): counters, drop reports, notices. */
    own(
      type: `dataTaps.${string}`,
      level: string,
      message: string,
      record: Record<string, unknown>,
      now = new Date(),
    ): Envelope {
      return envelope(type, now.toISOString(), {
        requestId: null,
        level,
        message,
        status: null,
        metrics: undefined,
        recordFormat: 'json',
        record: JSON.stringify(record),
      });
    },
  };
}

/** The factory's type. */
export type EnvelopeFactory = ReturnType<typeof createEnvelopeFactory>;

/** How every envelope line of this version starts (`v`, then `id`: the object's first keys). */
const ID_PREFIX = `{"v":${ENVELOPE_VERSION},"id":"`;

/**
 * The batch id of envelope lines (the Data Tap sink's `SendBatch.id`): a digest of their record ids.
 * A record id belongs to one record only, so the list names exactly these lines in this order, and
 * digesting ~20 bytes per record costs a small fraction of hashing the lines (~2 ms per 3.5 MB).
 * `undefined` when a line is not an envelope of this version (one spooled by another version of
 * the extension): the sink then derives the id from the body.
 * @example
 * sink.send({ lines, id: batchIdOfEnvelopeLines(lines) }, { deadline });
 */
export function batchIdOfEnvelopeLines(lines: readonly string[]): string | undefined {
  const start = ID_PREFIX.length;
  let ids = '';
  for (const line of lines) {
    const end = line.startsWith(ID_PREFIX) ? line.indexOf('"', start) : -1;
    if (end < 0) return undefined;
    ids += `${line.slice(start, end)}\n`;
  }
  return hash('sha256', ids, 'hex').slice(0, 32);
}
