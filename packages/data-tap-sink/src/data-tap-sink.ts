import type { Buffer } from 'node:buffer';
import { gzip as gzipCallback } from 'node:zlib';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import { createBatchEncoder, type EncodedBatch } from './batch-encoder.js';
import { type BodyPlanItem, batchIdOf, bodyIdOf, isValidBatchId, planBodies } from './body.js';
import { type BreakerState, type CircuitBreaker, createCircuitBreaker } from './circuit-breaker.js';
import {
  CircuitOpenError,
  DataTapAuthError,
  DataTapHttpError,
  DataTapNetworkError,
  DeadlineExceededError,
  failureKind,
  LineTooLargeError,
  SinkClosedError,
} from './errors.js';
import { THAW_GRACE_MS } from './freeze.js';
import { describeExpiry, formatDuration, tryReadTokenExpiry } from './jwt.js';
import { type Logger, noopLogger } from './logger.js';
import { type DataTapSinkOptionsInput, dataTapSinkOptionsSchema, parseOptions } from './options.js';
import { createRedactor } from './redact.js';
import { judgeAnswer, MAX_READ_BYTES, readBodyText } from './response.js';
import type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';
import { isTokenProvider, type TokenProvider } from './token.js';
import { describeUrl } from './url.js';

/**
 * What {@link createDataTapSink} takes besides its options; every one is optional. `fetch`,
 * `setTimeout` and `clearTimeout` are looked up on `globalThis` at call time when not given, so
 * nock and fake timers see them.
 *
 * @example
 * ```ts
 * let clock = 0;
 * const deps: DataTapSinkDeps = { now: () => clock, sleep: async (ms) => { clock += ms; }, random: () => 0.5 };
 * ```
 */
export interface DataTapSinkDeps {
  fetch?: typeof globalThis.fetch;
  /** The clock the deadline is measured on (epoch ms). */
  now?: () => number;
  /** Waits `ms` (resolving early when `signal` aborts). Default: a timer from `setTimeout`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) for the backoff jitter. */
  random?: () => number;
  logger?: Logger;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * Counters of a Data Tap sink since it was created. They never hold the token.
 *
 * @example
 * ```ts
 * const { requests, retries, breakerState } = sink.stats();
 * ```
 */
export interface SinkStats {
  /** `send()` calls. */
  sends: number;
  /** HTTP requests made. */
  requests: number;
  /** Requests that repeated a body after a retryable failure. */
  retries: number;
  /** Lines the tap confirmed. */
  deliveredLines: number;
  /** Body bytes the tap confirmed (as sent: compressed when gzip is on). */
  deliveredBytes: number;
  /** Uncompressed bytes the tap confirmed. */
  deliveredRawBytes: number;
  /** Lines returned unsent (to be sent again later). */
  unsentLines: number;
  /**
   * Lines returned in `rejected`: ones the tap will never take (a line larger than `maxBodyBytes`
   * with `oversizeLines: 'return'`, a one-line body answered 413, a body answered 400).
   */
  rejectedLines: number;
  /** Lines dropped because they can never fit (`oversizeLines: 'drop'`): in neither `unsent` nor `rejected`. */
  droppedLines: number;
  /** Bodies split in two after a 413. */
  splits: number;
  /** Requests that hit the per-request timeout. */
  timeouts: number;
  /** Requests that failed without an answer (timeouts included). */
  networkErrors: number;
  /** Answers that were not a success. */
  httpErrors: number;
  /** Token refusals and token provider failures. */
  tokenFailures: number;
  breakerState: BreakerState;
  /** How many times the breaker opened. */
  breakerOpens: number;
  /** The last HTTP status received. */
  lastStatus: number | undefined;
  /** The last error (name and redacted message). */
  lastError: { name: string; message: string } | undefined;
}

/**
 * A {@link Sink} that POSTs NDJSON to a Data Tap, plus its counters.
 *
 * @example
 * ```ts
 * const sink: DataTapSink = createDataTapSink({ url, token });
 * console.log(sink.stats().deliveredLines);
 * ```
 */
export interface DataTapSink extends Sink {
  stats(): SinkStats;
  /**
   * The same sink for a last drain (such as SHUTDOWN, the last chance before the environment
   * goes): its sends try the tap whatever the circuit breaker says. It shares everything else with
   * this sink: the counters, the token the tap refused (not sent again), the in-flight sends and
   * `close()`.
   */
  withoutBreaker(): DataTapSink;
}

/** What happened to one body. */
type BodyOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'split' }
  /** This body is not sent, the following ones may be. */
  | { readonly kind: 'skip'; readonly error: Error }
  /** This body and every following one are not sent. */
  | { readonly kind: 'stop'; readonly error: Error };

