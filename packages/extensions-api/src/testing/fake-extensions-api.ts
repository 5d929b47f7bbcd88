import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { parseOptions } from '../options.js';
import {
  type FakeExtensionsApiDeps,
  type FakeExtensionsApiOptions,
  fakeExtensionsApiOptionsSchema,
} from './fake-options.js';

/**
 * An endpoint of the fake, relative to `/2020-01-01/extension/`.
 *
 * @example
 * ```ts
 * api.injectResponse('event/next', { statusCode: 500 });
 * ```
 */
export type FakeEndpoint = 'register' | 'event/next' | 'init/error' | 'exit/error';

/**
 * One successful registration.
 *
 * @example
 * ```ts
 * const [registration] = await api.waitForRegistrations(1);
 * expect(registration.events).toEqual(['INVOKE', 'SHUTDOWN']);
 * ```
 */
export interface FakeRegistration {
  extensionId: string;
  name: string;
  events: readonly ('INVOKE' | 'SHUTDOWN')[];
  /** Values of `Lambda-Extension-Accept-Feature`, split on commas. */
  acceptFeatures: readonly string[];
  /** `now()` at registration. */
  at: number;
}

/**
 * One call to `init/error` or `exit/error` that the fake accepted (202).
 *
 * @example
 * ```ts
 * expect(api.errors[0]).toMatchObject({ kind: 'init', errorType: 'Extension.ConfigInvalid' });
 * ```
 */
export interface FakeReportedError {
  kind: 'init' | 'exit';
  extensionId: string;
  name: string;
  /** The `Lambda-Extension-Function-Error-Type` header. */
  errorType: string;
  /** The request body, parsed as JSON when it is JSON, else the raw text. */
  body: unknown;
  at: number;
}

/**
 * One request the fake answered itself (the fallback's requests are not listed).
 *
 * @example
 * ```ts
 * expect(api.requests.map((r) => r.statusCode)).not.toContain(403);
 * ```
 */
export interface FakeRequestRecord {
  method: string;
  path: string;
  statusCode: number;
  /** The API's `errorType` for a refused request. */
  errorType?: string;
  at: number;
}

/**
 * Overrides of the INVOKE event {@link FakeExtensionsApi.invoke} delivers.
 *
 * @example
 * ```ts
 * await api.invoke({ requestId: 'req-1', deadlineMs: Date.now() + 500 });
 * ```
 */
export interface FakeInvokeInput {
  requestId?: string;
  deadlineMs?: number;
  invokedFunctionArn?: string;
  /** `null` leaves tracing out of the event. */
  tracing?: { type: string; value: string } | null;
}

/**
 * What {@link FakeExtensionsApi.invoke} resolves with once every INVOKE subscriber came back.
 *
 * @example
 * ```ts
 * const { durationMs, extensions } = await api.invoke();
 * console.log(`post-runtime ${durationMs} ms`, extensions);
 * ```
 */
export interface FakeInvokeResult {
  /** The event as sent. */
  event: {
    eventType: 'INVOKE';
    deadlineMs: number;
    requestId: string;
    invokedFunctionArn: string;
    tracing?: { type: string; value: string };
  };
  /** From the `invoke()` call to the last subscriber's return (`monotonicNow`). */
  durationMs: number;
  extensions: readonly {
    extensionId: string;
    name: string;
    /** `next`: it called `next` again; `exited`: it reported `exit/error` or `init/error` instead. */
    outcome: 'next' | 'exited';
    /** From the delivery of the event to that extension's return. */
    durationMs: number;
  }[];
}

/**
 * Settings of the SHUTDOWN event {@link FakeExtensionsApi.shutdown} delivers.
 *
 * @example
 * ```ts
 * await api.shutdown({ reason: 'TIMEOUT', deadlineMs: Date.now() + 2000 });
 * ```
 */
export interface FakeShutdownInput {
  /** Sent as is (so tests can send `SPINDOWN`); default `spindown`. */
  reason?: string;
  /** Unix ms; default `now() + shutdownTimeoutMs`. */
  deadlineMs?: number;
}

