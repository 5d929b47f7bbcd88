/**
 * The four-method logger the client writes to (Powertools' `GenericLogger` shape). The app adapts
 * its own logger (pino, console...) to it; the default does nothing.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   debug: (message, fields) => console.debug(message, fields),
 *   info: (message, fields) => console.info(message, fields),
 *   warn: (message, fields) => console.warn(message, fields),
 *   error: (message, fields) => console.error(message, fields),
 * };
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** A logger that drops everything. */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Wraps `logger` so that a method that throws is ignored: a broken logger must not fail a lifecycle
 * call (`next` must go out whatever the logger does).
 */
export function safeLogger(logger: Logger | undefined): Logger {
  if (!logger) return noopLogger;
  const wrap =
    (method: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        logger[method](message, fields);
      } catch {
        // ignored on purpose
      }
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
