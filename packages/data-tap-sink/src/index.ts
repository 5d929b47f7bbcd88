export { backoffDelay, parseRetryAfter } from './backoff.js';
export { type BreakerState, type CircuitBreaker, createCircuitBreaker } from './circuit-breaker.js';
export {
  createDataTapSink,
  type DataTapSink,
  type DataTapSinkDeps,
  REFUSED_TOKEN_PROBE_MS,
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
  failureKind,
  LineTooLargeError,
  SinkClosedError,
  TokenFormatError,
  TokenSourceError,
} from './errors.js';
export { createFanOutSink, type FanOutSendResult, type FanOutSink } from './fan-out-sink.js';
export {
  createFileSink,
  type FileSinkDeps,
  type FileSinkOptionsInput,
  fileSinkOptionsSchema,
} from './file-sink.js';
export {
  decodeJwtClaims,
  describeExpiry,
  formatDuration,
  readTokenExpiry,
  type TokenClaims,
  type TokenExpiry,
  tryReadTokenExpiry,
} from './jwt.js';
export { type Logger, noopLogger } from './logger.js';
export {
  type DataTapSinkOptions,
  type DataTapSinkOptionsInput,
  DEFAULT_MAX_BODY_BYTES,
  dataTapSinkOptionsSchema,
  MAX_BODY_BYTES,
  MAX_GZIP_BODY_BYTES,
} from './options.js';
export {
  createRefreshingTokenProvider,
  type RefreshingTokenProvider,
  type RefreshingTokenProviderDeps,
  type RefreshingTokenProviderOptionsInput,
  refreshingTokenProviderOptionsSchema,
  refreshSettingsShape,
} from './refreshing-token-provider.js';
export type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';
export {
  createStaticTokenProvider,
  type ObservableTokenProvider,
  STATIC_TOKEN_REMEDY,
  type StaticTokenProviderOptionsInput,
  staticTokenProviderOptionsSchema,
  type TokenProviderDeps,
} from './static-token-provider.js';
export {
  createStdoutSink,
  type StdoutSinkDeps,
  type StdoutSinkOptionsInput,
  stdoutSinkOptionsSchema,
} from './stdout-sink.js';
export { isTokenProvider, type TokenProvider } from './token.js';
export type { TokenEvent, TokenStatus } from './token-watch.js';
export { checkTapUrl } from './url.js';
