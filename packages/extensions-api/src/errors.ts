/**
 * The Extensions API endpoints this package calls, relative to `/<apiVersion>/extension/`.
 *
 * @example
 * ```ts
 * const endpoint: ExtensionsEndpoint = 'event/next';
 * ```
 */
export type ExtensionsEndpoint = 'register' | 'event/next' | 'init/error' | 'exit/error';

/**
 * Base class of every error this package throws. Catch it to handle all of them at once.
 *
 * @example
 * ```ts
 * try {
 *   await client.next();
 * } catch (error) {
 *   if (error instanceof ExtensionsApiError) process.exit(1);
 *   throw error;
 * }
 * ```
 */
export class ExtensionsApiError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExtensionsApiError';
  }
}

/**
 * Invalid options given to the client factory or to one of its methods (a bad `runtimeApi`, an
 * unknown event name, an error type with a line break...). The message names the option, the value
 * and what is accepted.
 *
 * @example
 * ```ts
 * try {
 *   createExtensionsClient({ runtimeApi: 'http://127.0.0.1:9001', extensionName: 'x' });
 * } catch (error) {
 *   if (error instanceof ExtensionsApiOptionsError) console.error(error.message);
 * }
 * ```
 */
export class ExtensionsApiOptionsError extends ExtensionsApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExtensionsApiOptionsError';
  }
}

/**
 * A call made in the wrong state of the client: `next()` or an error report before `register()`,
 * a second `register()`, or a second `next()` while one is still waiting. Nothing was sent.
 *
 * @example
 * ```ts
 * await client.next().catch((error) => {
 *   if (error instanceof ExtensionsApiStateError) console.error('register first');
 * });
 * ```
 */
export class ExtensionsApiStateError extends ExtensionsApiError {
  constructor(message: string) {
    super(message);
    this.name = 'ExtensionsApiStateError';
  }
}

/**
 * The Extensions API answered with a status other than 2xx. `errorType` and `errorMessage` are the
 * API's own, when its body carried them (for example `Extension.InvalidExtensionIdentifier`).
 * `isRetryable` is `true` only for 429, 502, 503 and 504; the documented answers (400, 403, and
 * 500, after which AWS says the extension should exit promptly) are not retryable. The client itself
 * never retries.
 *
 * @example
 * ```ts
 * try {
 *   await client.register(['INVOKE', 'SHUTDOWN']);
 * } catch (error) {
 *   if (error instanceof ExtensionsApiHttpError && error.statusCode === 500) process.exit(1);
 *   throw error;
 * }
 * ```
 */
export class ExtensionsApiHttpError extends ExtensionsApiError {
  readonly endpoint: ExtensionsEndpoint;
  readonly url: string;
  readonly statusCode: number;
  readonly isRetryable: boolean;
  readonly errorType: string | undefined;
  readonly errorMessage: string | undefined;
  /** The response body as received (possibly empty). */
  readonly responseBody: string;

  constructor(details: {
    endpoint: ExtensionsEndpoint;
    url: string;
    statusCode: number;
    errorType?: string | undefined;
    errorMessage?: string | undefined;
    responseBody: string;
  }) {
    const api = details.errorType
      ? `: ${details.errorType}${details.errorMessage ? ` (${details.errorMessage})` : ''}`
      : '';
    super(`Extensions API ${details.endpoint} answered HTTP ${details.statusCode}${api}`);
    this.name = 'ExtensionsApiHttpError';
    this.endpoint = details.endpoint;
    this.url = details.url;
    this.statusCode = details.statusCode;
    this.isRetryable = RETRYABLE_STATUS.has(details.statusCode);
    this.errorType = details.errorType;
    this.errorMessage = details.errorMessage;
    this.responseBody = details.responseBody;
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * A 2xx answer that does not match the Extensions API contract: a body that is not JSON, an event
 * of an unknown type, a field of the wrong type, or a missing `Lambda-Extension-Identifier` header
 * after `register`. `issues` lists what failed, one human-readable line each.
 *
 * @example
 * ```ts
 * await client.next().catch((error) => {
 *   if (error instanceof ExtensionsApiValidationError) console.error(error.endpoint, error.issues);
 * });
 * ```
 */
export class ExtensionsApiValidationError extends ExtensionsApiError {
  readonly endpoint: ExtensionsEndpoint;
  readonly statusCode: number;
  readonly issues: readonly string[];
  /** The response body as received. */
  readonly responseBody: string;

  constructor(
    details: {
      endpoint: ExtensionsEndpoint;
      statusCode: number;
      issues: readonly string[];
      responseBody: string;
    },
    options?: { cause?: unknown },
  ) {
    super(
      `Extensions API ${details.endpoint} answered HTTP ${details.statusCode} with an invalid response: ${details.issues.join('; ')}`,
      options,
    );
    this.name = 'ExtensionsApiValidationError';
    this.endpoint = details.endpoint;
    this.statusCode = details.statusCode;
    this.issues = details.issues;
    this.responseBody = details.responseBody;
  }
}

/**
 * The request did not get an answer: connection refused or reset, socket closed before the end of
 * the response. `cause` is the underlying Node.js error. Whether a retry is safe depends on the
 * endpoint, so the client never retries; `isRetryable` is always `false` to match the HTTP error's
 * shape.
 *
 * @example
 * ```ts
 * await client.register(['INVOKE']).catch((error) => {
 *   if (error instanceof ExtensionsApiConnectionError) console.error(error.cause);
 * });
 * ```
 */
export class ExtensionsApiConnectionError extends ExtensionsApiError {
  readonly endpoint: ExtensionsEndpoint;
  readonly url: string;
  readonly isRetryable = false;

  constructor(details: { endpoint: ExtensionsEndpoint; url: string }, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Extensions API ${details.endpoint} request to ${details.url} failed: ${reason}`, options);
    this.name = 'ExtensionsApiConnectionError';
    this.endpoint = details.endpoint;
    this.url = details.url;
  }
}
