import { z } from 'zod';
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
  layer: z.string().min(1),
  /** `module.export`: the module path relative to `functionDir` (`.mjs`, `.js` or `.cjs`) and the export. */
  handler: z
    .string()
    .regex(
      /^[^.\s][^\s]*\.[A-Za-z_$][\w$]*$/,
      'expected "<module path>.<export name>", e.g. "index.handler"',
    ),
  /** The function code folder (`LAMBDA_TASK_ROOT`, the runtime's working directory). */
  functionDir: z.string().min(1),
  /** The function's environment variables. */
  env: z.record(z.string(), z.string()).default({}),
  /** Where `PATH`, `HOME`, `NODE_OPTIONS` come from (a CLI passes `process.env`). */
  hostEnv: z
    .custom<Record<string, string | undefined>>(
      (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
      'expected an object of strings (such as the process environment)',
    )
    .transform((v) => {
      const copy: Record<string, string> = {};
      for (const [key, value] of Object.entries(v)) if (typeof value === 'string') copy[key] = value;
      return copy;
    })
    .default({}),
  functionName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, "-" or "_"')
    .default('sandbox-function'),
  functionVersion: z.string().min(1).default('$LATEST'),
  /** 128-10240 MB, as on Lambda. */
  memorySizeMb: z.number().int().min(128).max(10_240).default(128),
  /** The function timeout in ms: 1000-900000 (1 s to 15 min). Bounds the whole Invoke phase. */
  timeoutMs: z.number().int().min(1_000).max(900_000).default(3_000),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region name such as "eu-west-1"')
    .default('us-east-1'),
  /** The account id returned to extensions that accept the `accountId` feature, and used in ARNs. */
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected 12 digits')
    .default('123456789012'),
  /** The function's log format: `Text` (tab-separated lines) or `JSON`. */
  logFormat: z.enum(['Text', 'JSON']).default('Text'),
  /** The whole Init phase, ms (Lambda: 10 s for on-demand functions). 100-600000. */
  initTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** The whole Shutdown phase, ms (Lambda: 2000 with external extensions). 100-60000. */
  shutdownTimeoutMs: z.number().int().min(100).max(60_000).default(2_000),
  /** The runtime's share of the Shutdown phase before SHUTDOWN reaches extensions, ms. 0-10000. */
  runtimeShutdownMs: z.number().int().min(0).max(10_000).default(300),
  /** SIGSTOP every process once all called `next`; SIGCONT on the next event. */
  freeze: z.boolean().default(true),
  /**
   * Records a subscriber may have queued (not counting the POST in flight) before new records
   * are dropped, as a multiple of its `maxItems` and `maxBytes`. 1-100.
   */
  subscriberQueueFactor: z.number().int().min(1).max(100).default(2),
  /** Make `sandbox.localdomain` resolve to 127.0.0.1 in Node processes (a `--import` preload), as Lambda's /etc/hosts does. */
  resolveSandboxHost: z.boolean().default(true),
  /** Folder the layer zip is unpacked under (default: the OS temp folder). */
  tmpDir: z.string().min(1).optional(),
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
  const result = lambdaSandboxOptionsSchema.safeParse(input);
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
