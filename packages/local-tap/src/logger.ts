/**
 * The four-method logger the tap writes its diagnostics to (Powertools' `GenericLogger` shape).
 * The tap never writes to stdout itself.
 *
 * @example
 * ```ts
 * const logger: Logger = { debug() {}, info: console.log, warn: console.warn, error: console.error };
 * createLocalTap({ outDir: './out' }, { logger });
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/**
 * The default logger: drops everything.
 *
 * @example
 * ```ts
 * createLocalTap({ outDir: './out' }, { logger: noopLogger });
 * ```
 */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
