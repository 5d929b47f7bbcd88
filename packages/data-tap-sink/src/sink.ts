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
 * confirmed, `unsent` lines were not (in their original order; give them back to the buffer), and
 * `error` says why. `requests` counts HTTP requests made (0 for non-HTTP sinks), `retries` those
 * that repeated an earlier body.
 *
 * @example
 * ```ts
 * const result: SendResult = await sink.send({ lines }, { deadline });
 * if (result.unsent.length > 0) buffer.unshift(result.unsent);
 * ```
 */
export interface SendResult {
  readonly delivered: number;
  readonly unsent: readonly string[];
  readonly error?: Error;
  readonly requests: number;
  readonly retries: number;
}

/**
 * The contract every destination implements: the Data Tap sink, the stdout, file and fan-out sinks,
 * and any custom sink. `send()` resolves (never rejects for delivery failures) by the deadline;
 * `close()` waits for sends in flight and makes later sends return everything unsent.
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
