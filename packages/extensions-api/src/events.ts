import * as z from 'zod/mini';

/**
 * The reasons Lambda documents for a SHUTDOWN, in lower case. Other values are passed through
 * (lower-cased) rather than rejected, so a reason AWS adds later does not cost the extension its
 * shutdown flush.
 *
 * @example
 * ```ts
 * if (event.eventType === 'SHUTDOWN' && event.shutdownReason === 'timeout') flushFast();
 * ```
 */
export type ShutdownReason = 'spindown' | 'timeout' | 'failure' | (string & {});

/**
 * An INVOKE event, delivered when the function is invoked, in parallel with the handler.
 *
 * @example
 * ```ts
 * const event = await client.next();
 * if (event.eventType === 'INVOKE') console.log(event.requestId, event.deadlineMs - Date.now());
 * ```
 */
export interface InvokeEvent {
  eventType: 'INVOKE';
  /** Unix time in ms at which the function times out. */
  deadlineMs: number;
  requestId: string;
  invokedFunctionArn: string;
  /** X-Ray tracing header, when Lambda sends one. */
  tracing?: { type: string; value: string };
}

/**
 * A SHUTDOWN event: the environment is going away; finish before `deadlineMs`.
 *
 * @example
 * ```ts
 * const event = await client.next();
 * if (event.eventType === 'SHUTDOWN') await flush({ deadline: event.deadlineMs });
 * ```
 */
export interface ShutdownEvent {
  eventType: 'SHUTDOWN';
  /** Parsed case-insensitively and normalised to lower case (`spindown`, `timeout`, `failure`). */
  shutdownReason: ShutdownReason;
  /** Unix time in ms after which Lambda kills the process. */
  deadlineMs: number;
}

/**
 * What `next()` resolves with.
 *
 * @example
 * ```ts
 * const event: ExtensionEvent = await client.next();
 * ```
 */
export type ExtensionEvent = InvokeEvent | ShutdownEvent;

/**
 * What `register()` resolves with: the extension id from the `Lambda-Extension-Identifier` header
 * and the register response body.
 *
 * @example
 * ```ts
 * const { extensionId, functionName, accountId } = await client.register(['INVOKE', 'SHUTDOWN'], {
 *   acceptFeatures: ['accountId'],
 * });
 * ```
 */
export interface RegisterResult {
  extensionId: string;
  functionName: string;
  functionVersion: string;
  handler: string;
  /** Present when `acceptFeatures` included `accountId` and Lambda sent it. */
  accountId?: string;
}

/**
 * `build()` on the first call, the same value after. The response schemas are built when the first
 * response arrives, not when the module loads: building zod schemas is a few ms of a cold start, and
 * the event schema is not needed before the first `next`.
 */
function lazily<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** Validates the body of `GET /event/next`. Unknown fields are dropped. */
export const extensionEventSchema = lazily(() => {
  const tracingSchema = z.object({ type: z.string(), value: z.string() });
  const invokeEventSchema = z.object({
    eventType: z.literal('INVOKE'),
    deadlineMs: z.number(),
    requestId: z.string().check(z.minLength(1)),
    invokedFunctionArn: z.string(),
    // Tracing is informative: a malformed value is dropped (read as undefined) rather than costing the
    // INVOKE. This is what `.catch(undefined)` does, without `z.catch`, which pulls zod's whole `util`
    // namespace (~12 KB) into the extension's bundle.
    tracing: z.optional(
      z.pipe(
        z.unknown(),
        z.transform((value) => tracingSchema.safeParse(value).data),
      ),
    ),
  });
  const shutdownEventSchema = z.object({
    eventType: z.literal('SHUTDOWN'),
    shutdownReason: z.pipe(
      z.string().check(z.minLength(1)),
      z.transform((reason: string) => reason.toLowerCase()),
    ),
    deadlineMs: z.number(),
  });
  return z.discriminatedUnion('eventType', [invokeEventSchema, shutdownEventSchema]);
});

/** Validates the body of a successful `POST /register`. */
export const registerResponseSchema = lazily(() =>
  z.object({
    functionName: z.string(),
    functionVersion: z.string(),
    handler: z.string(),
    accountId: z.optional(z.string()),
  }),
);

/** Validates the `{errorType, errorMessage}` body the API sends with a failure. */
export const apiErrorBodySchema = lazily(() =>
  z.object({
    errorType: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
  }),
);

/** Documented SHUTDOWN reasons, lower case. */
export const KNOWN_SHUTDOWN_REASONS: ReadonlySet<string> = new Set(['spindown', 'timeout', 'failure']);
