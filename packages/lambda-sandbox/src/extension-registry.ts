import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, parseJson, readBody, sendError, sendJson } from './http-utils.js';

/** An event of the Extensions API. */
export type ExtensionEvent =
  | {
      eventType: 'INVOKE';
      deadlineMs: number;
      requestId: string;
      invokedFunctionArn: string;
      tracing: { type: 'X-Amzn-Trace-Id'; value: string };
    }
  | { eventType: 'SHUTDOWN'; shutdownReason: string; deadlineMs: number };

/** A registered extension. */
export interface RegisteredExtension {
  readonly id: string;
  readonly name: string;
  /** An executable of the layer's `extensions/` (else an internal extension of the runtime process). */
  readonly external: boolean;
  readonly events: readonly ('INVOKE' | 'SHUTDOWN')[];
  /** `active`, `errored` after init/error or exit/error, `gone` once its process exited. */
  state: 'active' | 'errored' | 'gone';
  /** The `next` request waiting for an event. */
  pending: ServerResponse | undefined;
  queue: ExtensionEvent[];
  nextCalls: number;
  lastNextAt: number;
  errorType?: string;
}

/** What the sandbox decides for the registry. */
export interface ExtensionRegistryHooks {
  /** Whether registration is still open (until the runtime's first `next`). */
  registrationOpen(): boolean;
  onRegistered(ext: RegisteredExtension): void;
  /** Every `next` call, after the extension was marked waiting. */
  onNext(ext: RegisteredExtension): void;
  /** `init/error`; returns false outside the Init phase (403). */
  onInitError(ext: RegisteredExtension, errorType: string, body: unknown): boolean;
  onExitError(ext: RegisteredExtension, errorType: string, body: unknown): void;
}

const EVENT_TYPES = ['INVOKE', 'SHUTDOWN'] as const;
const BODY_LIMIT = 1024 * 1024;

/**
 * The Extensions API (2020-01-01): register, event/next, init/error, exit/error, with AWS's
 * headers, status codes and `{errorMessage, errorType}` bodies.
 * @internal
 */
