/**
 * Base class of every error this package creates. Catch it (or test `instanceof`) to handle all of
 * them at once. No error of this package ever holds the token: messages, response bodies and
 * `toJSON()` output are redacted before they are stored.
 *
 * @example
 * ```ts
 * const result = await sink.send({ lines }, { deadline: Date.now() + 2_000 });
 * if (result.error instanceof DataTapSinkError) logger.warn(result.error.message);
 * ```
 */
export class DataTapSinkError extends Error {
  /** `true` when sending the same lines again later may succeed. */
  readonly isRetryable: boolean;

  constructor(message: string, options?: { cause?: unknown; isRetryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataTapSinkError';
    this.isRetryable = options?.isRetryable ?? false;
  }

  /**
   * A plain object for structured logs: name, message and the error's own fields (never the token).
   *
   * @example
   * ```ts
   * logger.error('send failed', { error: error.toJSON() });
   * ```
   */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, isRetryable: this.isRetryable };
  }
}

/**
 * Invalid options given to a factory of this package. The message names each failing option, the
 * value (never the token's) and what is accepted.
 *
 * @example
 * ```ts
 * try {
 *   createDataTapSink({ url: 'http://example.com/tap', token });
 * } catch (error) {
 *   if (error instanceof DataTapSinkOptionsError) console.error(error.message); // names options.url
 * }
 * ```
 */
export class DataTapSinkOptionsError extends DataTapSinkError {
  constructor(message: string) {
    super(message);
    this.name = 'DataTapSinkOptionsError';
  }
}

/**
 * The tap answered with an HTTP status (or a JSON `statusCode`) that is not a success: a 4xx, a
 * 5xx, a redirect, or a 2xx whose body says otherwise. `body` is the start of the answer,
 * truncated and redacted.
 *
 * @example
 * ```ts
 * if (result.error instanceof DataTapHttpError && result.error.statusCode === 400) {
 *   logger.error('the tap rejected a body', { body: result.error.body });
 * }
 * ```
 */
export class DataTapHttpError extends DataTapSinkError {
  /** The effective status: the HTTP status, or the JSON `statusCode` when that one reports a failure. */
  readonly statusCode: number;
  /** The HTTP status line's code as received. */
  readonly httpStatus: number;
  /** The start of the response body (at most `maxErrorBodyChars`), with the token redacted. */
  readonly body: string;
  /** The wait the tap asked for in `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    fields: {
      statusCode: number;
      httpStatus: number;
      body: string;
      isRetryable: boolean;
      retryAfterMs?: number;
    },
  ) {
    super(message, { isRetryable: fields.isRetryable });
    this.name = 'DataTapHttpError';
    this.statusCode = fields.statusCode;
    this.httpStatus = fields.httpStatus;
    this.body = fields.body;
    this.retryAfterMs = fields.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      statusCode: this.statusCode,
      httpStatus: this.httpStatus,
      body: this.body,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

/**
 * The token was refused (HTTP or JSON `statusCode` 401/403) or the token provider failed. Never
 * retried within a send: the lines come back unsent, the provider's `invalidate()` is called, and
 * the caller decides (fetch a fresh token, then send again). `statusCode` is `undefined` when the
 * provider itself failed.
 *
 * @example
 * ```ts
 * if (result.error instanceof DataTapAuthError && result.error.isTokenFailure) {
 *   logger.error('Data Tap token refused: renew DATA_TAP_TOKEN');
 * }
 * ```
 */
export class DataTapAuthError extends DataTapSinkError {
  /** Always `true`: lets callers test for a token failure without `instanceof`. */
  readonly isTokenFailure = true as const;
  /** 401 or 403 when the tap refused the token; `undefined` when the token provider failed. */
  readonly statusCode: number | undefined;
  /** The start of the response body, truncated and redacted (empty when the provider failed). */
  readonly body: string;

  constructor(message: string, fields: { statusCode?: number; body?: string; cause?: unknown }) {
    super(message, { cause: fields.cause, isRetryable: false });
    this.name = 'DataTapAuthError';
    this.statusCode = fields.statusCode;
    this.body = fields.body ?? '';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), isTokenFailure: true, statusCode: this.statusCode, body: this.body };
  }
}

/**
 * The request did not get an answer: the connection failed or broke (`cause` holds the network
 * error), or the per-request timeout (`timedOut: true`) elapsed. Retried with backoff. A request
 * that timed out may still have been delivered: the batch id header lets the tap side de-duplicate.
 *
 * @example
 * ```ts
 * if (result.error instanceof DataTapNetworkError && result.error.timedOut) metrics.timeouts++;
 * ```
 */
export class DataTapNetworkError extends DataTapSinkError {
  /** `true` when the per-request timeout elapsed, `false` for a connection error. */
  readonly timedOut: boolean;

  constructor(message: string, fields: { timedOut: boolean; cause?: unknown }) {
    super(message, { cause: fields.cause, isRetryable: true });
    this.name = 'DataTapNetworkError';
    this.timedOut = fields.timedOut;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timedOut: this.timedOut };
  }
}

/**
 * The circuit breaker is open: the tap failed `failureThreshold` times in a row, so sends return
 * every line unsent at once until `retryAt` (epoch ms), when one probe request is let through.
 * Keep the lines (spool them) and try again later.
 *
 * @example
 * ```ts
 * if (result.error instanceof CircuitOpenError) spool.keep(result.unsent, result.error.retryAt);
 * ```
 */
