import { Agent } from 'node:http';
import type * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { type ErrorReport, toErrorBody } from './error-report.js';
import {
  ExtensionsApiConnectionError,
  type ExtensionsApiError,
  ExtensionsApiHttpError,
  ExtensionsApiStateError,
  ExtensionsApiValidationError,
  type ExtensionsEndpoint,
} from './errors.js';
import {
  apiErrorBodySchema,
  type ExtensionEvent,
  extensionEventSchema,
  KNOWN_SHUTDOWN_REASONS,
  type RegisterResult,
  registerResponseSchema,
} from './events.js';
import { type Logger, safeLogger } from './logger.js';
import {
  type ExtensionsClientOptionsInput,
  errorTypeSchema,
  extensionsClientOptionsSchema,
  parseOptions,
  registerEventsSchema,
  registerOptionsSchema,
} from './options.js';
import {
  createFetchTransport,
  createNodeHttpTransport,
  type Transport,
  type TransportResponse,
} from './transport.js';

/**
 * An event `register()` can subscribe to. Register for `['SHUTDOWN']` alone on Lambda Managed
 * Instances (concurrent environments), where INVOKE is not available.
 *
 * @example
 * ```ts
 * const events: ExtensionEventType[] = ['INVOKE', 'SHUTDOWN'];
 * ```
 */
export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN';

/**
 * Optional features of `register()`.
 *
 * @example
 * ```ts
 * await client.register(['INVOKE', 'SHUTDOWN'], { acceptFeatures: ['accountId'] });
 * ```
 */
export interface RegisterOptions {
  /** Sent as `Lambda-Extension-Accept-Feature`; `accountId` adds the account id to the result. */
  acceptFeatures?: 'accountId'[];
}

/**
 * Optional settings of `next()`.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * await client.next({ signal: controller.signal });
 * ```
 */
export interface NextOptions {
  /**
   * Cuts the long poll. `next()` then rejects with `signal.reason` (a `DOMException` named
   * `AbortError` when `abort()` was called without a reason), and may be called again.
   */
  signal?: AbortSignal;
}

/**
 * Injected dependencies of {@link createExtensionsClient}.
 *
 * @example
 * ```ts
 * const client = createExtensionsClient(options, { logger: myLogger });
 * ```
 */
export interface ExtensionsClientDeps {
  /**
   * When given, every call goes through this `fetch` instead of `node:http`. Beware: Node's own
   * fetch (undici) cuts a response that has not started after 300 s (`headersTimeout`), which would
   * end the long poll of an idle environment; the default `node:http` transport has no timeout.
   */
  fetch?: typeof fetch;
  /** Receives one debug line per call and a warning for an unknown shutdown reason. No-op by default. */
  logger?: Logger;
}

/**
 * A client of the Lambda Extensions API for one extension. Create it with
 * {@link createExtensionsClient}.
 *
 * @example
 * ```ts
 * const client = createExtensionsClient({ runtimeApi: '127.0.0.1:9001', extensionName: 'data-taps' });
 * await client.register(['INVOKE', 'SHUTDOWN']);
 * for (;;) {
 *   const event = await client.next();
 *   if (event.eventType === 'SHUTDOWN') break;
 * }
 * ```
 */
export interface ExtensionsClient {
  /**
   * `POST /register`. Sends `Lambda-Extension-Name` and a JSON body `{"events":[...]}`; resolves with
   * the `Lambda-Extension-Identifier` and the response body. Call it once, during Init.
   */
  register(events: ExtensionEventType[], options?: RegisterOptions): Promise<RegisterResult>;
  /**
   * `GET /event/next`: tells Lambda the extension is done with the previous event and waits, with no
   * timeout, for the next one. At most one call at a time.
   */
  next(options?: NextOptions): Promise<ExtensionEvent>;
  /**
   * `POST /init/error`: reports a failed Init with `Lambda-Extension-Function-Error-Type: errorType`.
   * Lambda answers 202; after it no call succeeds and the extension should exit.
   */
  initError(errorType: string, error: ErrorReport): Promise<void>;
  /** `POST /exit/error`: reports an error before exiting. Lambda answers 202; then exit. */
  exitError(errorType: string, error: ErrorReport): Promise<void>;
  /** The id from `register()` (or the `extensionId` option), `undefined` before it succeeded. */
  readonly extensionId: string | undefined;
  /** Closes the keep-alive sockets of the `node:http` transport. Idempotent; the client stays usable. */
  close(): void;
}

/**
 * Creates a client of the Extensions API at `http://${runtimeApi}/2020-01-01/extension`. Nothing
 * is sent until a method is called. Calls go through `node:http` with a keep-alive agent and no
 * timeout (see {@link ExtensionsClientDeps.fetch} for the alternative).
 *
 * @throws {ExtensionsApiOptionsError} when the options are invalid.
 * @example
 * ```ts
 * const client = createExtensionsClient({
 *   runtimeApi: config.runtimeApi, // the app reads AWS_LAMBDA_RUNTIME_API
 *   extensionName: 'data-taps',
 * });
 * const { extensionId, functionName } = await client.register(['INVOKE', 'SHUTDOWN']);
 * ```
 */
