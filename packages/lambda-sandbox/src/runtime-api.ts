import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, parseJson, readBody, sendError, sendJson } from './http-utils.js';

/** An invocation handed to the runtime. */
export interface RuntimeInvocation {
  readonly requestId: string;
  readonly payload: string;
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
}

/** What the runtime answered. */
export type RuntimeOutcome =
  | { kind: 'response'; body: Buffer; startedAt: number; endedAt: number }
  | { kind: 'error'; errorType: string; error: unknown; body: Buffer; startedAt: number; endedAt: number }
  | { kind: 'too-large'; size: number; startedAt: number; endedAt: number };

/** What the sandbox decides for the Runtime API. */
export interface RuntimeApiHooks {
  /** Every `invocation/next`, once the runtime is waiting. */
  onNext(): void;
  /** `init/error`; false outside Init (403). */
  onInitError(errorType: string, error: unknown): boolean;
  /** The response or error of the current invocation. */
  onOutcome(requestId: string, outcome: RuntimeOutcome): void;
  /** When the invocation was written to the runtime. */
  onDelivered(requestId: string, at: number): void;
}

/** Lambda's synchronous response limit. */
export const RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * The Runtime API (2018-06-01): invocation/next, invocation/{id}/response, invocation/{id}/error,
 * init/error.
 * @internal
 */
export function createRuntimeApi(config: { now(): number; hooks: RuntimeApiHooks }) {
  const { hooks, now } = config;
  let pending: ServerResponse | undefined;
  let current: { requestId: string; answered: boolean } | undefined;

  const send = (res: ServerResponse, inv: RuntimeInvocation): void => {
    current = { requestId: inv.requestId, answered: false };
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(inv.payload),
      'lambda-runtime-aws-request-id': inv.requestId,
      'lambda-runtime-deadline-ms': String(inv.deadlineMs),
      'lambda-runtime-invoked-function-arn': inv.invokedFunctionArn,
      'lambda-runtime-trace-id': inv.traceId,
    });
    res.end(inv.payload);
    hooks.onDelivered(inv.requestId, now());
  };

  const checkInvocation = (res: ServerResponse, id: string): boolean => {
    if (!current || current.requestId !== id) {
      sendError(res, 400, 'InvalidRequestID', `Invalid request ID: ${id}`);
      return false;
    }
    if (current.answered) {
      sendError(res, 403, 'InvalidStateTransition', `Invocation ${id} was already answered`);
      return false;
    }
    return true;
  };

  return {
    /** The runtime is waiting in `next`. */
    waiting(): boolean {
      return pending !== undefined;
    },

    /** Hands an invocation to the runtime, which is waiting in `next` (the sandbox invokes only then). */
    deliver(inv: RuntimeInvocation): void {
      const res = pending as ServerResponse;
      pending = undefined;
      send(res, inv);
    },

    /** Forgets the current invocation (after a timeout): late answers get 400. */
    abandon(): void {
      current = undefined;
    },

    async next(req: IncomingMessage, res: ServerResponse): Promise<void> {
      await readBody(req, 1024);
      pending = res;
      res.on('close', () => {
        if (pending === res) pending = undefined;
      });
      hooks.onNext();
    },

    async response(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
      const startedAt = now();
      const { body, tooLarge } = await readBody(req, RESPONSE_LIMIT_BYTES);
      if (!checkInvocation(res, id)) return;
      (current as { answered: boolean }).answered = true;
      const endedAt = now();
      if (tooLarge) {
        const size = Number(header(req, 'content-length') ?? RESPONSE_LIMIT_BYTES + 1);
        sendError(
          res,
          413,
          'RequestEntityTooLarge',
          `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).`,
        );
        hooks.onOutcome(id, { kind: 'too-large', size, startedAt, endedAt });
        return;
      }
      sendJson(res, 202, { status: 'OK' });
      hooks.onOutcome(id, { kind: 'response', body, startedAt, endedAt });
    },

    async error(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
      const startedAt = now();
      const { body } = await readBody(req, RESPONSE_LIMIT_BYTES);
      if (!checkInvocation(res, id)) return;
      (current as { answered: boolean }).answered = true;
      const parsed = parseJson(body);
      const error = parsed.ok ? parsed.value : body.toString('utf8');
      const fromBody =
        error !== null && typeof error === 'object'
          ? (error as { errorType?: unknown }).errorType
          : undefined;
      const errorType =
        header(req, 'lambda-runtime-function-error-type') ??
        (typeof fromBody === 'string' ? fromBody : 'Unhandled');
      sendJson(res, 202, { status: 'OK' });
      hooks.onOutcome(id, { kind: 'error', errorType, error, body, startedAt, endedAt: now() });
    },

    async initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const { body } = await readBody(req, RESPONSE_LIMIT_BYTES);
      const parsed = parseJson(body);
      const error = parsed.ok ? parsed.value : body.toString('utf8');
      const fromBody =
        error !== null && typeof error === 'object'
          ? (error as { errorType?: unknown }).errorType
          : undefined;
      const errorType =
        header(req, 'lambda-runtime-function-error-type') ??
        (typeof fromBody === 'string' ? fromBody : 'Runtime.Unknown');
      if (!hooks.onInitError(errorType, error)) {
        sendError(res, 403, 'InvalidStateTransition', 'init/error is accepted only during the Init phase');
        return;
      }
      sendJson(res, 202, { status: 'OK' });
    },
  };
}

/** The Runtime API's type. */
export type RuntimeApi = ReturnType<typeof createRuntimeApi>;
