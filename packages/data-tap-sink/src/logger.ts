/**
 * The four-method logger this package writes to (the shape of Powertools' `GenericLogger`). The
 * app adapts its own logger (pino) to it. Fields never hold the token.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   debug: (message, fields) => pinoLogger.debug(fields, message),
 *   info: (message, fields) => pinoLogger.info(fields, message),
 *   warn: (message, fields) => pinoLogger.warn(fields, message),
 *   error: (message, fields) => pinoLogger.error(fields, message),
 * };
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => {};

/**
 * A logger that drops everything: the default when none is injected.
 *
 * @example
 * ```ts
 * const sink = createDataTapSink(options, { logger: noopLogger });
 * ```
 */
export const noopLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });
