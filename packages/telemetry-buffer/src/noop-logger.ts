import type { Logger } from './types.js';

const noop = (): void => {};

/**
 * A logger that drops everything: the default.
 *
 * @example
 * ```ts
 * createTelemetryBuffer({}, { flush, logger: noopLogger });
 * ```
 */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
