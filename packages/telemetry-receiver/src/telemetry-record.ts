import * as z from 'zod/mini';
import { extensionRecordSchema, functionRecordSchema } from './log-record-schemas.js';
import {
  platformExtensionRecordSchema,
  platformInitReportRecordSchema,
  platformInitRuntimeDoneRecordSchema,
  platformInitStartRecordSchema,
  platformLogsDroppedRecordSchema,
  platformReportRecordSchema,
  platformRestoreReportRecordSchema,
  platformRestoreRuntimeDoneRecordSchema,
  platformRestoreStartRecordSchema,
  platformRuntimeDoneRecordSchema,
  platformStartRecordSchema,
  platformTelemetrySubscriptionRecordSchema,
} from './platform-record-schemas.js';

/**
 * Every record type the Telemetry API documents, in the order of AWS's schema reference.
 *
 * @example
 * ```ts
 * const known = (TELEMETRY_RECORD_TYPES as readonly string[]).includes(record.type);
 * ```
 */
export const TELEMETRY_RECORD_TYPES = [
  'platform.initStart',
  'platform.initRuntimeDone',
  'platform.initReport',
  'platform.start',
  'platform.runtimeDone',
  'platform.report',
  'platform.restoreStart',
  'platform.restoreRuntimeDone',
  'platform.restoreReport',
  'platform.extension',
  'platform.telemetrySubscription',
  'platform.logsDropped',
  'function',
  'extension',
] as const;

/**
 * One of the documented record types.
 *
 * @example
 * ```ts
 * const type: TelemetryRecordType = 'platform.report';
 * ```
 */
export type TelemetryRecordType = (typeof TELEMETRY_RECORD_TYPES)[number];

const KNOWN_TYPES: ReadonlySet<string> = new Set(TELEMETRY_RECORD_TYPES);

/**
 * A record of one of the documented types whose fields match its schema: a discriminated union
 * over `type`.
 *
 * @example
 * ```ts
 * const result = knownTelemetryRecordSchema.safeParse(value);
 * if (result.success && result.data.type === 'platform.report') console.log(result.data.record.metrics);
 * ```
 */
export const knownTelemetryRecordSchema = z.discriminatedUnion('type', [
  platformInitStartRecordSchema,
  platformInitRuntimeDoneRecordSchema,
  platformInitReportRecordSchema,
  platformStartRecordSchema,
  platformRuntimeDoneRecordSchema,
  platformReportRecordSchema,
  platformRestoreStartRecordSchema,
  platformRestoreRuntimeDoneRecordSchema,
  platformRestoreReportRecordSchema,
  platformExtensionRecordSchema,
  platformTelemetrySubscriptionRecordSchema,
  platformLogsDroppedRecordSchema,
  functionRecordSchema,
  extensionRecordSchema,
]);
/**
 * A valid record of a documented type.
 *
 * @example
 * ```ts
 * function billed(record: KnownTelemetryRecord): number {
 *   return record.type === 'platform.report' ? record.record.metrics.billedDurationMs : 0;
 * }
 * ```
 */
export type KnownTelemetryRecord = z.infer<typeof knownTelemetryRecordSchema>;

/**
 * A record of a type this version of the package does not know (a type AWS adds later): the
 * envelope `{ time, type, record? }` with every field kept.
 *
 * @example
 * ```ts
 * unknownTelemetryRecordSchema.parse({ time: '2024-01-01T00:00:00Z', type: 'platform.future', record: {} });
 * ```
 */
export const unknownTelemetryRecordSchema = z.looseObject({
  time: z.string(),
  type: z
    .string()
    .check(z.refine((type) => !KNOWN_TYPES.has(type), 'expected a type that is not a documented one')),
  record: z.optional(z.unknown()),
});
/**
 * A record of an undocumented type.
 *
 * @example
 * ```ts
 * const other: UnknownTelemetryRecord = { time: '2024-01-01T00:00:00Z', type: 'platform.future' };
 * ```
 */
export type UnknownTelemetryRecord = z.infer<typeof unknownTelemetryRecordSchema>;

/**
 * Full validation of one record: a documented type must match its schema; any other type needs
 * only the envelope (`time` and `type` strings). Unexpected fields are kept.
 *
 * The listener and {@link parseTelemetryBatch} do not run this schema per record (too slow for
 * megabyte batches): they use an equivalent hand-written check, and pass a documented type whose
 * record does not match through unchanged (counted as invalid). Use this schema where you want
 * zod's issues for a record.
 *
 * @example
 * ```ts
 * const result = telemetryRecordSchema.safeParse(record);
 * if (!result.success) console.warn(result.error.issues);
 * ```
 */
export const telemetryRecordSchema = z.union([knownTelemetryRecordSchema, unknownTelemetryRecordSchema]);

/**
 * What the listener hands to `onBatch`, one element per record Lambda sent, as sent.
 *
 * Narrowing on `type` alone leaves `record` as `unknown`, and that is on purpose: a record of a
 * documented type that does not match its schema is passed through, not dropped. Narrow with
 * {@link isTelemetryRecordOfType} (cheap) before reading nested fields.
 *
 * @example
 * ```ts
 * for (const record of records) {
 *   if (isTelemetryRecordOfType(record, 'platform.report')) console.log(record.record.metrics.durationMs);
 * }
 * ```
 */
export type TelemetryRecord = KnownTelemetryRecord | UnknownTelemetryRecord;
