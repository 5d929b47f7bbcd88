import * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { DataTapSinkOptionsError } from './errors.js';
import { isTokenProvider, type TokenProvider } from './token.js';
import { checkTapUrl } from './url.js';

/** Visible ASCII: what an HTTP header value may safely hold. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** 4 MiB: under the ~4.4 MB a gzip body may have and the ~5 MB of a text body behind a Function URL. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The largest `maxBodyBytes`: a text body is escaped again in the event a Function URL builds, which
 * may hold 6 MB in all.
 *
 * @example
 * ```ts
 * const maxBodyBytes = Math.min(wanted, MAX_BODY_BYTES);
 * ```
 */
export const MAX_BODY_BYTES = 5_000_000;

/**
 * The largest `maxBodyBytes` with `gzip`: a binary body is base64-encoded (+33%) in the event a
 * Function URL builds, which may hold 6 MB in all.
 *
 * @example
 * ```ts
 * const maxBodyBytes = Math.min(wanted, gzip ? MAX_GZIP_BODY_BYTES : MAX_BODY_BYTES);
 * ```
 */
export const MAX_GZIP_BODY_BYTES = 4_400_000;

const backoffSchema = z.strictObject({
  initialMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 100),
  maxMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(300_000)), 5_000),
  multiplier: z._default(z.number().check(z.minimum(1), z.maximum(10)), 2),
  maxRetryAfterMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(3_600_000)), 60_000),
});

const breakerSchema = z.strictObject({
  enabled: z._default(z.boolean(), true),
  failureThreshold: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1_000)), 5),
  cooldownMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(3_600_000)), 30_000),
});

/**
 * The options of {@link createDataTapSink}, as a zod schema (defaults included).
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `url` | `string` | required | the tap's URL; `https:`, or `http:` to 127.0.0.1, ::1 or localhost |
 * | `token` | `string \| TokenProvider` | required | sent as `x-bd-authorization` |
 * | `maxBodyBytes` | `number` | 4 MiB | largest uncompressed body, 1 KiB..5,000,000 (4,400,000 with gzip) |
 * | `gzip` | `boolean` | `false` | gzip bodies (`Content-Encoding: gzip`) |
 * | `gzipLevel` | `number` | `6` | zlib level 1..9 |
 * | `requestTimeoutMs` | `number` | `8000` | per-request timeout, 100..900,000 |
 * | `maxRetries` | `number` | `3` | retries of one body after a retryable failure, 0..20 |
 * | `backoff` | object | see below | `initialMs` 100, `maxMs` 5000, `multiplier` 2, `maxRetryAfterMs` 60000 |
 * | `breaker` | object | see below | `enabled` true, `failureThreshold` 5, `cooldownMs` 30000 |
 * | `oversizeLines` | `'return' \| 'drop'` | `'return'` | a line larger than `maxBodyBytes`: returned unsent, or dropped and counted |
 * | `batchIdHeader` | `string` | `'x-bd-batch-id'` | header carrying the body's content-derived id |
 * | `maxErrorBodyChars` | `number` | `1024` | how much of an error answer is kept, 0..65,536 |
 *
 * @example
 * ```ts
 * const options = dataTapSinkOptionsSchema.parse({ url: 'https://tap.example/', token: 'jwt' });
 * // options.maxBodyBytes === 4_194_304
 * ```
 */
export const dataTapSinkOptionsSchema = z
  .strictObject({
    url: z.string().check(
      z.superRefine((value, context) => {
        const problem = checkTapUrl(value);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      }),
    ),
    token: z.union([
      z
        .string()
        .check(
          z.minLength(1, 'expected a non-empty token'),
          z.regex(HEADER_VALUE, 'expected visible ASCII characters without spaces'),
        ),
      z.custom<TokenProvider>(isTokenProvider, 'expected a string or an object with getToken()'),
    ]),
    maxBodyBytes: z._default(
      z.number().check(z.int(), z.minimum(1024), z.maximum(MAX_BODY_BYTES)),
      DEFAULT_MAX_BODY_BYTES,
    ),
    gzip: z._default(z.boolean(), false),
    gzipLevel: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(9)), 6),
    requestTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(900_000)), 8_000),
    maxRetries: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(20)), 3),
    backoff: z.prefault(backoffSchema, {}),
    breaker: z.prefault(breakerSchema, {}),
    oversizeLines: z._default(z.enum(['return', 'drop']), 'return'),
    batchIdHeader: z._default(
      z.string().check(z.regex(HEADER_NAME, 'expected an HTTP header name')),
      'x-bd-batch-id',
    ),
    maxErrorBodyChars: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(65_536)), 1024),
  })
  .check(
    z.superRefine((options, context) => {
      if (options.gzip && options.maxBodyBytes > MAX_GZIP_BODY_BYTES) {
        context.addIssue({
          code: 'custom',
          path: ['maxBodyBytes'],
          message: `expected at most ${MAX_GZIP_BODY_BYTES} with gzip (a base64-encoded body must stay under 6 MB)`,
        });
      }
      if (options.backoff.maxMs < options.backoff.initialMs) {
        context.addIssue({
          code: 'custom',
          path: ['backoff', 'maxMs'],
          message: 'expected maxMs >= initialMs',
        });
      }
    }),
  );

/**
 * Options accepted by {@link createDataTapSink}: `url` and `token` are required, the rest optional.
 *
 * @example
 * ```ts
 * const input: DataTapSinkOptionsInput = { url: 'https://tap.example/', token: 'jwt', gzip: true };
 * ```
 */
export type DataTapSinkOptionsInput = z.input<typeof dataTapSinkOptionsSchema>;

/**
 * Options after parsing, defaults applied.
 *
 * @example
 * ```ts
 * const parsed: DataTapSinkOptions = dataTapSinkOptionsSchema.parse(input);
 * ```
 */
export type DataTapSinkOptions = z.output<typeof dataTapSinkOptionsSchema>;

function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Parses `input` with `schema`; a failure throws a {@link DataTapSinkOptionsError} naming each
 * failing option, its value (never a token's) and what is accepted.
 *
 * @example
 * ```ts
 * const options = parseOptions(dataTapSinkOptionsSchema, input, 'createDataTapSink');
 * ```
 */
export function parseOptions<S extends z.ZodMiniType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = safeParseInEnglish(schema, input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = ['options', ...issue.path.map(String)].join('.');
    const secret = issue.path[0] === 'token';
    const value = secret ? '[redacted]' : describeValue(valueAt(input, issue.path));
    return `${name}: ${issue.message} (got ${value})`;
  });
  throw new DataTapSinkOptionsError(`${label}: invalid options: ${problems.join('; ')}`);
}
