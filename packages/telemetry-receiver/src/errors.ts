/**
 * Base class of every error this package throws. Catch it to handle all of them at once.
 *
 * @example
 * ```ts
 * try {
 *   await subscribeTelemetry(options);
 * } catch (error) {
 *   if (error instanceof TelemetryReceiverError) console.error(error.message);
 *   throw error;
 * }
 * ```
 */
export class TelemetryReceiverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryReceiverError';
  }
}

/**
 * Invalid options given to a factory or function of this package. The message names each failing
 * option, its value and the accepted range; `cause` is the zod error.
 *
 * @example
 * ```ts
 * try {
 *   createTelemetryListener({ address: 'sandbox', port: 70_000 }, { onBatch: () => {} });
 * } catch (error) {
 *   if (error instanceof TelemetryReceiverOptionsError) console.error(error.message);
 * }
 * ```
 */
export class TelemetryReceiverOptionsError extends TelemetryReceiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryReceiverOptionsError';
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * The Telemetry API refused the subscription: any answer other than `200` (subscribed) and `202`
 * (local emulator, Telemetry API not supported). `errorType` and `errorMessage` are the API's own
 * when its JSON body carried them (for example `Telemetry.SubscriptionClosed` after Init). Only
 * 429, 502, 503 and 504 are `isRetryable`; a 4xx means the request itself must change, and a 500
 * from the Runtime API is, as for the Extensions API, a reason to exit.
 *
 * @example
 * ```ts
 * try {
 *   await subscribeTelemetry(options);
 * } catch (error) {
 *   if (error instanceof TelemetrySubscriptionError && error.isRetryable) {
 *     // try once more
 *   }
 * }
 * ```
 */
export class TelemetrySubscriptionError extends TelemetryReceiverError {
  readonly statusCode: number;
  readonly isRetryable: boolean;
  readonly errorType: string | undefined;
  readonly errorMessage: string | undefined;
  /** The response body as received (possibly empty). */
  readonly responseBody: string;
  readonly url: string;

  constructor(details: {
    url: string;
    statusCode: number;
    errorType?: string | undefined;
    errorMessage?: string | undefined;
    responseBody: string;
  }) {
    const api = details.errorType
      ? `: ${details.errorType}${details.errorMessage ? ` (${details.errorMessage})` : ''}`
      : '';
    super(`Telemetry API subscription answered HTTP ${details.statusCode}${api}`);
    this.name = 'TelemetrySubscriptionError';
    this.url = details.url;
    this.statusCode = details.statusCode;
    this.isRetryable = RETRYABLE_STATUS.has(details.statusCode);
    this.errorType = details.errorType;
    this.errorMessage = details.errorMessage;
    this.responseBody = details.responseBody;
  }
}

/**
 * The subscription request got no answer: connection refused or reset, or aborted through the
 * given `signal`. `cause` is the underlying error. `isRetryable` is `false`: the Runtime API is
 * local, so a failure to reach it is not transient.
 *
 * @example
 * ```ts
 * await subscribeTelemetry(options).catch((error) => {
 *   if (error instanceof TelemetryConnectionError) console.error(error.cause);
 * });
 * ```
 */
export class TelemetryConnectionError extends TelemetryReceiverError {
  readonly url: string;
  readonly isRetryable = false;

  constructor(url: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Telemetry API subscription request to ${url} failed: ${reason}`, options);
    this.name = 'TelemetryConnectionError';
    this.url = url;
  }
}

/**
 * Why a batch body is not a Telemetry API batch.
 *
 * - `invalid-json`: not JSON (truncated, empty, garbage);
 * - `not-an-array`: JSON, but not an array;
 * - `invalid-envelope`: an element is not an object with a string `time` and a string `type`.
 *
 * @example
 * ```ts
 * const reason: TelemetryParseErrorReason = 'invalid-json';
 * ```
 */
export type TelemetryParseErrorReason = 'invalid-json' | 'not-an-array' | 'invalid-envelope';

/**
 * A batch body that is not a JSON array of `{ time, type, ... }` objects. `index` is the position
 * of the first bad element for `invalid-envelope`.
 *
 * @example
 * ```ts
 * try {
 *   parseTelemetryBatch('[{"time":');
 * } catch (error) {
 *   if (error instanceof TelemetryParseError) console.error(error.reason); // 'invalid-json'
 * }
 * ```
 */
export class TelemetryParseError extends TelemetryReceiverError {
  readonly reason: TelemetryParseErrorReason;
  readonly index: number | undefined;

  constructor(
    reason: TelemetryParseErrorReason,
    message: string,
    options?: { cause?: unknown; index?: number },
  ) {
    super(message, options);
    this.name = 'TelemetryParseError';
    this.reason = reason;
    this.index = options?.index;
  }
}

/**
 * A listener used in the wrong state (`start()` twice, or after `close()`), or a failure to bind
 * (`cause` is the Node.js error, for example `EADDRNOTAVAIL`, or `EADDRINUSE` with
 * `portFallback: false`).
 *
 * @example
 * ```ts
 * await listener.start().catch((error) => {
 *   if (error instanceof TelemetryListenerError) console.error(error.message);
 * });
 * ```
 */
export class TelemetryListenerError extends TelemetryReceiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryListenerError';
  }
}
