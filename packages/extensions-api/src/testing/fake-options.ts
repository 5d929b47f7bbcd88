import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/mini';

/**
 * Handles a request the fake does not know (any method and path other than the four Extensions
 * API calls), e.g. a fake Telemetry API mounted on the same `host:port`.
 *
 * @example
 * ```ts
 * const fallback: FakeFallback = (req, res) => {
 *   res.writeHead(req.url === '/2022-07-01/telemetry' ? 200 : 404).end();
 * };
 * ```
 */
export type FakeFallback = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Options of {@link createFakeExtensionsApi}, with their defaults.
 *
 * | Option | Default | Meaning |
 * | --- | --- | --- |
 * | `functionName` | `'test-function'` | register response and INVOKE ARN |
 * | `functionVersion` | `'$LATEST'` | register response |
 * | `handler` | `'index.handler'` | register response |
 * | `accountId` | `'123456789012'` | register response (when the feature is asked for) and ARN |
 * | `region` | `'us-east-1'` | INVOKE ARN |
 * | `functionTimeoutMs` | `3000` | default INVOKE `deadlineMs` = now + this |
 * | `shutdownTimeoutMs` | `2000` | default SHUTDOWN `deadlineMs` = now + this |
 * | `fallback` | none (404) | handler of every request the fake does not know |
 *
 * @example
 * ```ts
 * const options = fakeExtensionsApiOptionsSchema.parse({ functionName: 'orders' });
 * ```
 */
export const fakeExtensionsApiOptionsSchema = z.strictObject({
  functionName: z._default(z.string().check(z.minLength(1)), 'test-function'),
  functionVersion: z._default(z.string().check(z.minLength(1)), '$LATEST'),
  handler: z._default(z.string(), 'index.handler'),
  accountId: z._default(z.string().check(z.regex(/^\d{12}$/, 'expected 12 digits')), '123456789012'),
  region: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  functionTimeoutMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(900_000)), 3000),
  shutdownTimeoutMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(60_000)), 2000),
  fallback: z.optional(z.custom<FakeFallback>((value) => typeof value === 'function', 'expected a function')),
});

/**
 * Options accepted by {@link createFakeExtensionsApi}.
 *
 * @example
 * ```ts
 * const options: FakeExtensionsApiOptions = { fallback: telemetry.handle };
 * ```
 */
export type FakeExtensionsApiOptions = z.input<typeof fakeExtensionsApiOptionsSchema>;

/**
 * Clocks of the fake: `now` (Unix ms) for deadlines and record times, `monotonicNow` (ms) for the
 * durations it measures.
 *
 * @example
 * ```ts
 * let t = 0;
 * const api = await createFakeExtensionsApi({}, { now: () => 1_700_000_000_000 + t, monotonicNow: () => t });
 * ```
 */
export interface FakeExtensionsApiDeps {
  now?: () => number;
  monotonicNow?: () => number;
}
