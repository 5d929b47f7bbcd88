export type { TelemetryParseErrorReason } from './errors.js';
export {
  TelemetryConnectionError,
  TelemetryListenerError,
  TelemetryParseError,
  TelemetryReceiverError,
  TelemetryReceiverOptionsError,
  TelemetrySubscriptionError,
} from './errors.js';
export type {
  ListenerStats,
  TelemetryBatchInfo,
  TelemetryListener,
  TelemetryListenerDeps,
} from './listener.js';
export { createTelemetryListener } from './listener.js';
export type { TelemetryListenerOptions, TelemetryListenerOptionsInput } from './listener-options.js';
export { DEFAULT_MAX_BODY_BYTES, telemetryListenerOptionsSchema } from './listener-options.js';
export type { ExtensionRecord, FunctionRecord, JsonLogLine } from './log-record-schemas.js';
export { extensionRecordSchema, functionRecordSchema, jsonLogLineSchema } from './log-record-schemas.js';
export type { Logger } from './logger.js';
export type { ParsedTelemetryBatch } from './parse-batch.js';
export { isTelemetryRecordOfType, parseTelemetryBatch, parseTelemetryBatchDetailed } from './parse-batch.js';
export type {
  PlatformExtensionRecord,
  PlatformInitReportRecord,
  PlatformInitRuntimeDoneRecord,
  PlatformInitStartRecord,
  PlatformLogsDroppedRecord,
  PlatformReportRecord,
  PlatformRestoreReportRecord,
  PlatformRestoreRuntimeDoneRecord,
  PlatformRestoreStartRecord,
  PlatformRuntimeDoneRecord,
  PlatformStartRecord,
  PlatformTelemetrySubscriptionRecord,
} from './platform-record-schemas.js';
export {
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
export type { SubscribeTelemetryDeps, SubscribeTelemetryResult } from './subscribe.js';
export { subscribeTelemetry } from './subscribe.js';
export type { SubscribeTelemetryOptions, SubscribeTelemetryOptionsInput } from './subscribe-options.js';
export { subscribeTelemetryOptionsSchema, telemetryBufferingSchema } from './subscribe-options.js';
export type {
  KnownTelemetryRecord,
  TelemetryRecord,
  TelemetryRecordType,
  UnknownTelemetryRecord,
} from './telemetry-record.js';
export {
  knownTelemetryRecordSchema,
  TELEMETRY_RECORD_TYPES,
  telemetryRecordSchema,
  unknownTelemetryRecordSchema,
} from './telemetry-record.js';
