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

/** Marks which lines of `lines` are in `subset` (an in-order subsequence of `lines`) with `mark`, over weaker marks. */
function markLines(lines: readonly string[], subset: readonly string[], marks: Mark[], mark: Mark): void {
  let next = 0;
  for (let index = 0; index < lines.length && next < subset.length; index++) {
    if (lines[index] === subset[next]) {
      if ((marks[index] as Mark) < mark) marks[index] = mark;
      next += 1;
    }
  }
}

/** What became of a line across the sinks, weakest first: delivered everywhere, rejected by one, unsent by one. */
const DELIVERED = 0;
const REJECTED = 1;
const UNSENT = 2;
type Mark = typeof DELIVERED | typeof REJECTED | typeof UNSENT;

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
 * destinations drop duplicates). A line some sink rejected for good (its `rejected`) and no sink
 * left unsent is returned in `rejected`: sending it again would not bring it to that sink, and the
 * others have it (or rejected it too), so the caller drops it and counts it as missing from at least
 * one destination. A line one sink rejected and another left unsent is unsent (sent again to all;
 * the rejecting sink rejects it again). `error` is the first error in sink order; `rejectedError`
 * the first sink's rejection (its `rejectedError`, else its `error`); `results` holds each sink's own
 * result. A sink that throws counts as one that sent nothing. `close()` closes them all.
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
      const marks = new Array<Mark>(batch.lines.length).fill(DELIVERED);
      for (const result of results) {
        markLines(batch.lines, result.unsent, marks, UNSENT);
        markLines(batch.lines, result.rejected ?? [], marks, REJECTED);
      }
      const unsent = batch.lines.filter((_, index) => marks[index] === UNSENT);
      const rejected = batch.lines.filter((_, index) => marks[index] === REJECTED);
      const error = results.find((result) => result.error !== undefined)?.error;
      const rejecting = results.find((result) => (result.rejected?.length ?? 0) > 0);
      const rejectedError = rejecting?.rejectedError ?? rejecting?.error;
      return {
        delivered: batch.lines.length - unsent.length - rejected.length,
        unsent,
        ...(rejected.length > 0
          ? {
              rejected,
              rejectedError:
                rejectedError ?? new DataTapSinkError('a sink rejected lines without saying why'),
            }
          : {}),
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
