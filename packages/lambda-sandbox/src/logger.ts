/**
 * The four-method logger the sandbox writes its own diagnostics to (never to stdout itself).
 *
 * @example
 * ```ts
 * const logger: Logger = { debug() {}, info: console.log, warn: console.warn, error: console.error };
 * createLambdaSandbox(options, { logger });
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The default logger: drops everything. */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