/** gzip as a promise (zlib is touched only when a body is compressed: bundles can load it lazily). */
const gzipAsync = (body: Buffer, options: { level: number }): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    gzipCallback(body, options, (error, result) => (error ? reject(error) : resolve(result)));
  });

/** A token the tap refused is not sent again for this long, unless the provider gives another one. */
export const REFUSED_TOKEN_PROBE_MS = 60_000;

export { THAW_GRACE_MS } from './freeze.js';

/** What the refusal log line says to do when the provider does not say (a fixed token). */
const DEFAULT_REMEDY =
  'Give the sink a fresh tap client token (they live at most 24 h), or a token provider that renews it.';

/**
 * Creates a sink that POSTs batches of NDJSON lines to a Data Tap: bodies of at most
 * `maxBodyBytes` (lines joined with `\n` plus a final `\n`), headers `Content-Type:
 * application/x-ndjson`, `x-bd-authorization` and a content-derived batch id, keep-alive
 * connections (Node's global fetch), optional gzip. Retries network errors, timeouts, 408, 429 and
 * 5xx with exponential backoff and full jitter (or the tap's `Retry-After`); splits a body in two
 * after a 413; never retries 400, 401 or 403; never waits past the caller's deadline; a circuit
 * breaker returns everything unsent at once while the tap keeps failing. `send()` never rejects:
 * lines not confirmed come back in `unsent` (to be sent again later), in order, with a typed
 * `error`; lines the tap will never take (a line larger than `maxBodyBytes`, a one-line body
 * answered 413, a body answered 400) come back in `rejected` instead, with `rejectedError`, so that
 * the caller drops them (counted) rather than retrying them for ever.
 *
 * @example
 * ```ts
 * const sink = createDataTapSink({ url: 'https://<id>.lambda-url.eu-west-1.on.aws/', token }, { logger });
 * const result = await sink.send({ lines: ['{"id":"r1","msg":"hi"}'] }, { deadline: Date.now() + 2_000 });
 * if (result.unsent.length > 0) keepForLater(result.unsent);
 * if (result.rejected) countAsDropped(result.rejected.length, result.rejectedError);
 * await sink.close();
 * ```
 */
