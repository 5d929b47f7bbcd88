import * as z from 'zod/mini';
import { parseOptions } from './options.js';
import type { Sink } from './sink.js';
import { createTextSink } from './text-sink.js';

/**
 * The options of {@link createStdoutSink}.
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `stream` | `'stdout' \| 'stderr'` | `'stdout'` | where the lines go |
 *
 * @example
 * ```ts
 * stdoutSinkOptionsSchema.parse({}); // { stream: 'stdout' }
 * ```
 */
export const stdoutSinkOptionsSchema = z.strictObject({
  stream: z._default(z.enum(['stdout', 'stderr']), 'stdout'),
});

/**
 * Options accepted by {@link createStdoutSink}.
 *
 * @example
 * ```ts
 * const options: StdoutSinkOptionsInput = { stream: 'stderr' };
 * ```
 */
export type StdoutSinkOptionsInput = z.input<typeof stdoutSinkOptionsSchema>;

/**
 * What {@link createStdoutSink} takes besides its options.
 *
 * @example
 * ```ts
 * const written: string[] = [];
 * const deps: StdoutSinkDeps = { write: async (text) => void written.push(text) };
 * ```
 */
export interface StdoutSinkDeps {
  /** Writes a chunk of text. Default: `process.stdout` (or `stderr`), waiting for the write's callback. */
  write?: (text: string) => Promise<void>;
  now?: () => number;
}

function writeTo(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Creates a sink that writes each batch as NDJSON (one line per record) to stdout or stderr, for
 * local debugging. Inside a Lambda extension subscribed to `extension` logs, stdout lines come back
 * as telemetry: do not use it there without filtering.
 *
 * @example
 * ```ts
 * const sink = createStdoutSink();
 * await sink.send({ lines: ['{"id":"r1"}'] }, { deadline: Date.now() + 1_000 });
 * ```
 */
export function createStdoutSink(options: StdoutSinkOptionsInput = {}, deps: StdoutSinkDeps = {}): Sink {
  const config = parseOptions(stdoutSinkOptionsSchema, options, 'createStdoutSink');
  const now = deps.now ?? Date.now;
  const write = deps.write ?? ((text: string) => writeTo(process[config.stream], text));
  return createTextSink(write, `writing to ${config.stream} failed`, now);
}
