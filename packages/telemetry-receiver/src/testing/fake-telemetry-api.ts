import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod/mini';
import { TelemetryReceiverError } from '../errors.js';
import { parseOptions } from '../parse-options.js';

/**
 * The options of {@link createFakeTelemetryApi}.
 *
 * | Option | Default | Meaning |
 * | --- | --- | --- |
 * | `answer` | `'subscribe'` | `'subscribe'`: valid requests get `200`; `'not-supported'`: every request gets `202` like AWS's local emulator |
 * | `isKnownExtension` | any identifier | `false` answers `403 Extension.InvalidExtensionIdentifier` |
 * | `now` | `Date.now` | clock for `FakeTelemetrySubscription.at` |
 *
 * @example
 * ```ts
 * const api = createFakeTelemetryApi(fakeTelemetryApiOptionsSchema.parse({ answer: 'not-supported' }));
 * ```
 */
export const fakeTelemetryApiOptionsSchema = z.strictObject({
  answer: z._default(z.enum(['subscribe', 'not-supported']), 'subscribe'),
  isKnownExtension: z.optional(
    z.custom<(extensionId: string) => boolean>((value) => typeof value === 'function', 'expected a function'),
  ),
  now: z.optional(z.custom<() => number>((value) => typeof value === 'function', 'expected a function')),
});

/**
 * Options accepted by {@link createFakeTelemetryApi}.
 *
 * @example
 * ```ts
 * const options: FakeTelemetryApiOptions = { isKnownExtension: (id) => id === registeredId };
 * ```
 */
export type FakeTelemetryApiOptions = z.input<typeof fakeTelemetryApiOptionsSchema>;

/**
 * One subscription the fake accepted (`200`), with Lambda's defaults applied to `buffering`.
 *
 * @example
 * ```ts
 * expect(api.subscriptions[0]).toMatchObject({ schemaVersion: '2022-12-13', types: ['platform'] });
 * ```
 */
export interface FakeTelemetrySubscription {
  extensionId: string;
  schemaVersion: '2022-07-01' | '2022-12-13' | '2025-01-29';
  types: ('platform' | 'function' | 'extension')[];
  buffering: { maxItems: number; maxBytes: number; timeoutMs: number };
  destination: { protocol: 'HTTP'; URI: string } | { protocol: 'TCP'; port: number };
  at: number;
}

/**
 * What a delivery got back from the subscriber.
 *
 * @example
 * ```ts
 * const { status, body }: FakeDeliveryResult = await api.deliverRaw('[');
 * ```
 */
export interface FakeDeliveryResult {
  status: number;
  body: string;
}

/**
 * A scripted answer for the next subscription request (instead of validating it).
 *
 * @example
 * ```ts
 * api.injectResponse({ statusCode: 403, body: { errorType: 'Telemetry.SubscriptionClosed', errorMessage: 'late' } });
 * ```
 */
export interface FakeInjectedResponse {
  statusCode: number;
  /** An object is sent as JSON; a string as is. */
  body?: string | object;
}

/**
 * An in-process Telemetry API for tests (loopback only).
 *
 * @example
 * ```ts
 * const api = createFakeTelemetryApi();
 * const { runtimeApi } = await api.listen();
 * ```
 */
export interface FakeTelemetryApi {
  /**
   * Handles `PUT /2022-07-01/telemetry` and returns `true`; returns `false` for any other route
   * without touching the response, so it can be the fallback of another fake server.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The subscriptions accepted so far, oldest first. */
  readonly subscriptions: readonly FakeTelemetrySubscription[];
  /** Answers the next subscription request with this response (queued, first in first out). */
  injectResponse(response: FakeInjectedResponse): void;
  /**
   * POSTs `records` as a JSON array to the latest HTTP subscription (or `options.subscription`),
   * with host `sandbox.localdomain` rewritten to `127.0.0.1`; resolves with the HTTP status.
   * Records are sent as given: no filtering by the subscribed types.
   */
  deliver(
    records: readonly unknown[],
    options?: { subscription?: FakeTelemetrySubscription },
  ): Promise<number>;
  /** POSTs any body (bad batches included) the same way; resolves with the status and the answer. */
  deliverRaw(
    body: string | Uint8Array,
    options?: { subscription?: FakeTelemetrySubscription },
  ): Promise<FakeDeliveryResult>;
  /** Serves {@link FakeTelemetryApi.handle} on `127.0.0.1` (a free port; 404 elsewhere). */
  listen(): Promise<{ runtimeApi: string; port: number }>;
  /** Closes the server started by `listen()` (if any). */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['sandbox.localdomain', '127.0.0.1', 'localhost', '[::1]']);
