import { appendFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { checkDeadline } from './deadline.js';
import { DataTapSinkError } from './errors.js';
import { parseOptions } from './options.js';
import type { SendBatch, SendOptions, SendResult, Sink } from './sink.js';

/**
 * The options of {@link createFileSink}.
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `path` | `string` | required | the NDJSON file lines are appended to (created if missing) |
 *
 * @example
 * ```ts
 * fileSinkOptionsSchema.parse({ path: '/tmp/telemetry.ndjson' });
 * ```
 */
export const fileSinkOptionsSchema = z.strictObject({
  path: z.string().check(z.minLength(1, 'expected a file path')),
});

/**
 * Options accepted by {@link createFileSink}.
 *
 * @example
 * ```ts
 * const options: FileSinkOptionsInput = { path: '/tmp/telemetry.ndjson' };
 * ```
 */
export type FileSinkOptionsInput = z.input<typeof fileSinkOptionsSchema>;

/**
 * What {@link createFileSink} takes besides its options.
 *
 * @example
 * ```ts
 * const deps: FileSinkDeps = { now: () => 0 };
 * ```
 */
export interface FileSinkDeps {
  /** Appends text to a file. Default: `fs.promises.appendFile`. */
  appendFile?: (path: string, text: string) => Promise<void>;
  now?: () => number;
}

/**
 * Creates a sink that appends each batch as NDJSON to a file, for local debugging and tests. One
 * append per batch, so a batch is written whole or (on error) returned unsent. The deadline is
 * checked before writing; a write in progress is not interrupted.
 *
 * @example
 * ```ts
 * const sink = createFileSink({ path: '/tmp/telemetry.ndjson' });
 * await sink.send({ lines: ['{"id":"r1"}'] }, { deadline: Date.now() + 1_000 });
 * ```
 */
export function createFileSink(options: FileSinkOptionsInput, deps: FileSinkDeps = {}): Sink {
  const config = parseOptions(fileSinkOptionsSchema, options, 'createFileSink');
  const now = deps.now ?? Date.now;
  const append = deps.appendFile ?? ((path: string, text: string) => appendFile(path, text, 'utf8'));
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
        await append(config.path, `${lines.join('\n')}\n`);
      } catch (cause) {
        const error = new DataTapSinkError(`appending to ${config.path} failed`, {
          cause,
          isRetryable: true,
        });
        return { delivered: 0, unsent: [...lines], error, requests: 0, retries: 0 };
      }
      return { delivered: lines.length, unsent: [], requests: 0, retries: 0 };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
