import * as z from 'zod/mini';

/**
 * The `record` of a `function` or `extension` record in JSON log format (schema `2022-12-13` and
 * later): the log line as an object. Lambda's runtimes write `timestamp`, `level`, `requestId` and
 * `message` (plus `errorType`, `errorMessage`, `stackTrace` for errors); a logger that writes its own
 * JSON lines (pino, Powertools) brings its own keys, so every field is optional and all are kept.
 * `level` may be a number (pino).
 *
 * @example
 * ```ts
 * const line = jsonLogLineSchema.parse({
 *   timestamp: '2024-01-01T00:00:01.010Z',
 *   level: 'INFO',
 *   requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
 *   message: 'hello',
 * });
 * ```
 */
export const jsonLogLineSchema = z.looseObject({
  timestamp: z.optional(z.string()),
  level: z.optional(z.union([z.string(), z.number()])),
  requestId: z.optional(z.string()),
  message: z.optional(z.unknown()),
  errorType: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  stackTrace: z.optional(z.array(z.string())),
});
/**
 * A log line in JSON log format.
 *
 * @example
 * ```ts
 * const level = (line: JsonLogLine) => line.level;
 * ```
 */
export type JsonLogLine = z.infer<typeof jsonLogLineSchema>;

/**
 * A `function` record: one line the function wrote. A **string** in text log format (with its
 * trailing newline; tabs and inner newlines kept) and in JSON log format under schema
 * `2022-07-01`; an **object** ({@link jsonLogLineSchema}) in JSON log format under `2022-12-13`
 * and later.
 *
 * @example
 * ```ts
 * functionRecordSchema.parse({
 *   time: '2024-01-01T00:00:01.010Z',
 *   type: 'function',
 *   record: '2024-01-01T00:00:01.010Z\t6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tINFO\thello\n',
 * });
 * ```
 */
export const functionRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('function'),
  record: z.union([z.string(), jsonLogLineSchema]),
});
/**
 * A `function` record.
 *
 * @example
 * ```ts
 * const text = (r: FunctionRecord) => (typeof r.record === 'string' ? r.record : JSON.stringify(r.record));
 * ```
 */
export type FunctionRecord = z.infer<typeof functionRecordSchema>;

/**
 * An `extension` record: one line an extension wrote, in the same two shapes as
 * {@link functionRecordSchema}. An extension subscribed to `extension` records receives its own
 * output: filter it, or a log line per received record becomes a loop.
 *
 * @example
 * ```ts
 * extensionRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.150Z',
 *   type: 'extension',
 *   record: 'data-taps: listening on 4243\n',
 * });
 * ```
 */
export const extensionRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('extension'),
  record: z.union([z.string(), jsonLogLineSchema]),
});
/**
 * An `extension` record.
 *
 * @example
 * ```ts
 * const isJson = (r: ExtensionRecord) => typeof r.record === 'object';
 * ```
 */
export type ExtensionRecord = z.infer<typeof extensionRecordSchema>;
