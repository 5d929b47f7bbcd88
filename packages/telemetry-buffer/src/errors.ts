/** What went wrong, as a stable string a caller can branch on. */
export type TelemetryBufferErrorCode = 'INVALID_OPTIONS' | 'SPOOL_IO' | 'FLUSH_FAILED';

/**
 * The base class of every error this package throws or reports.
 *
 * @example
 * ```ts
 * try {
 *   createTelemetryBuffer({ maxItems: 0 }, { flush });
 * } catch (error) {
 *   if (error instanceof TelemetryBufferError) console.error(error.code, error.message);
 * }
 * ```
 */
export class TelemetryBufferError extends Error {
  /** A stable code for the kind of failure. */
  readonly code: TelemetryBufferErrorCode;

  constructor(code: TelemetryBufferErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryBufferError';
    this.code = code;
  }
}

/**
 * Thrown by {@link createTelemetryBuffer} when an option is invalid. The message names the option,
 * the value given and the accepted range.
 *
 * @example
 * ```ts
 * try {
 *   createTelemetryBuffer({ maxAgeMs: -1 }, { flush });
 * } catch (error) {
 *   if (error instanceof TelemetryBufferOptionsError) console.error(error.option); // 'maxAgeMs'
 * }
 * ```
 */
export class TelemetryBufferOptionsError extends TelemetryBufferError {
  /** The dotted path of the first invalid option, e.g. `capacity.maxBytes`. */
  readonly option: string;

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_OPTIONS', message, options);
    this.name = 'TelemetryBufferOptionsError';
    this.option = option;
  }
}