/**
 * What {@link FakeExtensionsApi.shutdown} resolves with once SHUTDOWN reached every subscriber.
 *
 * @example
 * ```ts
 * const { extensions } = await api.shutdown();
 * expect(extensions).toHaveLength(1);
 * ```
 */
export interface FakeShutdownResult {
  event: { eventType: 'SHUTDOWN'; shutdownReason: string; deadlineMs: number };
  extensions: readonly { extensionId: string; name: string; deliveredAt: number }[];
}

/**
 * A canned answer for the next request to one endpoint, sent before any validation.
 *
 * @example
 * ```ts
 * api.injectResponse('register', { statusCode: 500, body: { errorType: 'Extension.Unknown', errorMessage: 'boom' } });
 * ```
 */
export interface FakeInjectedResponse {
  statusCode: number;
  /** A string is sent as is; anything else as JSON. Default: no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The state of one registered extension.
 *
 * @example
 * ```ts
 * expect(api.extensions()[0]?.state).toBe('waiting');
 * ```
 */
export interface FakeExtensionState {
  extensionId: string;
  name: string;
  /**
   * `initializing`: registered, has not called `next` yet; `waiting`: a `next` is pending with no
   * event to give; `busy`: holds an event and has not come back; `exited`: reported an error.
   */
  state: 'initializing' | 'waiting' | 'busy' | 'exited';
  /** Events queued for it, not delivered yet. */
  queued: number;
  /** How many `next` calls it made that the fake accepted (lets a test wait for one to arrive). */
  nextCalls: number;
}

/**
 * A running fake of the Lambda Extensions API on `127.0.0.1`. See {@link createFakeExtensionsApi}.
 *
 * @example
 * ```ts
 * const api = await createFakeExtensionsApi();
 * const client = createExtensionsClient({ runtimeApi: api.runtimeApi, extensionName: 'my-ext' });
 * ```
 */
export interface FakeExtensionsApi {
  /** `127.0.0.1:PORT`, the value to pass as `runtimeApi` (or `AWS_LAMBDA_RUNTIME_API`). */
  readonly runtimeApi: string;
  /** Successful registrations, in order. */
  readonly registrations: readonly FakeRegistration[];
  /** Accepted `init/error` and `exit/error` reports, in order. */
  readonly errors: readonly FakeReportedError[];
  /** Every request the fake answered itself, in order. */
  readonly requests: readonly FakeRequestRecord[];
  /** Whether `register` is still accepted (until the first `invoke()`, `shutdown()` or `closeRegistration()`). */
  readonly registrationOpen: boolean;
  /** A snapshot of every registered extension. */
  extensions(): FakeExtensionState[];
  /** Resolves with the registrations once there are at least `count`. */
  waitForRegistrations(count: number): Promise<readonly FakeRegistration[]>;
  /**
   * Resolves once at least one extension registered and every one that has not exited waits in
   * `next` with nothing queued: Init is over, or the last event was handled.
   */
  waitForIdle(): Promise<void>;
  /** Ends the registration window: later `register` calls get 403 `Extension.RegistrationClosed`. */
  closeRegistration(): void;
  /**
   * Delivers one INVOKE to every extension registered for INVOKE (queued for those not in `next`
   * yet) and resolves when each came back to `next` (or exited), with the times measured. Closes
   * registration. Rejects after `shutdown()`.
   */
  invoke(input?: FakeInvokeInput): Promise<FakeInvokeResult>;
  /**
   * Delivers SHUTDOWN to every extension registered for SHUTDOWN and resolves once each received
   * it. Further `next` calls are held until `close()`, as Lambda holds them until it kills the
   * process. May be called once.
   */
  shutdown(input?: FakeShutdownInput): Promise<FakeShutdownResult>;
  /** Answers the next request to `endpoint` with `response`, whatever it holds. */
  injectResponse(endpoint: FakeEndpoint, response: FakeInjectedResponse): void;
  /** Stops the server, cuts pending `next` calls, rejects pending waits. */
  close(): Promise<void>;
}

const PREFIX = '/2020-01-01/extension/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Delivery {
  payload: { eventType: 'INVOKE' | 'SHUTDOWN' } & Record<string, unknown>;
  onDelivered(at: number): void;
  onReturned(outcome: 'next' | 'exited', at: number): void;
}

