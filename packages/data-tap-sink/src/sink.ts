/**
 * What a sink is given: NDJSON lines (one JSON object text each, without the trailing newline), and
 * optionally the batch's id.
 *
 * `id` is for a caller that knows its records' identities (such as a digest of their record ids):
 * it must name these lines in this order and nothing else, so that a retry carries it again and
 * different lines never do. 1 to 128 visible ASCII characters (no spaces). Without it, a sink that
 * needs an id derives one from the content (the Data Tap sink: the SHA-256 of each body).
 *
 * @example
 * ```ts
 * const batch: SendBatch = { lines: ['{"id":"a1","msg":"hello"}'], id: 'a1' };
 * ```
 */
export interface SendBatch {
  readonly lines: readonly string[];
  readonly id?: string;
}

/**
 * How long a send may take: nothing waits past `deadline` (epoch ms on the sink's clock), and an
 * aborted `signal` stops it at once. Lines not confirmed by then come back in `unsent`.
 *
 * @example
 * ```ts
 * const options: SendOptions = { deadline: Date.now() + 1_500, signal: controller.signal };
 * ```
 */
export interface SendOptions {
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/**
 * The outcome of one `send()`. `send()` never throws for delivery problems: `delivered` lines were
 * confirmed; `unsent` lines were not, and may be sent later (in their original order; give them back
 * to the buffer); `rejected` lines never will be (the destination refuses them for good: a line
 * larger than a body may be, a one-line body answered 413, a body answered 400), so a caller must
 * not give them back: it drops them, counted. A line is in at most one of the three. `error` says
 * why the send was not complete: the error that stopped it when lines are `unsent`, else the first
 * rejection. `rejectedError` is the first rejection's error whenever `rejected` is not empty (the
 * same as `error` when nothing is unsent). `requests` counts HTTP requests made (0 for non-HTTP
 * sinks), `retries` those that repeated an earlier body.
 *
 * A sink written before `rejected` existed (no field) simply never rejects: `rejected` absent means
 * none.
 *
 * @example
 * ```ts
 * const result: SendResult = await sink.send({ lines }, { deadline });
 * if (result.unsent.length > 0) buffer.unshift(result.unsent);
 * if (result.rejected?.length) dropped += result.rejected.length; // never retried
 * ```
 */
export interface SendResult {
  readonly delivered: number;
  /** Lines not confirmed that may be sent again later ("retry later"), in order. */
  readonly unsent: readonly string[];
  /** Lines the destination will never take ("will never go"), in order; never also in `unsent`. */
  readonly rejected?: readonly string[];
  readonly error?: Error;
  /** Why the first of `rejected` was refused (`isRetryable: false`); set whenever `rejected` is not empty. */
  readonly rejectedError?: Error;
  readonly requests: number;
  readonly retries: number;
}

/**
 * The contract every destination implements: the Data Tap sink, the stdout, file and fan-out sinks,
 * and any custom sink. `send()` resolves (never rejects for delivery failures) by the deadline;
 * `close()` waits for sends in flight and makes later sends return everything unsent. A line that
 * can never be sent goes in `rejected`, not `unsent`: a caller retries `unsent` lines until they go.
 *
 * @example
 * ```ts
 * const consoleSink: Sink = {
 *   async send(batch) {
 *     for (const line of batch.lines) console.log(line);
 *     return { delivered: batch.lines.length, unsent: [], requests: 0, retries: 0 };
 *   },
 *   async close() {},
 * };
 * ```
 */
export interface Sink {
  send(batch: SendBatch, options: SendOptions): Promise<SendResult>;
  close(): Promise<void>;
}
