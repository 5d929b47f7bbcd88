import { appendFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { parseOptions } from './options.js';
import type { Sink } from './sink.js';
import { createTextSink } from './text-sink.js';

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
  return createTextSink((text) => append(config.path, text), `appending to ${config.path} failed`, now);
}
