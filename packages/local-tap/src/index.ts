export {
  LocalTapConversionError,
  LocalTapError,
  LocalTapOptionsError,
  LocalTapStateError,
} from './errors.js';
export type { FaultAction, FaultHook, FaultRequest } from './faults.js';
export { createJwtIssuer, type JwtIssuer } from './jwt-issuer.js';
export type {
  FailedBatch,
  FlushResult,
  LocalTap,
  LocalTapAddress,
  LocalTapDeps,
  Timers,
} from './local-tap.js';
export { createLocalTap } from './local-tap.js';
export type { Logger } from './logger.js';
export { noopLogger } from './logger.js';
export type { LocalTapOptions, ResolvedLocalTapOptions, TokenCheck, TokenVerdict } from './options.js';
export { localTapOptionsSchema } from './options.js';
export type { RejectCause } from './request-verdict.js';
export type { LocalTapStats } from './stats.js';
