import * as z from 'zod/mini';

/** `host:port` with a port in 1..65535; the host is a name, an IPv4 address or a bracketed IPv6 one. */
const RUNTIME_API = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
/** Visible ASCII: the value goes into a header. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;

const intInRange = (min: number, max: number, what: string) =>
  z
    .number({ error: `expected an integer ${what} in ${min}..${max}` })
    .check(
      z.int(`expected an integer ${what} in ${min}..${max}`),
      z.minimum(min, `expected an integer ${what} in ${min}..${max}`),
      z.maximum(max, `expected an integer ${what} in ${min}..${max}`),
    );

/**
 * The buffering of a subscription, within Lambda's documented ranges. Each field left out takes
 * Lambda's default.
 *
 * | Field | Range | Default |
 * | --- | --- | --- |
 * | `maxItems` | 1,000-10,000 | 10,000 |
 * | `maxBytes` | 262,144-1,048,576 | 262,144 |
 * | `timeoutMs` | 25-30,000 | 1,000 |
 *
 * @example
 * ```ts
 * telemetryBufferingSchema.parse({ timeoutMs: 100 }); // { maxItems: 10000, maxBytes: 262144, timeoutMs: 100 }
 * ```
 */
export const telemetryBufferingSchema = z.strictObject({
  maxItems: z._default(intInRange(1_000, 10_000, 'record count'), 10_000),
  maxBytes: z._default(intInRange(262_144, 1_048_576, 'byte count'), 262_144),
  timeoutMs: z._default(intInRange(25, 30_000, 'duration in ms'), 1_000),
});

/**
 * The options of {@link subscribeTelemetry}, as a zod schema (defaults included).
 *
 * | Option | Type | Default | Meaning |
 * | --- | --- | --- | --- |
 * | `runtimeApi` | `string` | required | `host:port` of the Runtime API (`AWS_LAMBDA_RUNTIME_API`) |
 * | `extensionId` | `string` | required | the `Lambda-Extension-Identifier` that `register` returned |
 * | `apiVersion` | `'2022-07-01'` | `'2022-07-01'` | path prefix of the Telemetry API |
 * | `schemaVersion` | `'2022-07-01' \| '2022-12-13' \| '2025-01-29'` | required | shape of the records delivered |
 * | `types` | `('platform' \| 'function' \| 'extension')[]` | required | non-empty, no duplicates |
 * | `buffering` | `{ maxItems, maxBytes, timeoutMs }` | left to Lambda | see {@link telemetryBufferingSchema} |
 * | `destinationUri` | `string` | required | `http://` URI the listener advertises, e.g. `http://sandbox.localdomain:4243` |
 *
 * @example
 * ```ts
 * const options = subscribeTelemetryOptionsSchema.parse({
 *   runtimeApi: '127.0.0.1:9001',
 *   extensionId: 'a1b2',
 *   schemaVersion: '2022-12-13',
 *   types: ['platform', 'function'],
 *   destinationUri: 'http://sandbox.localdomain:4243',
 * });
 * ```
 */
export const subscribeTelemetryOptionsSchema = z.strictObject({
  runtimeApi: z.string().check(
    z.refine((value) => {
      const port = RUNTIME_API.exec(value)?.[1];
      return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
    }, 'expected "host:port" without a scheme or a path, port 1-65535, such as "127.0.0.1:9001"'),
  ),
  extensionId: z
    .string()
    .check(
      z.minLength(1, 'expected the non-empty identifier returned by register'),
      z.maxLength(256, 'expected at most 256 characters'),
      z.regex(HEADER_VALUE, 'expected visible ASCII characters without spaces'),
    ),
  apiVersion: z._default(z.literal('2022-07-01', { error: 'expected "2022-07-01"' }), '2022-07-01'),
  schemaVersion: z.enum(['2022-07-01', '2022-12-13', '2025-01-29'], {
    error: 'expected one of "2022-07-01", "2022-12-13", "2025-01-29"',
  }),
  types: z
    .array(
      z.enum(['platform', 'function', 'extension'], {
        error: 'expected "platform", "function" or "extension"',
      }),
    )
    .check(
      z.minLength(1, 'expected at least one of "platform", "function", "extension"'),
      z.refine((types) => new Set(types).size === types.length, 'expected no duplicates'),
    ),
  buffering: z.optional(telemetryBufferingSchema),
  destinationUri: z.string().check(
    z.refine((value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return url.protocol === 'http:' && url.hostname !== '' && url.username === '' && url.password === '';
    }, 'expected an http:// URI without credentials, such as "http://sandbox.localdomain:4243"'),
  ),
});

/**
 * Options accepted by {@link subscribeTelemetry}.
 *
 * @example
 * ```ts
 * const input: SubscribeTelemetryOptionsInput = {
 *   runtimeApi: '127.0.0.1:9001',
 *   extensionId: 'a1b2',
 *   schemaVersion: '2022-12-13',
 *   types: ['platform'],
 *   destinationUri: 'http://sandbox.localdomain:4243',
 * };
 * ```
 */
export type SubscribeTelemetryOptionsInput = z.input<typeof subscribeTelemetryOptionsSchema>;

/**
 * Options after parsing, defaults applied.
 *
 * @example
 * ```ts
 * const parsed: SubscribeTelemetryOptions = subscribeTelemetryOptionsSchema.parse(input);
 * ```
 */
export type SubscribeTelemetryOptions = z.output<typeof subscribeTelemetryOptionsSchema>;
