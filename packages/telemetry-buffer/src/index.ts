export { defaultPriority } from './default-priority.js';
export {
  TelemetryBufferError,
  type TelemetryBufferErrorCode,
  TelemetryBufferOptionsError,
} from './errors.js';
export { noopLogger } from './noop-logger.js';
export { type TelemetryBufferOptions, telemetryBufferOptionsSchema } from './options.js';
export type { SpoolFs } from './spool-fs.js';
export { createTelemetryBuffer, type TelemetryBufferDeps } from './telemetry-buffer.js';
export type {
  BufferStats,
  DrainOptions,
  DrainResult,
  DropCause,
  DropCount,
  DropReport,
  FlushBatch,
  FlushOutcome,
  FlushResult,
  Logger,
  OpenResult,
  PushOptions,
  TelemetryBuffer,
  Timers,
} from './types.js';
