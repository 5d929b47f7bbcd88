import { checkDeadline } from './deadline.js';
import { DataTapSinkError } from './errors.js';
import type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';

/**
 * A sink that writes each batch as NDJSON text through one `write` call: the shared body of the
 * stdout and file sinks. A closed sink or a passed deadline writes nothing and returns every line
 * unsent; a failed write returns them unsent with a retryable error naming `failure`.
 *
 * @example
 * ```ts
 * const sink = createTextSink((text) => appendFile(path, text), `appending to ${path} failed`, Date.now);
 * ```
 */
export function createTextSink(
  write: (text: string) => Promise<void>,
  failure: string,
  now: () => number,
): Sink {
  let closed = false;
  return {
    async send(batch: SendBatch, sendOptions: SendOptions): Promise<SendResult> {
      const lines = batch.lines;
      if (lines.length === 0) return { delivered: 0, unsent: [], requests: 0, retries: 0 };
      const refusal = closed
        ? new DataTapSinkError('send() after close(): nothing was written')
        : checkDeadline(sendOptions, now());
      if (refusal) return { delivered: 0, unsent: [...lines], error: refusal, requests: 0, retries: 0 };
      try {
        await write(`${lines.join('\n')}\n`);
      } catch (cause) {
        const error = new DataTapSinkError(failure, { cause, isRetryable: true });
        return { delivered: 0, unsent: [...lines], error, requests: 0, retries: 0 };
      }
      return { delivered: lines.length, unsent: [], requests: 0, retries: 0 };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