export function createExtensionRegistry(config: {
  externalNames: readonly string[];
  registerBody: { functionName: string; functionVersion: string; handler: string };
  accountId: string;
  now(): number;
  hooks: ExtensionRegistryHooks;
}) {
  const byId = new Map<string, RegisteredExtension>();
  const byName = new Map<string, RegisteredExtension>();
  const { hooks } = config;

  const authenticate = (req: IncomingMessage, res: ServerResponse): RegisteredExtension | undefined => {
    const id = header(req, 'lambda-extension-identifier');
    if (!id) {
      sendError(
        res,
        403,
        'Extension.MissingExtensionIdentifier',
        'Missing Lambda-Extension-Identifier header',
      );
      return undefined;
    }
    const ext = byId.get(id);
    if (!ext) {
      sendError(res, 403, 'Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier');
      return undefined;
    }
    return ext;
  };

  const respond = (ext: RegisteredExtension, res: ServerResponse, event: ExtensionEvent): void => {
    sendJson(res, 200, event, { 'lambda-extension-event-identifier': randomUUID() });
    ext.pending = undefined;
  };

  return {
    authenticate,

    /** Active extensions, in registration order. */
    list(): RegisteredExtension[] {
      return [...byId.values()];
    },
    byName(name: string): RegisteredExtension | undefined {
      return byName.get(name);
    },

    /** Every active extension is waiting in `next`. */
    allWaiting(): boolean {
      return [...byId.values()].every((e) => e.state !== 'active' || e.pending !== undefined);
    },

    /** Delivers an event to every active extension registered for it; returns their names. */
    deliver(event: ExtensionEvent): string[] {
      const names: string[] = [];
      for (const ext of byId.values()) {
        if (ext.state !== 'active' || !ext.events.includes(event.eventType)) continue;
        names.push(ext.name);
        if (ext.pending) respond(ext, ext.pending, event);
        else ext.queue.push(event);
      }
      return names;
    },

    markGone(name: string): void {
      const ext = byName.get(name);
      if (!ext) return;
      ext.state = 'gone';
      ext.pending = undefined;
    },

    async register(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const name = header(req, 'lambda-extension-name');
      const { body } = await readBody(req, BODY_LIMIT);
      if (!name) {
        sendError(res, 403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Name header');
        return;
      }
      const parsed = parseJson(body);
      const value = parsed.ok ? (parsed.value as { events?: unknown } | null) : undefined;
      if (!parsed.ok || value === null || typeof value !== 'object' || !Array.isArray(value.events)) {
        sendError(
          res,
          403,
          'InvalidRequestFormat',
          'The body must be a JSON object such as {"events":["INVOKE","SHUTDOWN"]}',
        );
        return;
      }
      const events = value.events as unknown[];
      const bad = events.find((e) => !EVENT_TYPES.includes(e as (typeof EVENT_TYPES)[number]));
      if (bad !== undefined) {
        sendError(
          res,
          403,
          'Extension.InvalidEventType',
          `${JSON.stringify(bad)}: unknown event type; use INVOKE, SHUTDOWN`,
        );
        return;
      }
      const external = config.externalNames.includes(name);
      if (!external && events.includes('SHUTDOWN')) {
        sendError(
          res,
          403,
          'Extension.InvalidEventType',
          `SHUTDOWN: no executable named "${name}" in /opt/extensions, so it is taken for an internal extension, which cannot register for SHUTDOWN`,
        );
        return;
      }
      if (!hooks.registrationOpen()) {
        sendError(res, 403, 'Extension.RegistrationClosed', 'Extension registration closed already');
        return;
      }
      if (byName.has(name)) {
        sendError(res, 403, 'Extension.InvalidExtensionState', `Extension ${name} is already registered`);
        return;
      }
      const ext: RegisteredExtension = {
        id: randomUUID(),
        name,
        external,
        events: [...new Set(events as ('INVOKE' | 'SHUTDOWN')[])],
        state: 'active',
        pending: undefined,
        queue: [],
        nextCalls: 0,
        lastNextAt: 0,
      };
      byId.set(ext.id, ext);
      byName.set(name, ext);
      const features = (header(req, 'lambda-extension-accept-feature') ?? '').split(',').map((f) => f.trim());
      const answer = features.includes('accountId')
        ? { ...config.registerBody, accountId: config.accountId }
        : config.registerBody;
      sendJson(res, 200, answer, { 'lambda-extension-identifier': ext.id });
      hooks.onRegistered(ext);
    },

    async next(req: IncomingMessage, res: ServerResponse): Promise<void> {
      await readBody(req, BODY_LIMIT);
      const ext = authenticate(req, res);
      if (!ext) return;
      if (ext.state !== 'active') {
        sendError(
          res,
          403,
          'Extension.InvalidExtensionState',
          `Extension ${ext.name} reported an error and must exit`,
        );
        return;
      }
      ext.nextCalls += 1;
      ext.lastNextAt = config.now();
      const queued = ext.queue.shift();
      if (queued) {
        respond(ext, res, queued);
        return;
      }
      ext.pending = res;
      res.on('close', () => {
        if (ext.pending === res) ext.pending = undefined;
      });
      hooks.onNext(ext);
    },

    async initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
      await this.reportError(req, res, 'init');
    },
    async exitError(req: IncomingMessage, res: ServerResponse): Promise<void> {
      await this.reportError(req, res, 'exit');
    },
    async reportError(req: IncomingMessage, res: ServerResponse, kind: 'init' | 'exit'): Promise<void> {
      const { body } = await readBody(req, BODY_LIMIT);
      const ext = authenticate(req, res);
      if (!ext) return;
      const errorType = header(req, 'lambda-extension-function-error-type');
      if (!errorType) {
        sendError(res, 400, 'Extension.MissingHeader', 'Missing Lambda-Extension-Function-Error-Type header');
        return;
      }
      if (ext.state !== 'active') {
        sendError(
          res,
          403,
          'Extension.InvalidExtensionState',
          `Extension ${ext.name} already reported an error`,
        );
        return;
      }
      const parsed = parseJson(body);
      const detail = parsed.ok ? parsed.value : body.toString('utf8');
      if (kind === 'init' && !hooks.onInitError(ext, errorType, detail)) {
        sendError(
          res,
          403,
          'Extension.InvalidExtensionState',
          'init/error is accepted only during the Init phase',
        );
        return;
      }
      ext.state = 'errored';
      ext.errorType = errorType;
      ext.pending = undefined;
      sendJson(res, 202, { status: 'OK' });
      if (kind === 'exit') hooks.onExitError(ext, errorType, detail);
    },
  };
}

/** The registry's type. */
export type ExtensionRegistry = ReturnType<typeof createExtensionRegistry>;
