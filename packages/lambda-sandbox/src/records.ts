/** Telemetry API record types produced by the sandbox. */
export type TelemetryRecordType =
  | 'platform.initStart'
  | 'platform.initRuntimeDone'
  | 'platform.initReport'
  | 'platform.start'
  | 'platform.runtimeDone'
  | 'platform.report'
  | 'platform.extension'
  | 'platform.telemetrySubscription'
  | 'platform.logsDropped'
  | 'function'
  | 'extension';

/** The subscription type a record belongs to. */
export type TelemetryCategory = 'platform' | 'function' | 'extension';

/** Statuses of the Init and Invoke phases as Lambda reports them. */
export type PhaseStatus = 'success' | 'error' | 'failure' | 'timeout';

/** One record as the Telemetry API sends it. */
export interface TelemetryRecord {
  readonly time: string;
  readonly type: TelemetryRecordType;
  readonly record: unknown;
}

/**
 * A record the sandbox produced, as `emitted()` lists them, in order.
 *
 * @example
 * ```ts
 * const reports = sandbox.emitted().filter((r) => r.type === 'platform.report');
 * ```
 */
export interface TelemetryRecordEmitted extends TelemetryRecord {
  /** 1, 2, 3...: the order of production. */
  readonly seq: number;
  /**
   * For `function` and `extension` records: the line as the process wrote it (trailing newline
   * included). Under JSON log format a schema `2022-07-01` subscriber gets this string where newer
   * schemas get the parsed object in `record`.
   */
  readonly text?: string;
  /** For `extension` records: the extension that wrote the line; for `function`: `runtime`. */
  readonly source?: string;
  /** Set when the record was produced for one subscriber only (`platform.logsDropped`). */
  readonly subscriber?: string;
}

/** The category (`types` entry) a record type is delivered under. */
export function categoryOf(type: TelemetryRecordType): TelemetryCategory {
  return type === 'function' || type === 'extension' ? type : 'platform';
}

/** A tracing context as Lambda adds it to `platform.start` and friends. */
export interface Tracing {
  readonly spanId?: string;
  readonly type: 'X-Amzn-Trace-Id';
  readonly value: string;
}

/** A span of `platform.runtimeDone` / `platform.report`. */
export interface Span {
  readonly name: string;
  readonly start: string;
  readonly durationMs: number;
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

type InitBase = { initializationType: string; phase: 'init' | 'invoke' };

/**
 * Builders of every platform record the sandbox produces; `at` is a Unix time in ms.
 *
 * @example
 * ```ts
 * const r = platformRecords.start(Date.now(), { requestId: 'abc', version: '$LATEST' });
 * // { time: '2024-...Z', type: 'platform.start', record: { requestId: 'abc', version: '$LATEST' } }
 * ```
 */
export const platformRecords = {
  initStart(
    at: number,
    r: InitBase & { runtimeVersion?: string; functionName: string; functionVersion: string },
  ): TelemetryRecord {
    return { time: iso(at), type: 'platform.initStart', record: { ...r } };
  },
  initRuntimeDone(
    at: number,
    r: InitBase & { status: PhaseStatus; errorType?: string; spans?: Span[] },
  ): TelemetryRecord {
    return { time: iso(at), type: 'platform.initRuntimeDone', record: withoutUndefined(r) };
  },
  initReport(
    at: number,
    r: InitBase & { status: PhaseStatus; errorType?: string; durationMs: number },
  ): TelemetryRecord {
    const { durationMs, ...rest } = r;
    return {
      time: iso(at),
      type: 'platform.initReport',
      record: withoutUndefined({ ...rest, metrics: { durationMs: round3(durationMs) } }),
    };
  },
  start(at: number, r: { requestId: string; version: string; tracing?: Tracing }): TelemetryRecord {
    return { time: iso(at), type: 'platform.start', record: withoutUndefined(r) };
  },
  runtimeDone(
    at: number,
    r: {
      requestId: string;
      status: PhaseStatus;
      errorType?: string;
      durationMs: number;
      producedBytes?: number;
      spans?: Span[];
      tracing?: Tracing;
    },
  ): TelemetryRecord {
    const { durationMs, producedBytes, ...rest } = r;
    const metrics = withoutUndefined({ durationMs: round3(durationMs), producedBytes });
    return { time: iso(at), type: 'platform.runtimeDone', record: withoutUndefined({ ...rest, metrics }) };
  },
  report(
    at: number,
    r: {
      requestId: string;
      status: PhaseStatus;
      errorType?: string;
      durationMs: number;
      billedDurationMs: number;
      memorySizeMB: number;
      maxMemoryUsedMB: number;
      initDurationMs?: number;
      spans?: Span[];
      tracing?: Tracing;
    },
  ): TelemetryRecord {
    const { durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs, ...rest } = r;
    const metrics = withoutUndefined({
      durationMs: round3(durationMs),
      billedDurationMs,
      memorySizeMB,
      maxMemoryUsedMB,
      initDurationMs: initDurationMs === undefined ? undefined : round3(initDurationMs),
    });
    return { time: iso(at), type: 'platform.report', record: withoutUndefined({ ...rest, metrics }) };
  },
  extension(
    at: number,
    r: { name: string; state: string; events: string[]; errorType?: string },
  ): TelemetryRecord {
    return { time: iso(at), type: 'platform.extension', record: withoutUndefined(r) };
  },
  telemetrySubscription(at: number, r: { name: string; state: string; types: string[] }): TelemetryRecord {
    return { time: iso(at), type: 'platform.telemetrySubscription', record: { ...r } };
  },
  logsDropped(
    at: number,
    r: { droppedBytes: number; droppedRecords: number; reason: string },
  ): TelemetryRecord {
    return { time: iso(at), type: 'platform.logsDropped', record: { ...r } };
  },
};

/** A span as Lambda writes it. */
export function span(name: string, startMs: number, durationMs: number): Span {
  return { name, start: iso(startMs), durationMs: round3(durationMs) };
}

function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}