const TYPES = new Set(['platform', 'function', 'extension']);
const SCHEMA_VERSIONS = new Set(['2022-07-01', '2022-12-13', '2025-01-29']);
const RANGES = {
  maxItems: { min: 1_000, max: 10_000, default: 10_000 },
  maxBytes: { min: 262_144, max: 1_048_576, default: 262_144 },
  timeoutMs: { min: 25, max: 30_000, default: 1_000 },
} as const;

type Validation =
  | { ok: true; subscription: Omit<FakeTelemetrySubscription, 'extensionId' | 'at'> }
  | { ok: false; message: string };

function validateSubscription(text: string): Validation {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: 'body is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body is not a JSON object' };
  }
  const { schemaVersion, destination, types, buffering } = body as Record<string, unknown>;
  if (typeof schemaVersion !== 'string' || !SCHEMA_VERSIONS.has(schemaVersion)) {
    return { ok: false, message: `schemaVersion ${JSON.stringify(schemaVersion)} is not supported` };
  }
  if (!Array.isArray(types) || types.length === 0 || !types.every((type) => TYPES.has(type))) {
    return { ok: false, message: 'types must be a non-empty array of "platform", "function", "extension"' };
  }
  const dest: { protocol?: unknown; URI?: unknown; port?: unknown } =
    typeof destination === 'object' && destination !== null ? destination : {};
  let parsedDestination: FakeTelemetrySubscription['destination'];
  if (dest.protocol === 'HTTP' && typeof dest.URI === 'string' && URL.canParse(dest.URI)) {
    if (new URL(dest.URI).protocol !== 'http:')
      return { ok: false, message: 'destination.URI must be http://' };
    parsedDestination = { protocol: 'HTTP', URI: dest.URI };
  } else if (
    dest.protocol === 'TCP' &&
    schemaVersion === '2025-01-29' &&
    Number.isInteger(dest.port) &&
    (dest.port as number) >= 1 &&
    (dest.port as number) <= 65_535
  ) {
    parsedDestination = { protocol: 'TCP', port: dest.port as number };
  } else {
    return {
      ok: false,
      message:
        'destination must be {"protocol":"HTTP","URI":"http://..."} (or TCP with a port under 2025-01-29)',
    };
  }
  const applied: FakeTelemetrySubscription['buffering'] = {
    maxItems: RANGES.maxItems.default,
    maxBytes: RANGES.maxBytes.default,
    timeoutMs: RANGES.timeoutMs.default,
  };
  if (buffering !== undefined) {
    if (typeof buffering !== 'object' || buffering === null || Array.isArray(buffering)) {
      return { ok: false, message: 'buffering must be an object' };
    }
    for (const key of Object.keys(RANGES) as (keyof typeof RANGES)[]) {
      const value = (buffering as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const range = RANGES[key];
      if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max) {
        return {
          ok: false,
          message: `buffering.${key} ${JSON.stringify(value)} is out of ${range.min}..${range.max}`,
        };
      }
      applied[key] = value as number;
    }
  }
  return {
    ok: true,
    subscription: {
      schemaVersion: schemaVersion as FakeTelemetrySubscription['schemaVersion'],
      types: types as FakeTelemetrySubscription['types'],
      buffering: applied,
      destination: parsedDestination,
    },
  };
}