export function createExtensionsClient(
  options: ExtensionsClientOptionsInput,
  deps: ExtensionsClientDeps = {},
): ExtensionsClient {
  const parsed = parseOptions(extensionsClientOptionsSchema, options, 'options');
  const { runtimeApi, extensionName, apiVersion } = parsed;
  const logger = safeLogger(deps.logger);
  const baseUrl = `http://${runtimeApi}/${apiVersion}/extension/`;
  let agent: Agent | undefined;
  let nodeTransport: Transport | undefined;
  const transport = (): Transport => {
    if (deps.fetch) return createFetchTransport(deps.fetch);
    if (!nodeTransport || !agent) {
      agent = new Agent({ keepAlive: true, maxSockets: 4 });
      nodeTransport = createNodeHttpTransport(agent);
    }
    return nodeTransport;
  };

  // Set by register(), or given: a registration made before this client existed.
  let extensionId: string | undefined = parsed.extensionId;
  let registering = false;
  let nextPending = false;

  async function call(
    endpoint: ExtensionsEndpoint,
    request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; signal?: AbortSignal },
  ): Promise<TransportResponse> {
    const url = `${baseUrl}${endpoint}`;
    logger.debug('extensions api request', { endpoint, method: request.method });
    let response: TransportResponse;
    try {
      response = await transport()({ ...request, url });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new ExtensionsApiConnectionError({ endpoint, url }, { cause: error });
    }
    logger.debug('extensions api response', { endpoint, status: response.status });
    if (response.status < 200 || response.status > 299) throw httpError(endpoint, url, response);
    return response;
  }

  function requireId(action: string): string {
    if (extensionId === undefined) {
      throw new ExtensionsApiStateError(`${action} called before a successful register()`);
    }
    return extensionId;
  }

  async function reportError(
    endpoint: 'init/error' | 'exit/error',
    errorType: string,
    error: ErrorReport,
  ): Promise<void> {
    const method = endpoint === 'init/error' ? 'initError' : 'exitError';
    const type = parseOptions(errorTypeSchema, errorType, `${method}(errorType)`);
    const id = requireId(`${method}()`);
    await call(endpoint, {
      method: 'POST',
      headers: { 'lambda-extension-identifier': id, 'lambda-extension-function-error-type': type },
      body: JSON.stringify(toErrorBody(error, type)),
    });
  }

  return {
    get extensionId() {
      return extensionId;
    },

    async register(events, registerOptions) {
      const subscribed = parseOptions(registerEventsSchema, events, 'register(events)');
      const { acceptFeatures } = parseOptions(registerOptionsSchema, registerOptions, 'register(options)');
      if (extensionId !== undefined || registering) {
        throw new ExtensionsApiStateError('register() may be called only once per extension');
      }
      registering = true;
      try {
        const headers: Record<string, string> = { 'lambda-extension-name': extensionName };
        if (acceptFeatures.length > 0) headers['lambda-extension-accept-feature'] = acceptFeatures.join(',');
        const response = await call('register', {
          method: 'POST',
          headers,
          body: JSON.stringify({ events: [...new Set(subscribed)] }),
        });
        const id = response.header('lambda-extension-identifier');
        if (!id) {
          throw new ExtensionsApiValidationError({
            endpoint: 'register',
            statusCode: response.status,
            issues: ['missing Lambda-Extension-Identifier header'],
            responseBody: response.body,
          });
        }
        const body = validate('register', response, registerResponseSchema());
        extensionId = id;
        const result: RegisterResult = {
          extensionId: id,
          functionName: body.functionName,
          functionVersion: body.functionVersion,
          handler: body.handler,
        };
        if (body.accountId !== undefined) result.accountId = body.accountId;
        logger.info('extension registered', { extensionId: id, events: subscribed });
        return result;
      } finally {
        registering = false;
      }
    },

    async next(nextOptions = {}) {
      const id = requireId('next()');
      if (nextPending) throw new ExtensionsApiStateError('next() called while another next() is pending');
      nextPending = true;
      try {
        const request: Parameters<typeof call>[1] = {
          method: 'GET',
          headers: { 'lambda-extension-identifier': id },
        };
        if (nextOptions.signal) request.signal = nextOptions.signal;
        const response = await call('event/next', request);
        const event = validate('event/next', response, extensionEventSchema());
        if (event.eventType === 'SHUTDOWN' && !KNOWN_SHUTDOWN_REASONS.has(event.shutdownReason)) {
          logger.warn('unknown shutdown reason', { shutdownReason: event.shutdownReason });
        }
        return event;
      } finally {
        nextPending = false;
      }
    },

    initError(errorType, error) {
      return reportError('init/error', errorType, error);
    },

    exitError(errorType, error) {
      return reportError('exit/error', errorType, error);
    },

    close() {
      agent?.destroy();
      agent = undefined;
      nodeTransport = undefined;
    },
  };
}

function httpError(
  endpoint: ExtensionsEndpoint,
  url: string,
  response: TransportResponse,
): ExtensionsApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  const body = apiErrorBodySchema().safeParse(parsed);
  return new ExtensionsApiHttpError({
    endpoint,
    url,
    statusCode: response.status,
    errorType: body.success ? body.data.errorType : undefined,
    errorMessage: body.success ? body.data.errorMessage : undefined,
    responseBody: response.body,
  });
}

function validate<S extends z.ZodMiniType>(
  endpoint: ExtensionsEndpoint,
  response: TransportResponse,
  schema: S,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch (error) {
    throw new ExtensionsApiValidationError(
      { endpoint, statusCode: response.status, issues: ['body is not JSON'], responseBody: response.body },
      { cause: error },
    );
  }
  const result = safeParseInEnglish(schema, json);
  if (result.success) return result.data;
  throw new ExtensionsApiValidationError(
    {
      endpoint,
      statusCode: response.status,
      issues: result.error.issues.map(
        (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : 'body'}: ${issue.message}`,
      ),
      responseBody: response.body,
    },
    { cause: result.error },
  );
}
