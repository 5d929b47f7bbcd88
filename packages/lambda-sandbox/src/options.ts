import * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { SandboxOptionsError } from './errors.js';

/**
 * The options of {@link createLambdaSandbox}, with Lambda's defaults and ranges.
 *
 * @example
 * ```ts
 * const options = lambdaSandboxOptionsSchema.parse({
 *   layer: './extension.zip',
 *   handler: 'index.handler',
 *   functionDir: './fn',
 * });
 * options.timeoutMs; // 3000
 * ```
 */
export const lambdaSandboxOptionsSchema = z.strictObject({
  /** A layer zip file or a folder; its `extensions/` executables are started. */
  layer: z.string().check(z.minLength(1)),
  /** `module.export`: the module path relative to `functionDir` (`.mjs`, `.js` or `.cjs`) and the export. */
  handler: z
    .string()
    .check(
      z.regex(
        /^[^.\s][^\s]*\.[A-Za-z_$][\w$]*$/,
        'expected "<module path>.<export name>", e.g. "index.handler"',
      ),
    ),
  /** The function code folder (`LAMBDA_TASK_ROOT`, the runtime's working directory). */
  functionDir: z.string().check(z.minLength(1)),
  /** The function's environment variables. */
  env: z._default(z.record(z.string(), z.string()), {}),
  /** Where `PATH`, `HOME`, `NODE_OPTIONS` come from (a CLI passes `process.env`). */
  hostEnv: z._default(
    z.pipe(
      z.custom<Record<string, string | undefined>>(
        (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
        'expected an object of strings (such as the process environment)',
      ),
      z.transform((v: Record<string, string | undefined>) => {
        const copy: Record<string, string> = {};
        for (const [key, value] of Object.entries(v)) if (typeof value === 'string') copy[key] = value;
        return copy;
      }),
    ),
    {},
  ),
  functionName: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, "-" or "_"')),
    'sandbox-function',
  ),
  functionVersion: z._default(z.string().check(z.minLength(1)), '$LATEST'),
  /** 128-10240 MB, as on Lambda (MB taken as MiB, as Lambda does for memory). */
  memorySizeMb: z._default(z.number().check(z.int(), z.minimum(128), z.maximum(10_240)), 128),
  /**
   * End the invocation (or the Init) with `Runtime.OutOfMemory` when the resident memory of the
   * environment's processes together goes over `memorySizeMb`, as Lambda does. Linux only.
   */
  enforceMemoryLimit: z._default(z.boolean(), true),
  /**
   * How the environment's memory is counted: `cgroup` (private memory of every process, the file
   * pages of each executable once, as a memory cgroup charges them) or `rss-sum` (the plain sum of
   * every process's `VmRSS`: the `node` binary's pages once per Node process, stricter).
   */
  memoryAccounting: z._default(z.enum(['cgroup', 'rss-sum']), 'cgroup'),
  /** How often the memory of the environment's processes is read while it runs, ms. 5-1000. */
  memorySampleIntervalMs: z._default(z.number().check(z.int(), z.minimum(5), z.maximum(1_000)), 20),
  /** The function timeout in ms: 1000-900000 (1 s to 15 min). Bounds the whole Invoke phase. */
  timeoutMs: z._default(z.number().check(z.int(), z.minimum(1_000), z.maximum(900_000)), 3_000),
  region: z._default(
    z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region name such as "eu-west-1"')),
    'us-east-1',
  ),
  /** The account id returned to extensions that accept the `accountId` feature, and used in ARNs. */
  accountId: z._default(z.string().check(z.regex(/^\d{12}$/, 'expected 12 digits')), '123456789012'),
  /** The function's log format: `Text` (tab-separated lines) or `JSON`. */
  logFormat: z._default(z.enum(['Text', 'JSON']), 'Text'),
  /** The whole Init phase, ms (Lambda: 10 s for on-demand functions). 100-600000. */
  initTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(600_000)), 10_000),
  /** The whole Shutdown phase, ms (Lambda: 2000 with external extensions). 100-60000. */
  shutdownTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100), z.maximum(60_000)), 2_000),
  /** The runtime's share of the Shutdown phase before SHUTDOWN reaches extensions, ms. 0-10000. */
  runtimeShutdownMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10_000)), 300),
  /** SIGSTOP every process once all called `next`; SIGCONT on the next event. */
  freeze: z._default(z.boolean(), true),
  /**
   * Records a subscriber may have queued (not counting the POST in flight) before new records
   * are dropped, as a multiple of its `maxItems` and `maxBytes`. 1-100.
   */
  subscriberQueueFactor: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 2),
  /** Make `sandbox.localdomain` resolve to 127.0.0.1 in Node processes (a `--import` preload), as Lambda's /etc/hosts does. */
  resolveSandboxHost: z._default(z.boolean(), true),
  /** Folder the layer zip is unpacked under (default: the OS temp folder). */
  tmpDir: z.optional(z.string().check(z.minLength(1))),
});

/** The options as given (defaults optional). */
export type LambdaSandboxOptions = z.input<typeof lambdaSandboxOptionsSchema>;
/** The options after parsing (defaults applied). */
export type ResolvedSandboxOptions = z.output<typeof lambdaSandboxOptionsSchema>;

/**
 * Parses options once; throws {@link SandboxOptionsError} naming the option, the value and the range.
 * @internal
 */
export function parseSandboxOptions(input: unknown): ResolvedSandboxOptions {
  const result = safeParseInEnglish(lambdaSandboxOptionsSchema, input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(options)';
    let value: unknown = input;
    for (const key of issue.path) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<PropertyKey, unknown>)[key]
          : undefined;
    }
    return `${path}: ${issue.message} (got ${JSON.stringify(value) ?? 'undefined'})`;
  });
  throw new SandboxOptionsError(`invalid lambda-sandbox options: ${lines.join('; ')}`);
}
