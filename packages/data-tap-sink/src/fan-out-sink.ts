import { DataTapSinkError } from './errors.js';
import type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';

/**
 * The result of a fan-out send: the combined result, plus each sink's own, in sink order.
 *
 * @example
 * ```ts
 * const result: FanOutSendResult = await fanOut.send({ lines }, { deadline });
 * result.results[1]?.error; // the second sink's error, if any
 * ```
 */
export interface FanOutSendResult extends SendResult {
  readonly results: readonly SendResult[];
}

/**
 * A {@link Sink} that sends to several sinks, whose `send()` tells each sink's result apart.
 *
 * @example
 * ```ts
 * const sink: FanOutSink = createFanOutSink([tapSink, fileSink]);
 * ```
 */
export interface FanOutSink extends Sink {
  send(batch: SendBatch, options: SendOptions): Promise<FanOutSendResult>;
}

/** Marks which lines of `lines` are in `unsent` (an in-order subsequence of `lines`). */
function markUnsent(lines: readonly string[], unsent: readonly string[], marks: boolean[]): void {
  let next = 0;
  for (let index = 0; index < lines.length && next < unsent.length; index++) {
    if (lines[index] === unsent[next]) {
      marks[index] = true;
      next += 1;
    }
  }
}

async function sendSafely(sink: Sink, batch: SendBatch, options: SendOptions): Promise<SendResult> {
  try {
    return await sink.send(batch, options);
  } catch (cause) {
    const error = new DataTapSinkError('a sink threw instead of returning a result', {
      cause,
      isRetryable: true,
    });
    return { delivered: 0, unsent: [...batch.lines], error, requests: 0, retries: 0 };
  }
}

/**
 * Creates a sink that sends every batch to all `sinks` at once (same deadline and signal). A line
 * is delivered when every sink delivered it; a line any sink did not deliver is returned unsent
 * (so the caller sends it again to all sinks: at-least-once, the per-record `id` lets the
 * destinations drop duplicates). `error` is the first error in sink order; `results` holds each
 * sink's own result. A sink that throws counts as one that sent nothing. `close()` closes them all.
 *
 * @example
 * ```ts
 * const sink = createFanOutSink([createDataTapSink({ url, token }), createFileSink({ path: '/tmp/copy.ndjson' })]);
 * const result = await sink.send({ lines }, { deadline: Date.now() + 2_000 });
 * ```
 */
export function createFanOutSink(sinks: readonly Sink[]): FanOutSink {
  if (sinks.length === 0) throw new DataTapSinkError('createFanOutSink: expected at least one sink');
  const targets = [...sinks];

  return {
    async send(batch: SendBatch, options: SendOptions): Promise<FanOutSendResult> {
      const results = await Promise.all(targets.map((sink) => sendSafely(sink, batch, options)));
      const marks = new Array<boolean>(batch.lines.length).fill(false);
      for (const result of results) markUnsent(batch.lines, result.unsent, marks);
      const unsent = batch.lines.filter((_, index) => marks[index]);
      const error = results.find((result) => result.error !== undefined)?.error;
      return {
        delivered: batch.lines.length - unsent.length,
        unsent,
        ...(error === undefined ? {} : { error }),
        requests: results.reduce((sum, result) => sum + result.requests, 0),
        retries: results.reduce((sum, result) => sum + result.retries, 0),
        results,
      };
    },
    async close(): Promise<void> {
      await Promise.all(targets.map((sink) => sink.close()));
    },
  };
}
