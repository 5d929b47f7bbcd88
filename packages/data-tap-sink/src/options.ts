import { z } from 'zod';
import { DataTapSinkOptionsError } from './errors.js';
import { isTokenProvider, type TokenProvider } from './token.js';
import { checkTapUrl } from './url.js';

/** Visible ASCII: what an HTTP header value may safely hold. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** 4 MiB: under the ~4.4 MB a gzip body may have and the ~5 MB of a text body behind a Function URL. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

const backoffSchema = z.strictObject({
  initialMs: z.number().int().min(1).max(60_000).default(100),
  maxMs: z.number().int().min(1).max(300_000).default(5_000),
  multiplier: z.number().min(1).max(10).default(2),
  maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(60_000),
});

const breakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  failureThreshold: z.number().int().min(1).max(1_000).default(5),
  cooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
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
    url: z.string().superRefine((value, context) => {
      const problem = checkTapUrl(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    }),
    token: z.union([
      z
        .string()
        .min(1, 'expected a non-empty token')
        .regex(HEADER_VALUE, 'expected visible ASCII characters without spaces'),
      z.custom<TokenProvider>(isTokenProvider, 'expected a string or an object with getToken()'),
    ]),
    maxBodyBytes: z.number().int().min(1024).max(5_000_000).default(DEFAULT_MAX_BODY_BYTES),
    gzip: z.boolean().default(false),
    gzipLevel: z.number().int().min(1).max(9).default(6),
    requestTimeoutMs: z.number().int().min(100).max(900_000).default(8_000),
    maxRetries: z.number().int().min(0).max(20).default(3),
    backoff: backoffSchema.prefault({}),
    breaker: breakerSchema.prefault({}),
    oversizeLines: z.enum(['return', 'drop']).default('return'),
    batchIdHeader: z.string().regex(HEADER_NAME, 'expected an HTTP header name').default('x-bd-batch-id'),
    maxErrorBodyChars: z.number().int().min(0).max(65_536).default(1024),
  })
  .superRefine((options, context) => {
    if (options.gzip && options.maxBodyBytes > 4_400_000) {
      context.addIssue({
        code: 'custom',
        path: ['maxBodyBytes'],
        message: 'expected at most 4400000 with gzip (a base64-encoded body must stay under 6 MB)',
      });
    }
    if (options.backoff.maxMs < options.backoff.initialMs) {
      context.addIssue({
        code: 'custom',
        path: ['backoff', 'maxMs'],
        message: 'expected maxMs >= initialMs',
      });
    }
  });

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
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = ['options', ...issue.path.map(String)].join('.');
    const secret = issue.path[0] === 'token';
    const value = secret ? '[redacted]' : describeValue(valueAt(input, issue.path));
    return `${name}: ${issue.message} (got ${value})`;
  });
  throw new DataTapSinkOptionsError(`${label}: invalid options: ${problems.join('; ')}`);
}