export function createDataTapSink(options: DataTapSinkOptionsInput, deps: DataTapSinkDeps = {}): DataTapSink {
  const config = parseOptions(dataTapSinkOptionsSchema, options, 'createDataTapSink');
  const logger = deps.logger ?? noopLogger;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const startTimer = (callback: () => void, ms: number): unknown =>
    (deps.setTimeout ?? globalThis.setTimeout)(callback, ms);
  const stopTimer = (handle: unknown): void =>
    (deps.clearTimeout ?? (globalThis.clearTimeout as (handle: unknown) => void))(handle);
  const sleep =
    deps.sleep ??
    ((ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        const handle = startTimer(done, ms);
        function done(): void {
          stopTimer(handle);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      }));

  const provider: TokenProvider = isTokenProvider(config.token)
    ? config.token
    : {
        getToken: (
          (token: string) => async () =>
            token
        )(config.token),
      };
  const redactor = createRedactor();
  if (typeof config.token === 'string') redactor.add(config.token);
  const tapBreaker = createCircuitBreaker(config.breaker, now);
  const noBreaker = createCircuitBreaker({ ...config.breaker, enabled: false }, now);
  const target = describeUrl(config.url);
  const inFlight = new Set<Promise<SendResult>>();
  // Batches are encoded into one buffer reused from send to send (see batch-encoder.ts).
  const encoder = createBatchEncoder(config.maxBodyBytes);
  let closed = false;

  const counters = {
    sends: 0,
    requests: 0,
    retries: 0,
    deliveredLines: 0,
    deliveredBytes: 0,
    deliveredRawBytes: 0,
    unsentLines: 0,
    rejectedLines: 0,
    droppedLines: 0,
    splits: 0,
    timeouts: 0,
    networkErrors: 0,
    httpErrors: 0,
    tokenFailures: 0,
    lastStatus: undefined as number | undefined,
    lastError: undefined as { name: string; message: string } | undefined,
  };

  const noteError = (error: Error): void => {
    counters.lastError = { name: error.name, message: error.message };
  };

  /** The token the tap refused last, while the provider has no other one. */
  let refused: { token: string; statusCode: number; at: number } | undefined;
  /** A caller's bad batch ids are said once; the content-derived id is used instead. */
  let warnedBadBatchId = false;
  /**
   * The kind of failure ({@link failureKind}) that left the last send's lines unsent: a send that
   * fails the same way is logged at debug, so a tap that stays down (or a token that stays refused,
   * already told by its own error line) does not bring a warning per send.
   */
  let unsentKind: string | undefined;
  /**
   * The kinds of refusal ({@link failureKind}) already logged at error: a line or body the tap will
   * never take is said once per kind, the next ones at debug (a function that logs many oversize
   * lines does not bring an error line each; `stats().rejectedLines` counts them all).
   */
  const rejectionKinds = new Set<string>();
  const logRejection = (message: string, error: Error, fields: Record<string, unknown>): void => {
    const kind = failureKind(error);
    if (rejectionKinds.has(kind)) logger.debug(message, fields);
    else {
      rejectionKinds.add(kind);
      logger.error(message, fields);
    }
  };

  /** The one log line of a refusal: status, the token's expiry, that nothing is lost, what to do. */
  const logRefusal = (token: string, statusCode: number, batchId: string): void => {
    const at = now();
    const expiry = tryReadTokenExpiry(token, at);
    const why =
      expiry !== undefined && expiry.expiresAt > at
        ? ' (not expired: a token for another tap or account, or revoked?)'
        : '';
    logger.error(
      `Data Tap refused the token with status ${statusCode}: the token ${describeExpiry(expiry, at)}${why}. ` +
        `Records are kept and sent once a new token arrives. ${provider.remedy ?? DEFAULT_REMEDY}`,
      {
        status: statusCode,
        batchId,
        ...(provider.source === undefined ? {} : { source: provider.source }),
        expiresAt: expiry === undefined ? undefined : new Date(expiry.expiresAt).toISOString(),
      },
    );
  };

  /**
   * Resolves the token, or fails within `ms`: never waits past the deadline, nor once the caller's
   * signal aborted (a renewing provider may wait for a fresh token when the one it holds expired).
   */
  const getToken = (ms: number, signal: AbortSignal | undefined): Promise<string | 'timeout' | 'aborted'> =>
    new Promise((resolve, reject) => {
      const onAbort = (): void => {
        stopTimer(handle);
        resolve('aborted');
      };
      const done = (): void => {
        stopTimer(handle);
        signal?.removeEventListener('abort', onAbort);
      };
      const handle = startTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve('timeout');
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => provider.getToken())
        .then(
          (token) => {
            done();
            resolve(token);
          },
          (error: unknown) => {
            done();
            reject(error);
          },
        );
    });

  async function sendBody(
    raw: Buffer,
    item: BodyPlanItem,
    sendOptions: SendOptions,
    tally: { requests: number; retries: number },
    breaker: CircuitBreaker,
    givenId: string | undefined,
  ): Promise<BodyOutcome> {
    const batchId = givenId ?? batchIdOf(raw);
    const payload: Buffer = config.gzip ? await gzipAsync(raw, { level: config.gzipLevel }) : raw;
    const lineCount = item.end - item.start;
    let lastError: Error | undefined;

    for (let attempt = 0; ; attempt++) {
      const stopForDeadline = (aborted: boolean): BodyOutcome => ({
        kind: 'stop',
        error: new DeadlineExceededError(
          aborted
            ? `send aborted by the caller's signal with ${lineCount} line(s) of batch ${batchId} unconfirmed`
            : `deadline reached with ${lineCount} line(s) of batch ${batchId} unconfirmed`,
          { aborted, cause: lastError },
        ),
      });
      if (sendOptions.signal?.aborted) return stopForDeadline(true);
      const remaining = sendOptions.deadline - now();
      if (remaining <= 0) return stopForDeadline(false);
      const gate = breaker.acquire();
      if (!gate.allowed) {
        return {
          kind: 'stop',
          error: new CircuitOpenError(
            `circuit breaker open after repeated failures of ${target}; next probe at ${new Date(gate.retryAt).toISOString()}`,
            { retryAt: gate.retryAt, cause: lastError },
          ),
        };
      }

      let token: string | 'timeout' | 'aborted';
      try {
        token = await getToken(remaining, sendOptions.signal);
      } catch (cause) {
        breaker.release();
        counters.tokenFailures += 1;
        const error = new DataTapAuthError('the token provider failed to give a token', {
          cause: redactor.scrub(cause),
        });
        noteError(error);
        return { kind: 'stop', error };
      }
      if (token === 'timeout' || token === 'aborted') {
        breaker.release();
        return stopForDeadline(token === 'aborted');
      }
      redactor.add(token);
      if (refused !== undefined && token === refused.token && now() - refused.at < REFUSED_TOKEN_PROBE_MS) {
        breaker.release();
        counters.tokenFailures += 1;
        provider.invalidate?.();
        const error = new DataTapAuthError(
          `the tap refused this token with status ${refused.statusCode} ${formatDuration(now() - refused.at)} ago: not sent again until a new token arrives (or ${REFUSED_TOKEN_PROBE_MS / 1000} s have passed)`,
          { statusCode: refused.statusCode },
        );
        noteError(error);
        logger.debug('token refused earlier: waiting for a new one', { batchId });
        return { kind: 'stop', error };
      }

      const requestMs = Math.min(config.requestTimeoutMs, remaining);
      const boundByDeadline = requestMs < config.requestTimeoutMs;
      const controller = new AbortController();
      let timedOut = false;
      // A request whose answer came while the environment was frozen: at the thaw its timer fires
      // first (timers run before the loop reads sockets), and the answer would be taken for a
      // timeout, the batch sent again. The timer gives the loop one more turn to read it.
      let timer = startTimer(() => {
        timer = startTimer(() => {
          timedOut = true;
          controller.abort();
        }, THAW_GRACE_MS);
      }, requestMs);
      const onCallerAbort = (): void => controller.abort();
      sendOptions.signal?.addEventListener('abort', onCallerAbort, { once: true });

      tally.requests += 1;
      counters.requests += 1;
      if (attempt > 0) {
        tally.retries += 1;
        counters.retries += 1;
      }
      const headers: Record<string, string> = {
        'content-type': 'application/x-ndjson',
        'x-bd-authorization': token,
        [config.batchIdHeader]: batchId,
      };
      if (config.gzip) headers['content-encoding'] = 'gzip';

      let httpStatus: number;
      let contentType: string;
      let retryAfterHeader: string | null;
      let text: string;
      try {
        const response = await (deps.fetch ?? globalThis.fetch)(config.url, {
          method: 'POST',
          headers,
          body: payload,
          redirect: 'manual',
          signal: controller.signal,
        });
        httpStatus = response.status;
        contentType = response.headers.get('content-type') ?? '';
        retryAfterHeader = response.headers.get('retry-after');
        text = await readBodyText(response, MAX_READ_BYTES);
      } catch (cause) {
        if (sendOptions.signal?.aborted) {
          breaker.release();
          return stopForDeadline(true);
        }
        counters.networkErrors += 1;
        if (timedOut) counters.timeouts += 1;
        const error = new DataTapNetworkError(
          timedOut
            ? `no answer from ${target} within ${requestMs} ms (batch ${batchId})`
            : `request to ${target} failed (batch ${batchId}): ${redactor.truncate(describeCause(cause), 300)}`,
          { timedOut, cause: timedOut ? undefined : redactor.scrub(cause) },
        );
        noteError(error);
        if (timedOut && boundByDeadline) {
          breaker.release();
          lastError = error;
          return stopForDeadline(false);
        }
        const next = await afterRetryable(error, undefined, attempt, sendOptions, breaker);
        if (next !== undefined) return next;
        lastError = error;
        continue;
      } finally {
        stopTimer(timer);
        sendOptions.signal?.removeEventListener('abort', onCallerAbort);
      }

      counters.lastStatus = httpStatus;
      const verdict = judgeAnswer(httpStatus, contentType, text);
      if (verdict.kind === 'accepted') {
        breaker.success();
        if (refused?.token === token) refused = undefined;
        counters.deliveredLines += lineCount;
        counters.deliveredBytes += payload.byteLength;
        counters.deliveredRawBytes += raw.byteLength;
        logger.debug('data tap accepted a batch', {
          batchId,
          lines: lineCount,
          bytes: payload.byteLength,
          status: httpStatus,
          attempt,
        });
        return { kind: 'delivered' };
      }

      counters.httpErrors += 1;
      const body = redactor.truncate(text, config.maxErrorBodyChars);
      if (verdict.kind === 'auth') {
        breaker.success();
        counters.tokenFailures += 1;
        const firstRefusal = refused?.token !== token;
        refused = { token, statusCode: verdict.statusCode, at: now() };
        provider.invalidate?.();
        const error = new DataTapAuthError(
          `${target} refused the token with status ${verdict.statusCode} (batch ${batchId}); not retried`,
          { statusCode: verdict.statusCode, body },
        );
        noteError(error);
        if (firstRefusal) {
          logRefusal(token, verdict.statusCode, batchId);
          unsentKind = failureKind(error);
        } else logger.debug('data tap refused the token again', { status: verdict.statusCode, batchId });
        return { kind: 'stop', error };
      }
      if (verdict.kind === 'too-large') {
        breaker.success();
        if (lineCount > 1) {
          counters.splits += 1;
          logger.warn('data tap answered 413: splitting the body', {
            batchId,
            lines: lineCount,
            bytes: raw.byteLength,
          });
          return { kind: 'split' };
        }
        const error = new LineTooLargeError(
          `${target} answered 413 to a body holding one line of ${raw.byteLength} bytes (batch ${batchId})`,
          {
            lineBytes: raw.byteLength,
            maxBodyBytes: config.maxBodyBytes,
            cause: new DataTapHttpError(`status ${verdict.statusCode}`, {
              statusCode: verdict.statusCode,
              httpStatus,
              body,
              isRetryable: false,
            }),
          },
        );
        noteError(error);
        logRejection('data tap answered 413 to a body of one line: it cannot be sent', error, {
          batchId,
          bytes: raw.byteLength,
        });
        return { kind: 'skip', error };
      }
      const retryAfterMs = parseRetryAfter(retryAfterHeader, now());
      const describe = verdict.kind === 'retry' ? '' : ` (${verdict.reason})`;
      const error = new DataTapHttpError(
        `${target} answered status ${verdict.statusCode}${describe} to batch ${batchId}${body === '' ? '' : `: ${body}`}`,
        {
          statusCode: verdict.statusCode,
          httpStatus,
          body,
          isRetryable: verdict.kind === 'retry',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
      );
      noteError(error);
      if (verdict.kind === 'rejected') {
        breaker.success();
        logRejection('data tap rejected a body for good', error, {
          status: verdict.statusCode,
          batchId,
          lines: lineCount,
        });
        return { kind: 'skip', error };
      }
      if (verdict.kind === 'broken') {
        breaker.failure();
        logger.error('data tap URL does not answer like a tap', { status: verdict.statusCode, batchId });
        return { kind: 'stop', error };
      }
      const next = await afterRetryable(error, retryAfterMs, attempt, sendOptions, breaker);
      if (next !== undefined) return next;
      lastError = error;
    }
  }

  /** After a retryable failure: a final outcome, or `undefined` once the wait before the next try is over. */
  async function afterRetryable(
    error: Error,
    retryAfterMs: number | undefined,
    attempt: number,
    sendOptions: SendOptions,
    breaker: CircuitBreaker,
  ): Promise<BodyOutcome | undefined> {
    if (breaker.failure()) {
      logger.warn('circuit breaker opened', { target, cooldownMs: config.breaker.cooldownMs });
      return {
        kind: 'stop',
        error: new CircuitOpenError(
          `circuit breaker opened after repeated failures of ${target}: ${error.message}`,
          { retryAt: now() + config.breaker.cooldownMs, cause: error },
        ),
      };
    }
    if (attempt >= config.maxRetries) return { kind: 'stop', error };
    const delay = retryAfterMs ?? backoffDelay(attempt + 1, config.backoff, random);
    if (delay > config.backoff.maxRetryAfterMs) return { kind: 'stop', error };
    if (now() + delay >= sendOptions.deadline) {
      return {
        kind: 'stop',
        error: new DeadlineExceededError(`deadline too close to wait ${delay} ms before retrying`, {
          aborted: false,
          cause: error,
        }),
      };
    }
    logger.warn('retrying a batch', { attempt: attempt + 1, delayMs: delay, error: error.message });
    await sleep(delay, sendOptions.signal);
    return undefined;
  }

  async function run(
    lines: readonly string[],
    encoded: EncodedBatch,
    sendOptions: SendOptions,
    breaker: CircuitBreaker,
    batchId: string | undefined,
  ): Promise<SendResult> {
    const tally = { requests: 0, retries: 0 };
    const sizes = encoded.sizes;
    const queue: BodyPlanItem[] = planBodies(sizes, config.maxBodyBytes);
    // "Retry later" and "will never go" are kept apart: a caller gives back only the first.
    const unsent: BodyPlanItem[] = [];
    const rejected: BodyPlanItem[] = [];
    let delivered = 0;
    let rejectedError: Error | undefined;
    let stopError: Error | undefined;

    while (queue.length > 0) {
      const item = queue.shift() as BodyPlanItem;
      if (item.kind === 'oversize') {
        const drop = config.oversizeLines === 'drop';
        const error = new LineTooLargeError(
          `line ${item.start} is ${item.bytes} bytes, more than maxBodyBytes (${config.maxBodyBytes}): it cannot be sent` +
            (drop ? ' and was dropped' : ''),
          { lineBytes: item.bytes, maxBodyBytes: config.maxBodyBytes },
        );
        noteError(error);
        logRejection('line too large for the tap', error, {
          bytes: item.bytes,
          maxBodyBytes: config.maxBodyBytes,
        });
        rejectedError ??= error;
        if (drop) counters.droppedLines += 1;
        else rejected.push(item);
        continue;
      }
      const outcome = await sendBody(
        encoded.body(item.start, item.end),
        item,
        sendOptions,
        tally,
        breaker,
        batchId === undefined ? undefined : bodyIdOf(batchId, item.start, item.end, lines.length),
      );
      if (outcome.kind === 'delivered') {
        delivered += item.end - item.start;
      } else if (outcome.kind === 'split') {
        const middle = item.start + Math.ceil((item.end - item.start) / 2);
        queue.unshift(
          { kind: 'body', start: item.start, end: middle, bytes: sumOf(sizes, item.start, middle) },
          { kind: 'body', start: middle, end: item.end, bytes: sumOf(sizes, middle, item.end) },
        );
      } else if (outcome.kind === 'skip') {
        rejectedError ??= outcome.error;
        rejected.push(item);
      } else {
        stopError = outcome.error;
        noteError(outcome.error);
        unsent.push(item, ...queue.splice(0));
      }
    }

    // What the stop left is sent again later (an oversize line among it is rejected once it is
    // reached, or dropped now with oversizeLines: 'drop', as it would be then).
    const unsentLines: string[] = [];
    for (const item of unsent) {
      if (item.kind === 'oversize' && config.oversizeLines === 'drop') counters.droppedLines += 1;
      else for (let index = item.start; index < item.end; index++) unsentLines.push(lines[index] as string);
    }
    const rejectedLines: string[] = [];
    for (const item of rejected)
      for (let index = item.start; index < item.end; index++) rejectedLines.push(lines[index] as string);
    counters.unsentLines += unsentLines.length;
    counters.rejectedLines += rejectedLines.length;
    const error = stopError ?? rejectedError;
    if (unsentLines.length > 0) {
      const kind = error === undefined ? undefined : failureKind(error);
      const fields = {
        delivered,
        unsent: unsentLines.length,
        rejected: rejectedLines.length,
        error: error?.message,
      };
      if (kind !== unsentKind) logger.warn('batch not fully delivered', fields);
      else logger.debug('batch not fully delivered', fields);
      unsentKind = kind;
    } else unsentKind = undefined;
    return {
      delivered,
      unsent: unsentLines,
      ...(error === undefined ? {} : { error }),
      ...(rejectedLines.length > 0 ? { rejected: rejectedLines, rejectedError: rejectedError as Error } : {}),
      requests: tally.requests,
      retries: tally.retries,
    };
  }

  async function send(
    batch: SendBatch,
    sendOptions: SendOptions,
    breaker: CircuitBreaker,
  ): Promise<SendResult> {
    counters.sends += 1;
    const lines = batch.lines;
    if (closed) {
      counters.unsentLines += lines.length;
      return {
        delivered: 0,
        unsent: [...lines],
        error: new SinkClosedError('send() after close(): nothing was sent'),
        requests: 0,
        retries: 0,
      };
    }
    if (lines.length === 0) return { delivered: 0, unsent: [], requests: 0, retries: 0 };
    let batchId: string | undefined;
    if (batch.id !== undefined) {
      if (isValidBatchId(batch.id)) batchId = batch.id;
      else if (!warnedBadBatchId) {
        warnedBadBatchId = true;
        logger.warn(
          'batch id ignored: it must be 1 to 128 visible ASCII characters; ids come from the content',
          {
            length: String(batch.id).length,
          },
        );
      }
    }
    const encoded = encoder.encode(lines);
    const task = run(lines, encoded, sendOptions, breaker, batchId);
    inFlight.add(task);
    try {
      return await task;
    } finally {
      inFlight.delete(task);
      encoder.release(encoded);
    }
  }

  const view = (breaker: CircuitBreaker): DataTapSink => ({
    send: (batch, sendOptions) => send(batch, sendOptions, breaker),
    async close(): Promise<void> {
      closed = true;
      await Promise.allSettled([...inFlight]);
      encoder.clear();
    },
    stats(): SinkStats {
      return { ...counters, breakerState: tapBreaker.state(), breakerOpens: tapBreaker.opens() };
    },
    withoutBreaker: () => view(noBreaker),
  });
  return view(tapBreaker);
}

function sumOf(sizes: readonly number[], start: number, end: number): number {
  let total = 0;
  for (let index = start; index < end; index++) total += sizes[index] as number;
  return total;
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
