import { TelemetryConnectionError, TelemetrySubscriptionError } from './errors.js';
import { type Logger, safeLogger } from './logger.js';
import { parseOptions } from './parse-options.js';
import { type SubscribeTelemetryOptionsInput, subscribeTelemetryOptionsSchema } from './subscribe-options.js';

/**
 * What {@link subscribeTelemetry} needs from the outside world.
 *
 * @example
 * ```ts
 * const deps: SubscribeTelemetryDeps = { logger: console, signal: AbortSignal.timeout(2_000) };
 * ```
 */
export interface SubscribeTelemetryDeps {
  /** Resolved at call time: `deps.fetch ?? globalThis.fetch`. */
  fetch?: typeof fetch;
  logger?: Logger;
  /** Aborts the request; the call then rejects with a {@link TelemetryConnectionError}. */
  signal?: AbortSignal;
}

/**
 * The outcome of a subscription: `subscribed` (200), or `not-supported` (202: local emulators
 * such as AWS's Runtime Interface Emulator answer "Telemetry API not supported"; no batch will
 * come, so the caller should carry on as "running locally").
 *
 * @example
 * ```ts
 * const { status }: SubscribeTelemetryResult = await subscribeTelemetry(options);
 * ```
 */
export interface SubscribeTelemetryResult {
  status: 'subscribed' | 'not-supported';
}

/**
 * Subscribes the extension to the Lambda Telemetry API: `PUT http://{runtimeApi}/2022-07-01/telemetry`
 * with the `Lambda-Extension-Identifier` header. Call it during Init, before the first `next`, and
 * after the listener is up (Lambda replays earlier records to it).
 *
 * @throws {TelemetryReceiverOptionsError} for invalid options (nothing sent).
 * @throws {TelemetrySubscriptionError} for any answer but 200 and 202.
 * @throws {TelemetryConnectionError} when no answer came.
 *
 * @example
 * ```ts
 * const { status } = await subscribeTelemetry({
 *   runtimeApi: '127.0.0.1:9001',
 *   extensionId,
 *   schemaVersion: '2022-12-13',
 *   types: ['platform', 'function'],
 *   buffering: { maxItems: 10_000, maxBytes: 262_144, timeoutMs: 100 },
 *   destinationUri: listener.uri ?? '',
 * });
 * ```
 */
export async function subscribeTelemetry(
  options: SubscribeTelemetryOptionsInput,
  deps: SubscribeTelemetryDeps = {},
): Promise<SubscribeTelemetryResult> {
  const config = parseOptions(subscribeTelemetryOptionsSchema, options, 'subscribeTelemetry options');
  const logger = safeLogger(deps.logger);
  const url = `http://${config.runtimeApi}/${config.apiVersion}/telemetry`;
  const body = {
    schemaVersion: config.schemaVersion,
    destination: { protocol: 'HTTP', URI: config.destinationUri },
    types: config.types,
    ...(config.buffering ? { buffering: config.buffering } : {}),
  };

  const doFetch = deps.fetch ?? globalThis.fetch;
  let status: number;
  let text: string;
  try {
    const response = await doFetch(url, {
      method: 'PUT',
      headers: { 'Lambda-Extension-Identifier': config.extensionId, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new TelemetryConnectionError(url, { cause: error });
  }

  if (status === 200) {
    logger.info('telemetry subscription accepted', {
      types: config.types,
      schemaVersion: config.schemaVersion,
    });
    return { status: 'subscribed' };
  }
  if (status === 202) {
    logger.warn('Telemetry API not supported here (HTTP 202): no telemetry will be delivered', {
      response: text.slice(0, 200),
    });
    return { status: 'not-supported' };
  }
  const { errorType, errorMessage } = readApiError(text);
  throw new TelemetrySubscriptionError({
    url,
    statusCode: status,
    errorType,
    errorMessage,
    responseBody: text,
  });
}

function readApiError(text: string): { errorType: string | undefined; errorMessage: string | undefined } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const { errorType, errorMessage } = parsed as { errorType?: unknown; errorMessage?: unknown };
      return {
        errorType: typeof errorType === 'string' ? errorType : undefined,
        errorMessage: typeof errorMessage === 'string' ? errorMessage : undefined,
      };
    }
  } catch {
    // not JSON: the raw body stays in responseBody
  }
  return { errorType: undefined, errorMessage: undefined };
}
