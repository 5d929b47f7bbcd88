import * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { TelemetryBufferOptionsError } from './errors.js';

const int = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/**
 * The options of {@link createTelemetryBuffer}, with their defaults and accepted ranges.
 *
 * @example
 * ```ts
 * const options = telemetryBufferOptionsSchema.parse({ maxItems: 500 });
 * options.maxBytes; // 1048576
 * ```
 */
export const telemetryBufferOptionsSchema = z
  .strictObject({
    /** A batch is cut when this many records are buffered; no batch holds more. */
    maxItems: z._default(int(1, 1_000_000), 1_000),
    /** A batch is cut when this many bytes (lines plus newlines) are buffered; no batch holds more. */
    maxBytes: z._default(int(1, 1_073_741_824), 1_048_576),
    /** A batch is cut when its oldest record is this old (ms). */
    maxAgeMs: z._default(int(0, 3_600_000), 1_000),
    /**
     * The memory bound: records held in memory (queued and in flight), and what they cost in V8's
     * heap (`maxBytes`; see `stats().memoryBytes`: an ASCII line of n bytes costs about n + 56).
     */
    capacity: z.prefault(
      z.strictObject({
        maxRecords: z._default(int(1, 100_000_000), 50_000),
        maxBytes: z._default(int(1, 17_179_869_184), 16_777_216),
        /**
         * Bytes beyond `maxBytes` kept for records pushed with `{ reserved: true }` (a caller's own
         * accounting, such as drop reports), so that they stay in memory when the rest overflows.
         */
        reserveBytes: z._default(int(0, 1_073_741_824), 65_536),
      }),
      {},
    ),
    /** What happens past the capacity: write to the spool, or drop by priority. */
    overflow: z.optional(z.enum(['spool', 'drop'])),
    /** The optional disk spool (e.g. a folder under Lambda's `/tmp`). */
    spool: z.optional(
      z.strictObject({
        dir: z.string().check(z.minLength(1)),
        maxBytes: z._default(int(1, 1_099_511_627_776), 104_857_600),
        segmentBytes: z._default(int(1, 1_073_741_824), 1_048_576),
      }),
    ),
    /** Flush by itself when a trigger fires (count, bytes, age, backlog, retry). */
    autoFlush: z._default(z.boolean(), true),
    /** The delay before the next automatic attempt after a failed flush. */
    backoff: z.prefault(
      z.strictObject({
        initialMs: z._default(int(1, 3_600_000), 200),
        maxMs: z._default(int(1, 3_600_000), 30_000),
        jitter: z._default(z.boolean(), true),
      }),
      {},
    ),
  })
  .check(
    z.superRefine((options, context) => {
      if (options.capacity.maxRecords < options.maxItems) {
        context.addIssue({
          code: 'custom',
          path: ['capacity', 'maxRecords'],
          message: `must be at least maxItems (${options.maxItems})`,
        });
      }
      if (options.capacity.maxBytes < options.maxBytes) {
        context.addIssue({
          code: 'custom',
          path: ['capacity', 'maxBytes'],
          message: `must be at least maxBytes (${options.maxBytes})`,
        });
      }
      if (options.backoff.maxMs < options.backoff.initialMs) {
        context.addIssue({
          code: 'custom',
          path: ['backoff', 'maxMs'],
          message: `must be at least backoff.initialMs (${options.backoff.initialMs})`,
        });
      }
      if (options.overflow === 'spool' && options.spool === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['overflow'],
          message: "'spool' needs the spool option (dir); use 'drop' or set spool",
        });
      }
    }),
  );

/** The options as a caller writes them (every field optional). */
export type TelemetryBufferOptions = z.input<typeof telemetryBufferOptionsSchema>;

/** The options after defaults, with the overflow policy resolved. */
export type ResolvedOptions = z.output<typeof telemetryBufferOptionsSchema> & { overflow: 'spool' | 'drop' };

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Parses and resolves the options once; throws {@link TelemetryBufferOptionsError}. */
export function parseOptions(input: unknown): ResolvedOptions {
  const result = safeParseInEnglish(telemetryBufferOptionsSchema, input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path ?? [];
    const option = path.map(String).join('.') || '(options)';
    const given = valueAt(input, path);
    throw new TelemetryBufferOptionsError(
      option,
      `Invalid telemetry buffer option ${option}: ${issue?.message} (got ${given === undefined ? 'undefined' : JSON.stringify(given)})`,
      { cause: result.error },
    );
  }
  const options = result.data;
  return { ...options, overflow: options.overflow ?? (options.spool ? 'spool' : 'drop') };
}
