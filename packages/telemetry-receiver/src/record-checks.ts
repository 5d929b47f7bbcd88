// Hand-written structural checks, equivalent to the zod schemas of the documented record types
// (a property test holds them to it), but fast enough to run on every record of a megabyte batch.
import type { TelemetryRecordType } from './telemetry-record.js';

type Check = (value: unknown) => boolean;

const str: Check = (value) => typeof value === 'string';
const num: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const either =
  (a: Check, b: Check): Check =>
  (value) =>
    a(value) || b(value);
const arrayOf =
  (check: Check): Check =>
  (value) => {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i += 1) if (!check(value[i])) return false;
    return true;
  };
const object = (shape: Record<string, Check>): Check => {
  const keys = Object.keys(shape);
  const checks = keys.map((key) => shape[key] as Check);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (let i = 0; i < keys.length; i += 1) {
      if (!(checks[i] as Check)(record[keys[i] as string])) return false;
    }
    return true;
  };
};

const optStr = optional(str);
const optNum = optional(num);
const spans = optional(arrayOf(object({ name: str, start: str, durationMs: num })));
const tracing = optional(object({ spanId: optStr, type: str, value: str }));
const logLine = either(
  str,
  object({
    timestamp: optStr,
    level: optional(either(str, num)),
    requestId: optStr,
    errorType: optStr,
    errorMessage: optStr,
    stackTrace: optional(arrayOf(str)),
  }),
);
const instance = {
  runtimeVersion: optStr,
  runtimeVersionArn: optStr,
  functionName: optStr,
  functionVersion: optStr,
  instanceId: optStr,
  instanceMaxMemory: optNum,
};

/** The check of the `record` field, per documented type. */
const RECORD_CHECKS: Record<TelemetryRecordType, Check> = {
  'platform.initStart': object({ initializationType: str, phase: str, ...instance }),
  'platform.initRuntimeDone': object({
    initializationType: str,
    phase: str,
    status: str,
    errorType: optStr,
    spans,
  }),
  'platform.initReport': object({
    initializationType: str,
    phase: str,
    status: str,
    errorType: optStr,
    metrics: object({ durationMs: num }),
    spans,
  }),
  'platform.start': object({ requestId: str, version: optStr, tracing }),
  'platform.runtimeDone': object({
    requestId: str,
    status: str,
    errorType: optStr,
    metrics: optional(object({ durationMs: num, producedBytes: optNum })),
    spans,
    tracing,
  }),
  'platform.report': object({
    requestId: str,
    status: str,
    errorType: optStr,
    metrics: object({
      durationMs: num,
      billedDurationMs: num,
      memorySizeMB: num,
      maxMemoryUsedMB: num,
      initDurationMs: optNum,
      restoreDurationMs: optNum,
      billedRestoreDurationMs: optNum,
    }),
    spans,
    tracing,
  }),
  'platform.restoreStart': object(instance),
  'platform.restoreRuntimeDone': object({ status: str, errorType: optStr, spans }),
  'platform.restoreReport': object({
    status: str,
    errorType: optStr,
    metrics: object({ durationMs: num }),
    spans,
  }),
  'platform.extension': object({ name: str, state: str, events: arrayOf(str), errorType: optStr }),
  'platform.telemetrySubscription': object({ name: str, state: str, types: arrayOf(str) }),
  'platform.logsDropped': object({ droppedBytes: num, droppedRecords: num, reason: str }),
  function: logLine,
  extension: logLine,
};

const CHECKS: ReadonlyMap<string, Check> = new Map(Object.entries(RECORD_CHECKS));

/**
 * Checks the `record` field of an element whose `type` and `time` are already known to be strings.
 * Returns `true` for a valid record of a documented type or any record of an undocumented type,
 * `false` for a documented type whose record does not match its schema.
 */
export function isRecordValid(type: string, record: unknown): boolean {
  const check = CHECKS.get(type);
  return check === undefined || check(record);
}
