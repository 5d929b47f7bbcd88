import * as z from 'zod/mini';
import { isIpv4Literal, isIpv6Literal } from './ip-literal.js';

/** Default `maxBodyBytes`: 4 MiB, twice what Lambda can send (2 x maxBytes <= 2 MiB, plus per-record metadata). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A number that is an integer in `min..max`, every failure reading `message`. */
const integerIn = (min: number, max: number, message: string) =>
  z.number({ error: message }).check(z.int(message), z.minimum(min, message), z.maximum(max, message));

/** A host name (RFC 1123 labels) or an IPv4/IPv6 literal. */
const isHost = (value: string): boolean =>
  isIpv4Literal(value) ||
  isIpv6Literal(value) ||
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
    value,
  );

/**
 * The options of {@link createTelemetryListener}, as a zod schema (defaults included).
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `address` | `string` | `'sandbox'` | `'sandbox'` binds `0.0.0.0` and advertises `http://sandbox.localdomain:PORT` (what Lambda requires); any other host name or IP is used both to bind and in the URI |
 * | `port` | `number` | `0` | 0-65535; `0` picks a free port. Not 9001 on Lambda (the Runtime API) |
 * | `portFallback` | `boolean` | `true` | when `port` is in use (`EADDRINUSE`), bind a free port instead (the URI advertises it) and log one warning; `false`: fail. Other bind errors always fail |
 * | `path` | `string` | `'/'` | the only path accepted (query ignored); appended to the URI unless `/` |
 * | `maxBodyBytes` | `number` | 4 MiB | 1 KiB-256 MiB; a larger body gets `413` and is not buffered. Lambda sends up to `2 * maxBytes` (so 2 MiB) plus per-record metadata |
 * | `closeTimeoutMs` | `number` | `1000` | 0-60000; how long `close()` waits for the connections still open (answers with `Connection: close` from the call on) before destroying them |
 * | `invalidUtf8` | `'replace' \| 'reject'` | `'replace'` | a body that is not valid UTF-8: decode with U+FFFD (count it, deliver) or answer `400` |
 * | `_internal` | `{ sandboxBindHost?: string }` | — | test seam: the host bound for `'sandbox'` instead of `0.0.0.0` |
 *
 * @example
 * ```ts
 * const options = telemetryListenerOptionsSchema.parse({ address: 'sandbox', port: 4243 });
 * // options.maxBodyBytes === 4_194_304
 * ```
 */
export const telemetryListenerOptionsSchema = z.strictObject({
  address: z._default(
    z
      .string()
      .check(z.refine(isHost, 'expected "sandbox", a host name or an IP address, such as "127.0.0.1"')),
    'sandbox',
  ),
  port: z._default(integerIn(0, 65_535, 'expected an integer port in 0..65535 (0 picks a free port)'), 0),
  portFallback: z._default(z.boolean({ error: 'expected true or false' }), true),
  path: z._default(
    z.string().check(
      z.regex(/^\/[\x21-\x7e]*$/, 'expected a path starting with "/", visible ASCII, such as "/telemetry"'),
      z.refine((value) => !value.includes('?') && !value.includes('#'), 'expected a path without "?" or "#"'),
    ),
    '/',
  ),
  maxBodyBytes: z._default(
    integerIn(1024, 256 * 1024 * 1024, 'expected an integer byte count in 1024..268435456'),
    DEFAULT_MAX_BODY_BYTES,
  ),
  closeTimeoutMs: z._default(integerIn(0, 60_000, 'expected an integer in 0..60000 (milliseconds)'), 1_000),
  invalidUtf8: z._default(
    z.enum(['replace', 'reject'], { error: 'expected "replace" or "reject"' }),
    'replace',
  ),
  _internal: z.optional(z.strictObject({ sandboxBindHost: z.optional(z.string()) })),
});

/**
 * Options accepted by {@link createTelemetryListener}.
 *
 * @example
 * ```ts
 * const input: TelemetryListenerOptionsInput = { address: '127.0.0.1', port: 0 };
 * ```
 */
export type TelemetryListenerOptionsInput = z.input<typeof telemetryListenerOptionsSchema>;

/**
 * Options after parsing, defaults applied.
 *
 * @example
 * ```ts
 * const parsed: TelemetryListenerOptions = telemetryListenerOptionsSchema.parse({});
 * ```
 */
export type TelemetryListenerOptions = z.output<typeof telemetryListenerOptionsSchema>;
