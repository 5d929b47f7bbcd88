export {
  LambdaSandboxError,
  LayerError,
  SandboxOptionsError,
  SandboxStateError,
} from './errors.js';
export type { Logger } from './logger.js';
export type {
  MemoryAccounting,
  MemoryStats,
  ProcMemory,
  ProcReader,
} from './memory-monitor.js';
export type { LambdaSandboxOptions, ResolvedSandboxOptions } from './options.js';
export { lambdaSandboxOptionsSchema } from './options.js';
export type {
  PhaseStatus,
  Span,
  TelemetryCategory,
  TelemetryRecord,
  TelemetryRecordEmitted,
  TelemetryRecordType,
  Tracing,
} from './records.js';
export type { DurationStats, InvocationSummary, SandboxReport } from './report.js';
export { durationStats } from './report.js';
export type {
  InitResult,
  InvokeResult,
  LambdaSandbox,
  LambdaSandboxDeps,
  ProcessOutcome,
  SandboxExtensionInfo,
  ShutdownResult,
} from './sandbox.js';
export { createLambdaSandbox } from './sandbox.js';
export type { SubscriberSummary } from './telemetry-hub.js';
export type {
  SubscriptionRefusal,
  TelemetrySchemaVersion,
  TelemetrySubscription,
} from './telemetry-subscription.js';
export {
  BUFFERING_LIMITS,
  TELEMETRY_SCHEMA_VERSIONS,
  validateSubscription,
} from './telemetry-subscription.js';
export type { ZipEntry } from './zip-reader.js';
export { extractZip, readZipEntries } from './zip-reader.js';