export class CircuitOpenError extends DataTapSinkError {
  /** When the breaker lets a probe request through (epoch ms, from the sink's clock). */
  readonly retryAt: number;

  constructor(message: string, fields: { retryAt: number; cause?: unknown }) {
    super(message, { cause: fields.cause, isRetryable: true });
    this.name = 'CircuitOpenError';
    this.retryAt = fields.retryAt;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAt: this.retryAt };
  }
}

/**
 * A single line is larger than `maxBodyBytes` (or the tap answered 413 to a body holding that one
 * line): it can never be sent by this sink. It is returned in `rejected` (or dropped and counted,
 * with `oversizeLines: 'drop'`), never in `unsent`, never retried.
 *
 * @example
 * ```ts
 * if (result.rejectedError instanceof LineTooLargeError) logger.error('record too large', { bytes: result.rejectedError.lineBytes });
 * ```
 */
export class LineTooLargeError extends DataTapSinkError {
  /** The UTF-8 size of the line, newline included. */
  readonly lineBytes: number;
  /** The limit it broke. */
  readonly maxBodyBytes: number;

  constructor(message: string, fields: { lineBytes: number; maxBodyBytes: number; cause?: unknown }) {
    super(message, { cause: fields.cause, isRetryable: false });
    this.name = 'LineTooLargeError';
    this.lineBytes = fields.lineBytes;
    this.maxBodyBytes = fields.maxBodyBytes;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), lineBytes: this.lineBytes, maxBodyBytes: this.maxBodyBytes };
  }
}

/**
 * The caller's deadline came (or its `signal` aborted) before every line was confirmed. The lines
 * not confirmed are in `unsent`; `cause` holds the last failure, if any.
 *
 * @example
 * ```ts
 * if (result.error instanceof DeadlineExceededError) buffer.requeue(result.unsent);
 * ```
 */
export class DeadlineExceededError extends DataTapSinkError {
  /** `true` when the caller's `signal` aborted, `false` when the deadline passed. */
  readonly aborted: boolean;

  constructor(message: string, fields: { aborted: boolean; cause?: unknown }) {
    super(message, { cause: fields.cause, isRetryable: true });
    this.name = 'DeadlineExceededError';
    this.aborted = fields.aborted;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), aborted: this.aborted };
  }
}

/**
 * `send()` was called after `close()`: nothing was sent, every line is returned unsent.
 *
 * @example
 * ```ts
 * await sink.close();
 * const result = await sink.send({ lines }, { deadline });
 * // result.error instanceof SinkClosedError
 * ```
 */
export class SinkClosedError extends DataTapSinkError {
  constructor(message: string) {
    super(message);
    this.name = 'SinkClosedError';
  }
}

/**
 * A token that is not a readable JWT, or lacks a claim that is needed (`exp`). The message names
 * the problem (`reason`), never the token or any part of it.
 *
 * @example
 * ```ts
 * try {
 *   readTokenExpiry('not-a-jwt', Date.now());
 * } catch (error) {
 *   if (error instanceof TokenFormatError) logger.warn(error.message); // 'the token is not a JWT: ...'
 * }
 * ```
 */
export class TokenFormatError extends DataTapSinkError {
  /** What is wrong: `not-a-jwt`, `bad-encoding`, `bad-json`, `bad-claim` or `missing-exp`. */
  readonly reason: 'not-a-jwt' | 'bad-encoding' | 'bad-json' | 'bad-claim' | 'missing-exp';

  constructor(message: string, reason: TokenFormatError['reason']) {
    super(`the token ${message}`);
    this.name = 'TokenFormatError';
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

/**
 * A token source (AWS Secrets Manager, SSM Parameter Store, a BoilingData account) could not give a
 * token: unreachable, refused the credentials, or answered something without a usable token. The
 * message names the source and the problem, never a token, password or secret value.
 * `statusCode` is the source's HTTP status when it answered.
 *
 * @example
 * ```ts
 * provider.refresh().catch((error) => {
 *   if (error instanceof TokenSourceError) logger.warn(error.message, { source: error.source });
 * });
 * ```
 */
export class TokenSourceError extends DataTapSinkError {
  /** The source, such as `secretsmanager`, `ssm` or `boilingdata`. */
  readonly source: string;
  /** The HTTP status the source answered with, when it answered. */
  readonly statusCode: number | undefined;

  constructor(
    message: string,
    fields: { source: string; statusCode?: number; cause?: unknown; isRetryable?: boolean },
  ) {
    super(message, { cause: fields.cause, isRetryable: fields.isRetryable ?? true });
    this.name = 'TokenSourceError';
    this.source = fields.source;
    this.statusCode = fields.statusCode;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), source: this.source, statusCode: this.statusCode };
  }
}

/**
 * The kind of a failure without its details: the error's name, plus its status code if it has one
 * (`DataTapAuthError:401`, `DataTapHttpError:503`, `DataTapNetworkError`). Messages name batch ids
 * and ages that change on every send; this does not, so a caller can log a failure once and stay
 * quiet while the same one repeats.
 *
 * @example
 * ```ts
 * const kind = result.error ? failureKind(result.error) : undefined;
 * if (kind !== lastKind) logger.warn('the tap did not take a batch', { error: result.error?.message });
 * lastKind = kind;
 * ```
 */
export function failureKind(error: Error): string {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? `${error.name}:${status}` : error.name;
}