function send(res: ServerResponse, statusCode: number, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Creates an in-process fake of the Lambda Telemetry API: it validates subscriptions the way the
 * documentation describes (the `Lambda-Extension-Identifier` header, the schema version, the types,
 * an HTTP destination, the buffering ranges) and delivers batches to the subscriber over loopback.
 *
 * Answers: `200` subscribed; `202` "Telemetry API not supported" with `answer: 'not-supported'`;
 * `400 ValidationError` for a bad body; `403 Extension.MissingHeader` without the header;
 * `403 Extension.InvalidExtensionIdentifier` when `isKnownExtension` says no.
 *
 * @example
 * ```ts
 * const api = createFakeTelemetryApi();
 * const { runtimeApi } = await api.listen();
 * await subscribeTelemetry({ runtimeApi, extensionId: 'id-1', schemaVersion: '2022-12-13',
 *   types: ['platform'], destinationUri: listener.uri ?? '' });
 * expect(await api.deliver([{ time: '2024-01-01T00:00:00Z', type: 'platform.start', record: { requestId: 'r' } }])).toBe(200);
 * await api.close();
 * ```
 */
export function createFakeTelemetryApi(options: FakeTelemetryApiOptions = {}): FakeTelemetryApi {
  const config = parseOptions(fakeTelemetryApiOptionsSchema, options, 'createFakeTelemetryApi options');
  const now = config.now ?? Date.now;
  const subscriptions: FakeTelemetrySubscription[] = [];
  const injected: FakeInjectedResponse[] = [];
  let server: Server | undefined;

  const onSubscribe = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const scripted = injected.shift();
    if (scripted) {
      send(res, scripted.statusCode, scripted.body ?? '');
      return;
    }
    if (config.answer === 'not-supported') {
      send(res, 202, 'Telemetry API not supported');
      return;
    }
    const extensionId = req.headers['lambda-extension-identifier'];
    if (typeof extensionId !== 'string' || extensionId === '') {
      send(res, 403, {
        errorType: 'Extension.MissingHeader',
        errorMessage: 'Missing Lambda-Extension-Identifier header',
      });
      return;
    }
    if (config.isKnownExtension && !config.isKnownExtension(extensionId)) {
      send(res, 403, {
        errorType: 'Extension.InvalidExtensionIdentifier',
        errorMessage: `Unknown extension ${extensionId}`,
      });
      return;
    }
    const result = validateSubscription(text);
    if (!result.ok) {
      send(res, 400, { errorType: 'ValidationError', errorMessage: result.message });
      return;
    }
    subscriptions.push({ extensionId, ...result.subscription, at: now() });
    send(res, 200, 'OK');
  };

  const target = (subscription: FakeTelemetrySubscription | undefined): URL => {
    const chosen = subscription ?? subscriptions.findLast((item) => item.destination.protocol === 'HTTP');
    if (chosen?.destination.protocol !== 'HTTP') {
      throw new TelemetryReceiverError('fake Telemetry API: no HTTP subscription to deliver to');
    }
    const url = new URL(chosen.destination.URI);
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      throw new TelemetryReceiverError(
        `fake Telemetry API delivers over loopback only, not to ${url.hostname}`,
      );
    }
    if (url.hostname === 'sandbox.localdomain' || url.hostname === 'localhost') url.hostname = '127.0.0.1';
    return url;
  };

  const deliverRaw: FakeTelemetryApi['deliverRaw'] = (body, deliverOptions) => {
    let url: URL;
    try {
      url = target(deliverOptions?.subscription);
    } catch (error) {
      return Promise.reject(error);
    }
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return new Promise<FakeDeliveryResult>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': payload.byteLength },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'PUT' || (path !== '/2022-07-01/telemetry' && path !== '/2022-07-01/telemetry/'))
      return false;
    // The only failure is a request that breaks while being read: nothing left to answer.
    onSubscribe(req, res).catch(() => res.destroy());
    return true;
  };

  return {
    handle,
    get subscriptions() {
      return subscriptions;
    },
    injectResponse(response) {
      injected.push(response);
    },
    async deliver(records, deliverOptions) {
      return (await deliverRaw(JSON.stringify(records), deliverOptions)).status;
    },
    deliverRaw,
    async listen() {
      if (server) throw new TelemetryReceiverError('fake Telemetry API is already listening');
      const created = createServer((req, res) => {
        if (!handle(req, res)) send(res, 404, { errorType: 'NotFound', errorMessage: 'unknown route' });
      });
      server = created;
      await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
      const { port } = created.address() as AddressInfo;
      return { runtimeApi: `127.0.0.1:${port}`, port };
    },
    async close() {
      const current = server;
      server = undefined;
      if (!current) return;
      await new Promise<void>((resolve) => {
        current.close(() => resolve());
        current.closeAllConnections();
      });
    },
  };
}
