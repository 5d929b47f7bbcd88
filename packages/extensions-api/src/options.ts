import * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { ExtensionsApiOptionsError } from './errors.js';

/** `host:port` with a port in 1..65535; the host is a name, an IPv4 address or a bracketed IPv6 one. */
const RUNTIME_API = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** Visible ASCII without separators that would break a header value. */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;

/**
 * The options of {@link createExtensionsClient}, as a zod schema (defaults included).
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `runtimeApi` | `string` | required | `host:port` of the Runtime API, the value of `AWS_LAMBDA_RUNTIME_API` |
 * | `extensionName` | `string` | required | sent as `Lambda-Extension-Name`; must equal the executable's file name |
 * | `apiVersion` | `'2020-01-01'` | `'2020-01-01'` | path prefix of the Extensions API |
 * | `extensionId` | `string` | none | the id of a registration already made for this extension (see below) |
 *
 * With `extensionId` the client starts registered: `next()` and the error reports use that id and
 * `register()` is refused. It serves an extension whose small entry file registers before the rest
 * of its code is loaded (to reach `register` as early as possible), then hands the id over.
 *
 * @example
 * ```ts
 * const options = extensionsClientOptionsSchema.parse({
 *   runtimeApi: '127.0.0.1:9001',
 *   extensionName: 'data-taps',
 * });
 * // options.apiVersion === '2020-01-01'
 * ```
 */
export const extensionsClientOptionsSchema = z.strictObject({
  runtimeApi: z.string().check(
    z.refine((value) => {
      const port = RUNTIME_API.exec(value)?.[1];
      return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
    }, 'expected "host:port" without a scheme or a path, port 1-65535, such as "127.0.0.1:9001"'),
  ),
  extensionName: z
    .string()
    .check(
      z.minLength(1, 'expected a non-empty name'),
      z.maxLength(256, 'expected at most 256 characters'),
      z.regex(HEADER_TOKEN, 'expected visible ASCII characters without spaces (the executable file name)'),
    ),
  apiVersion: z._default(z.literal('2020-01-01'), '2020-01-01'),
  extensionId: z.optional(
    z
      .string()
      .check(z.minLength(1, 'expected a non-empty id'), z.regex(HEADER_TOKEN, 'expected visible ASCII')),
  ),
});

/**
 * Options accepted by {@link createExtensionsClient} (`apiVersion` may be left out).
 *
 * @example
 * ```ts
 * const input: ExtensionsClientOptionsInput = { runtimeApi: '127.0.0.1:9001', extensionName: 'data-taps' };
 * ```
 */
export type ExtensionsClientOptionsInput = z.input<typeof extensionsClientOptionsSchema>;

/**
 * Options after parsing, defaults applied.
 *
 * @example
 * ```ts
 * const parsed: ExtensionsClientOptions = extensionsClientOptionsSchema.parse(input);
 * ```
 */
export type ExtensionsClientOptions = z.output<typeof extensionsClientOptionsSchema>;

/** The function error type sent in `Lambda-Extension-Function-Error-Type`, e.g. `Extension.ConfigInvalid`. */
export const errorTypeSchema = z
  .string()
  .check(
    z.minLength(1, 'expected a non-empty error type'),
    z.maxLength(1024, 'expected at most 1024 characters'),
    z.regex(
      HEADER_TOKEN,
      'expected visible ASCII characters without spaces, such as "Extension.ConfigInvalid"',
    ),
  );

export const registerEventsSchema = z.array(z.enum(['INVOKE', 'SHUTDOWN']));
export const registerOptionsSchema = z._default(
  z.strictObject({ acceptFeatures: z._default(z.array(z.enum(['accountId'])), []) }),
  { acceptFeatures: [] },
);

/**
 * Parses `value` with `schema`, turning a failure into an {@link ExtensionsApiOptionsError} whose
 * message names each failing option, its value and what is accepted.
 */
export function parseOptions<S extends z.ZodMiniType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = safeParseInEnglish(schema, value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const name = path.length > 0 ? `${label}.${path.join('.')}` : label;
    return `${name} = ${describe(valueAt(value, path))}: ${issue.message}`;
  });
  throw new ExtensionsApiOptionsError(`Invalid ${label}: ${lines.join('; ')}`, { cause: result.error });
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) {
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
