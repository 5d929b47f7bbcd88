export type {
  ExtensionEventType,
  ExtensionsClient,
  ExtensionsClientDeps,
  NextOptions,
  RegisterOptions,
} from './client.js';
export { createExtensionsClient } from './client.js';
export type { ErrorReport } from './error-report.js';
export type { ExtensionsEndpoint } from './errors.js';
export {
  ExtensionsApiConnectionError,
  ExtensionsApiError,
  ExtensionsApiHttpError,
  ExtensionsApiOptionsError,
  ExtensionsApiStateError,
  ExtensionsApiValidationError,
} from './errors.js';
export type {
  ExtensionEvent,
  InvokeEvent,
  RegisterResult,
  ShutdownEvent,
  ShutdownReason,
} from './events.js';
export type { Logger } from './logger.js';
export type { ExtensionsClientOptions, ExtensionsClientOptionsInput } from './options.js';
export { extensionsClientOptionsSchema } from './options.js';
