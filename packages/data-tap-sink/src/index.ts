export { backoffDelay, parseRetryAfter } from './backoff.js';
export { type BreakerState, type CircuitBreaker, createCircuitBreaker } from './circuit-breaker.js';
export {
  createDataTapSink,
  type DataTapSink,
  type DataTapSinkDeps,
  type SinkStats,
} from './data-tap-sink.js';
export {
  CircuitOpenError,
  DataTapAuthError,
  DataTapHttpError,
  DataTapNetworkError,
  DataTapSinkError,
  DataTapSinkOptionsError,
  DeadlineExceededError,
  LineTooLargeError,
  SinkClosedError,
} from './errors.js';
export { createFanOutSink, type FanOutSendResult, type FanOutSink } from './fan-out-sink.js';
export {
  createFileSink,
  type FileSinkDeps,
  type FileSinkOptionsInput,
  fileSinkOptionsSchema,
} from './file-sink.js';
export { type Logger, noopLogger } from './logger.js';
export {
  type DataTapSinkOptions,
  type DataTapSinkOptionsInput,
  DEFAULT_MAX_BODY_BYTES,
  dataTapSinkOptionsSchema,
} from './options.js';
export type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';
export {
  createStdoutSink,
  type StdoutSinkDeps,
  type StdoutSinkOptionsInput,
  stdoutSinkOptionsSchema,
} from './stdout-sink.js';
export { isTokenProvider, type TokenProvider } from './token.js';
