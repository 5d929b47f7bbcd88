import type { SendBatch, SendOptions, SendResult, Sink } from '../sink.js';

/**
 * One `send()` as a {@link MemorySink} saw it.
 *
 * @example
 * ```ts
 * const call: MemorySendCall = sink.calls[0];
 * ```
 */
export interface MemorySendCall {
  readonly lines: readonly string[];
  readonly deadline: number;
}

/**
 * A scripted answer for one `send()`: how many leading lines are delivered, how many of the next
 * ones are rejected for good (returned in `rejected`, default 0), the rest come back unsent; and the
 * error to report.
 *
 * @example
 * ```ts
 * const answer: MemorySinkAnswer = { deliver: 0, error: new Error('tap down') };
 * const refusal: MemorySinkAnswer = { deliver: 0, reject: 1, error: new Error('too large') };
 * ```
 */
export interface MemorySinkAnswer {
  readonly deliver: number;
  readonly reject?: number;
  readonly error?: Error;
}

/**
 * A {@link Sink} that keeps what it is sent, for tests of code that uses a sink.
 *
 * @example
 * ```ts
 * const sink: MemorySink = createMemorySink();
 * ```
 */
export interface MemorySink extends Sink {
  /** Every `send()` call, in order (rejected ones included). */
  readonly calls: readonly MemorySendCall[];
  /** Every line delivered, in order. */
  readonly lines: readonly string[];
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

/**
 * Creates an in-memory sink. By default it delivers everything; `answer(call, index)` scripts
 * partial deliveries, lines rejected for good and errors (for example, fail the first send, then
 * accept).
 *
 * @example
 * ```ts
 * import { createMemorySink } from '@data-taps/data-tap-sink/testing';
 *
 * const sink = createMemorySink({ answer: (_call, index) => (index === 0 ? { deliver: 0, error: new Error('down') } : undefined) });
 * await sink.send({ lines: ['{"id":1}'] }, { deadline: Date.now() + 1_000 }); // unsent: ['{"id":1}']
 * await sink.send({ lines: ['{"id":1}'] }, { deadline: Date.now() + 1_000 }); // delivered: 1
 * sink.lines; // ['{"id":1}']
 * ```
 */
export function createMemorySink(
  options: { answer?: (call: MemorySendCall, index: number) => MemorySinkAnswer | undefined } = {},
): MemorySink {
  const calls: MemorySendCall[] = [];
  const delivered: string[] = [];
  let closed = false;

  return {
    get calls() {
      return calls;
    },
    get lines() {
      return delivered;
    },
    get closed() {
      return closed;
    },
    async send(batch: SendBatch, sendOptions: SendOptions): Promise<SendResult> {
      const call: MemorySendCall = { lines: [...batch.lines], deadline: sendOptions.deadline };
      calls.push(call);
      const answer = options.answer?.(call, calls.length - 1);
      const count = Math.max(0, Math.min(answer?.deliver ?? batch.lines.length, batch.lines.length));
      const end = Math.min(count + Math.max(0, answer?.reject ?? 0), batch.lines.length);
      delivered.push(...batch.lines.slice(0, count));
      const rejected = batch.lines.slice(count, end);
      const error = answer?.error;
      return {
        delivered: count,
        unsent: batch.lines.slice(end),
        ...(rejected.length === 0
          ? {}
          : { rejected, rejectedError: error ?? new Error('rejected (scripted)') }),
        ...(error === undefined ? {} : { error }),
        requests: 0,
        retries: 0,
      };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