interface Extension {
  id: string;
  name: string;
  events: ReadonlySet<string>;
  acceptFeatures: readonly string[];
  nextCalls: number;
  exited: boolean;
  shutdownReceived: boolean;
  pending: { req: IncomingMessage; res: ServerResponse } | undefined;
  queue: Delivery[];
  inFlight: Delivery | undefined;
}

interface Waiter {
  ready(): boolean;
  resolve(): void;
}

class ApiRefusal {
  constructor(
    readonly statusCode: number,
    readonly errorType: string,
    readonly errorMessage: string,
  ) {}
}

/**
 * Starts an in-process fake of the Lambda Extensions API (`2020-01-01`) on `127.0.0.1`, port 0,
 * answering as AWS's reference describes: `POST register` (200 + `Lambda-Extension-Identifier`),
 * `GET event/next` (long poll, one per extension: a newer call supersedes a pending one, which
 * gets 403 `Extension.InvalidExtensionState`; `Lambda-Extension-Event-Identifier` on events),
 * `POST init/error` and `POST exit/error` (202), and 403 with `{errorType, errorMessage}` for
 * `Extension.MissingHeader`, `Extension.InvalidExtensionIdentifier`,
 * `Extension.UnknownExtensionIdentifier`, `Extension.RegistrationClosed`,
 * `Extension.InvalidEventType`, `Extension.InvalidExtensionName`, `Extension.InvalidExtensionState`
 * and `InvalidRequestFormat`. Other routes go to `options.fallback`, or get 404.
 *
 * @throws {ExtensionsApiOptionsError} when the options are invalid.
 * @example
 * ```ts
 * const api = await createFakeExtensionsApi();
 * const client = createExtensionsClient({ runtimeApi: api.runtimeApi, extensionName: 'my-ext' });
 * const loop = runMyExtension(client);
 * await api.waitForIdle();
 * const { durationMs } = await api.invoke();
 * await api.shutdown({ reason: 'spindown' });
 * await loop;
 * await api.close();
 * ```
 */
