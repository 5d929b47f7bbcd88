import * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { LocalTapOptionsError } from './errors.js';

/**
 * What a token check function answers for the `x-bd-authorization` header value.
 *
 * @example
 * ```ts
 * const verdict: TokenVerdict = token === 'secret' ? 'ok' : 'invalid';
 * ```
 */
export type TokenVerdict = 'ok' | 'expired' | 'invalid';

/**
 * A token check: given the `x-bd-authorization` header value, says whether it is accepted
 * (`expired` gives a 401 with a clear message, `invalid` a 403).
 *
 * @example
 * ```ts
 * const check: TokenCheck = (token) => {
 *   const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}');
 *   return typeof payload.exp !== 'number' ? 'invalid' : payload.exp * 1000 < Date.now() ? 'expired' : 'ok';
 * };
 * createLocalTap({ outDir: './out', token: check });
 * ```
 */
export type TokenCheck = (token: string) => TokenVerdict;

const MiB = 1024 * 1024;

/**
 * The options of {@link createLocalTap}, with the real Data Tap's defaults.
 *
 * @example
 * ```ts
 * const options = localTapOptionsSchema.parse({ outDir: './out' });
 * options.thresholdBytes; // 10485760 (10 MiB)
 * options.maxBodyBytes; // 6291456 (6 MiB, the Function URL limit)
 * ```
 */
export const localTapOptionsSchema = z.strictObject({
  /** The address to listen on: loopback only. */
  host: z._default(z.literal('127.0.0.1'), '127.0.0.1'),
  /** The port; 0 picks a free one (`start()` answers the real port). 0-65535. */
  port: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(65_535)), 0),
  /** The folder the hive-partitioned Parquet files are written under. */
  outDir: z.string().check(z.minLength(1)),
  /** The folder of the durable NDJSON buffer files (default `<outDir>/.local-tap-buffer`). */
  bufferDir: z.optional(z.string().check(z.minLength(1))),
  /**
   * The `x-bd-authorization` check: a fixed token (compared in constant time) or a function
   * answering `'ok'`, `'expired'` or `'invalid'`. Without it every request is authorized.
   */
  token: z.optional(
    z.union([
      z.string().check(z.minLength(1)),
      z.custom<TokenCheck>((value) => typeof value === 'function', 'expected a function (token) => verdict'),
    ]),
  ),
  /** Convert once this many NDJSON bytes are buffered (the tap's `THRESHOLD_BYTES`). 1 B-1 GiB. */
  thresholdBytes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1024 * MiB)), 10 * MiB),
  /** Convert once the oldest buffered body is this old, ms (the tap's `THRESHOLD_MS`). 1 ms-24 h. */
  thresholdMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(86_400_000)), 60_000),
  /**
   * The user's SQL over the incoming rows, a relation named `incoming` (with `__bd_ts`): either a
   * clause appended to `SELECT * FROM incoming` (`WHERE level = 'ERROR'`) or a whole query
   * starting with `SELECT`, `WITH` or `FROM`.
   */
  sql: z.optional(z.string().check(z.trim(), z.minLength(1))),
  /** The request limit, bytes (the 6 MB Function URL limit). 1 B-64 MiB. */
  maxBodyBytes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(64 * MiB)), 6 * MiB),
  /**
   * What `maxBodyBytes` is compared with: `'event'` (default) the body as Lambda puts it into the
   * event (a text body JSON-escaped, a gzip body base64-encoded) plus the headers, as the real
   * Function URL does; `'body'` the raw body bytes.
   */
  limitAppliesTo: z._default(z.enum(['event', 'body']), 'event'),
  /** The largest accepted gzip body once decompressed, bytes (413 beyond). 1 B-1 GiB. */
  maxInflatedBytes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1024 * MiB)), 64 * MiB),
});

/**
 * The options as given (defaults optional).
 *
 * @example
 * ```ts
 * const options: LocalTapOptions = { outDir: './out', thresholdMs: 5_000 };
 * ```
 */
export type LocalTapOptions = z.input<typeof localTapOptionsSchema>;
/**
 * The options after parsing (defaults applied).
 *
 * @example
 * ```ts
 * const resolved: ResolvedLocalTapOptions = localTapOptionsSchema.parse({ outDir: './out' });
 * ```
 */
export type ResolvedLocalTapOptions = z.output<typeof localTapOptionsSchema>;

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * Parses options once; throws {@link LocalTapOptionsError} naming the option, the value and the
 * accepted range.
 * @internal
 */
export function parseLocalTapOptions(input: unknown): ResolvedLocalTapOptions {
  const result = safeParseInEnglish(localTapOptionsSchema, input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(options)';
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${path}${keys}: ${issue.message} (got ${describe(valueAt(input, issue.path))})`;
  });
  throw new LocalTapOptionsError(`Invalid local tap options: ${lines.join('; ')}`, { cause: result.error });
}