export async function createFakeExtensionsApi(
  options: FakeExtensionsApiOptions = {},
  deps: FakeExtensionsApiDeps = {},
): Promise<FakeExtensionsApi> {
  const config = parseOptions(fakeExtensionsApiOptionsSchema, options, 'options');
  const now = deps.now ?? Date.now;
  const monotonicNow = deps.monotonicNow ?? (() => performance.now());

  const byId = new Map<string, Extension>();
  const registrations: FakeRegistration[] = [];
  const errors: FakeReportedError[] = [];
  const requests: FakeRequestRecord[] = [];
  const injected = new Map<FakeEndpoint, FakeInjectedResponse[]>();
  let waiters: Waiter[] = [];
  /** Rejecters of every promise handed out and not settled yet; `close()` calls them. */
  const unsettled = new Set<(error: Error) => void>();
  let registrationOpen = true;
  let shutdownStarted = false;
  let closed = false;

  const notify = (): void => {
    const ready = waiters.filter((waiter) => waiter.ready());
    waiters = waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve();
  };

  /** A promise that `close()` rejects if it has not settled by then. */
  const tracked = <T>(executor: (resolve: (value: T) => void) => void): Promise<T> => {
    if (closed) return Promise.reject(new Error('fake Extensions API is closed'));
    return new Promise<T>((resolve, reject) => {
      unsettled.add(reject);
      executor((value) => {
        unsettled.delete(reject);
        resolve(value);
      });
    });
  };

  const waitUntil = (ready: () => boolean): Promise<void> =>
    tracked<void>((resolve) => {
      if (ready()) resolve();
      else waiters.push({ ready, resolve });
    });

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    statusCode: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const record: FakeRequestRecord = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      statusCode,
      at: now(),
    };
    const errorType = (body as { errorType?: unknown } | undefined)?.errorType;
    if (statusCode >= 400 && typeof errorType === 'string') record.errorType = errorType;
    requests.push(record);
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const head: Record<string, string> = { ...headers };
    if (body !== undefined && head['content-type'] === undefined) head['content-type'] = 'application/json';
    res.writeHead(statusCode, head).end(payload);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, refusal: ApiRefusal): void => {
    send(req, res, refusal.statusCode, { errorType: refusal.errorType, errorMessage: refusal.errorMessage });
  };

  const extensionFrom = (req: IncomingMessage): Extension => {
    const id = req.headers['lambda-extension-identifier'];
    if (typeof id !== 'string' || id === '') {
      throw new ApiRefusal(403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Identifier header');
    }
    if (!UUID.test(id)) {
      throw new ApiRefusal(
        403,
        'Extension.InvalidExtensionIdentifier',
        `Invalid extension identifier: ${id}`,
      );
    }
    const extension = byId.get(id);
    if (!extension) {
      throw new ApiRefusal(
        403,
        'Extension.UnknownExtensionIdentifier',
        `Unknown extension identifier: ${id}`,
      );
    }
    if (extension.exited) {
      throw new ApiRefusal(403, 'Extension.InvalidExtensionState', `Extension ${extension.name} has exited`);
    }
    return extension;
  };

  const deliver = (extension: Extension): void => {
    const pending = extension.pending;
    const delivery = extension.queue[0];
    if (!pending || !delivery || extension.inFlight) return;
    extension.queue.shift();
    extension.pending = undefined;
    extension.inFlight = delivery;
    if (delivery.payload.eventType === 'SHUTDOWN') extension.shutdownReceived = true;
    send(pending.req, pending.res, 200, delivery.payload, {
      'lambda-extension-event-identifier': randomUUID(),
    });
    delivery.onDelivered(monotonicNow());
  };

  const register = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const name = req.headers['lambda-extension-name'];
    if (typeof name !== 'string' || name === '') {
      throw new ApiRefusal(403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Name header');
    }
    if (!registrationOpen) {
      throw new ApiRefusal(403, 'Extension.RegistrationClosed', 'Extension registration is closed');
    }
    if ([...byId.values()].some((extension) => extension.name === name)) {
      throw new ApiRefusal(403, 'Extension.InvalidExtensionName', `Extension ${name} is already registered`);
    }
    let events: unknown;
    try {
      events = (JSON.parse(raw) as { events?: unknown } | null)?.events;
    } catch {
      events = undefined;
    }
    if (!Array.isArray(events)) {
      throw new ApiRefusal(403, 'InvalidRequestFormat', 'Expected a JSON body {"events":[...]}');
    }
    const unknown = events.filter((event) => event !== 'INVOKE' && event !== 'SHUTDOWN');
    if (unknown.length > 0) {
      throw new ApiRefusal(
        403,
        'Extension.InvalidEventType',
        `Unknown event type: ${JSON.stringify(unknown)}`,
      );
    }
    const featureHeader = req.headers['lambda-extension-accept-feature'];
    const acceptFeatures = (typeof featureHeader === 'string' ? featureHeader.split(',') : [])
      .map((feature) => feature.trim())
      .filter((feature) => feature !== '');
    const extension: Extension = {
      id: randomUUID(),
      name,
      events: new Set(events as string[]),
      acceptFeatures,
      nextCalls: 0,
      exited: false,
      shutdownReceived: false,
      pending: undefined,
      queue: [],
      inFlight: undefined,
    };
    byId.set(extension.id, extension);
    registrations.push({
      extensionId: extension.id,
      name,
      events: [...(extension.events as Set<'INVOKE' | 'SHUTDOWN'>)],
      acceptFeatures,
      at: now(),
    });
    const body: { functionName: string; functionVersion: string; handler: string; accountId?: string } = {
      functionName: config.functionName,
      functionVersion: config.functionVersion,
      handler: config.handler,
    };
    if (acceptFeatures.includes('accountId')) body.accountId = config.accountId;
    send(req, res, 200, body, { 'lambda-extension-identifier': extension.id });
    notify();
  };

  const next = (req: IncomingMessage, res: ServerResponse): void => {
    const extension = extensionFrom(req);
    // One next per extension: a newer call supersedes an older one still pending (typically a call
    // the client aborted whose connection close has not reached the server yet), which gets a 403.
    const superseded = extension.pending;
    extension.pending = undefined;
    if (superseded) {
      refuse(
        superseded.req,
        superseded.res,
        new ApiRefusal(
          403,
          'Extension.InvalidExtensionState',
          `A newer next from ${extension.name} superseded this one`,
        ),
      );
    }
    extension.nextCalls += 1;
    const returning = extension.inFlight;
    extension.inFlight = undefined;
    const pending = { req, res };
    extension.pending = pending;
    res.on('close', () => {
      if (extension.pending === pending) {
        extension.pending = undefined;
        notify();
      }
    });
    returning?.onReturned('next', monotonicNow());
    // After SHUTDOWN nothing more is delivered: the call is held, as Lambda holds it.
    if (!extension.shutdownReceived) deliver(extension);
    notify();
  };

  const reportError = (
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    kind: 'init' | 'exit',
  ): void => {
    const extension = extensionFrom(req);
    const errorType = req.headers['lambda-extension-function-error-type'];
    if (typeof errorType !== 'string' || errorType === '') {
      throw new ApiRefusal(
        403,
        'Extension.MissingHeader',
        'Missing Lambda-Extension-Function-Error-Type header',
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    extension.exited = true;
    errors.push({ kind, extensionId: extension.id, name: extension.name, errorType, body, at: now() });
    send(req, res, 202, { status: 'OK' });
    const returning = extension.inFlight;
    extension.inFlight = undefined;
    returning?.onReturned('exited', monotonicNow());
    for (const queued of extension.queue.splice(0)) queued.onReturned('exited', monotonicNow());
    extension.pending?.res.destroy();
    notify();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    const endpoint = path?.startsWith(PREFIX) ? path.slice(PREFIX.length) : '';
    const route = ROUTES.find(
      (candidate) => candidate.method === req.method && candidate.endpoint === endpoint,
    );
    if (!route) {
      if (config.fallback) {
        config.fallback(req, res);
        return;
      }
      send(req, res, 404, { errorType: 'NotFound', errorMessage: `No route for ${req.method} ${path}` });
      return;
    }
    const raw = req.method === 'POST' ? await text(req) : '';
    const canned = injected.get(route.endpoint)?.shift();
    if (canned) {
      send(req, res, canned.statusCode, canned.body, canned.headers);
      return;
    }
    try {
      if (route.endpoint === 'register') register(req, res, raw);
      else if (route.endpoint === 'event/next') next(req, res);
      else reportError(req, res, raw, route.endpoint === 'init/error' ? 'init' : 'exit');
    } catch (error) {
      // A refusal is the API's answer; anything else would be a defect of the fake: answer 500.
      refuse(
        req,
        res,
        error instanceof ApiRefusal ? error : new ApiRefusal(500, 'Fake.InternalError', String(error)),
      );
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The request stream failed (client went away): nothing left to answer.
      res.destroy();
    });
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const eventsFor = (event: 'INVOKE' | 'SHUTDOWN'): Extension[] =>
    [...byId.values()].filter((extension) => extension.events.has(event) && !extension.exited);

  return {
    runtimeApi: `127.0.0.1:${port}`,
    registrations,
    errors,
    requests,
    get registrationOpen() {
      return registrationOpen;
    },

    extensions() {
      return [...byId.values()].map((extension) => ({
        extensionId: extension.id,
        name: extension.name,
        state: extension.exited
          ? 'exited'
          : extension.inFlight
            ? 'busy'
            : extension.pending
              ? 'waiting'
              : extension.nextCalls > 0
                ? 'busy'
                : 'initializing',
        queued: extension.queue.length,
        nextCalls: extension.nextCalls,
      }));
    },

    async waitForRegistrations(count) {
      await waitUntil(() => registrations.length >= count);
      return registrations.slice();
    },

    waitForIdle() {
      return waitUntil(() => {
        const live = [...byId.values()].filter((extension) => !extension.exited);
        return (
          byId.size > 0 &&
          live.every((extension) => extension.pending && !extension.inFlight && extension.queue.length === 0)
        );
      });
    },

    closeRegistration() {
      registrationOpen = false;
    },

    async invoke(input = {}) {
      if (closed) throw new Error('fake Extensions API is closed');
      if (shutdownStarted) throw new Error('invoke() after shutdown()');
      registrationOpen = false;
      const start = monotonicNow();
      const event: FakeInvokeResult['event'] = {
        eventType: 'INVOKE',
        deadlineMs: input.deadlineMs ?? now() + config.functionTimeoutMs,
        requestId: input.requestId ?? randomUUID(),
        invokedFunctionArn:
          input.invokedFunctionArn ??
          `arn:aws:lambda:${config.region}:${config.accountId}:function:${config.functionName}`,
      };
      const tracing = input.tracing === undefined ? defaultTracing(now()) : input.tracing;
      if (tracing) event.tracing = tracing;
      const returns = eventsFor('INVOKE').map((extension) =>
        tracked<FakeInvokeResult['extensions'][number] & { at: number }>((resolve) => {
          let deliveredAt: number | undefined;
          extension.queue.push({
            payload: { ...event },
            onDelivered: (at) => {
              deliveredAt = at;
            },
            onReturned: (outcome, at) =>
              resolve({
                extensionId: extension.id,
                name: extension.name,
                outcome,
                durationMs: deliveredAt === undefined ? 0 : at - deliveredAt,
                at,
              }),
          });
          deliver(extension);
        }),
      );
      const settled = await Promise.all(returns);
      const end = settled.reduce((last, entry) => Math.max(last, entry.at), start);
      return {
        event,
        durationMs: end - start,
        extensions: settled.map(({ at: _at, ...entry }) => entry),
      };
    },

    async shutdown(input = {}) {
      if (closed) throw new Error('fake Extensions API is closed');
      if (shutdownStarted) throw new Error('shutdown() may be called once');
      shutdownStarted = true;
      registrationOpen = false;
      const event: FakeShutdownResult['event'] = {
        eventType: 'SHUTDOWN',
        shutdownReason: input.reason ?? 'spindown',
        deadlineMs: input.deadlineMs ?? now() + config.shutdownTimeoutMs,
      };
      const deliveries = eventsFor('SHUTDOWN').map((extension) =>
        tracked<FakeShutdownResult['extensions'][number]>((resolve) => {
          extension.queue.push({
            payload: { ...event },
            onDelivered: (at) =>
              resolve({ extensionId: extension.id, name: extension.name, deliveredAt: at }),
            onReturned: () => {},
          });
          deliver(extension);
        }),
      );
      return { event, extensions: await Promise.all(deliveries) };
    },

    injectResponse(endpoint, response) {
      const list = injected.get(endpoint) ?? [];
      list.push(response);
      injected.set(endpoint, list);
    },

    async close() {
      if (closed) return;
      closed = true;
      waiters = [];
      const rejecters = [...unsettled];
      unsettled.clear();
      for (const reject of rejecters) reject(new Error('fake Extensions API is closed'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ROUTES: readonly { method: string; endpoint: FakeEndpoint }[] = [
  { method: 'POST', endpoint: 'register' },
  { method: 'GET', endpoint: 'event/next' },
  { method: 'POST', endpoint: 'init/error' },
  { method: 'POST', endpoint: 'exit/error' },
];

function defaultTracing(nowMs: number): { type: string; value: string } {
  const root = `1-${Math.floor(nowMs / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  const parent = randomUUID().replaceAll('-', '').slice(0, 16);
  return { type: 'X-Amzn-Trace-Id', value: `Root=${root};Parent=${parent};Sampled=1` };
}
