/**
 * The extension's whole configuration: environment variables, validated with zod in one place.
 * Only this file (and the entry) reads the environment; everything else receives a `Config`.
 */
import { MAX_BODY_BYTES, MAX_GZIP_BODY_BYTES } from '@data-taps/data-tap-sink';
import * as z from 'zod/mini';
import { once } from './once.js';
import { loadTokenConfig, type TokenConfig } from './token-config.js';
import { show, URL_RANGE, urlSchema } from './variable-text.js';

/** Telemetry API schema versions the extension can subscribe with. */
export const SCHEMA_VERSIONS = ['2022-07-01', '2022-12-13', '2025-01-29'] as const;
/** Telemetry types the extension can subscribe to. */
export const TELEMETRY_TYPES = ['platform', 'function', 'extension'] as const;
/** Flush strategies (see the README: "When records leave"). */
export const FLUSH_STRATEGIES = ['adaptive', 'background', 'end'] as const;
/** pino levels for the extension's own log. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const MIB = 1024 * 1024;

/** The extension's executable file name in the layer, and so its default registration name. */
export const DEFAULT_EXTENSION_NAME = 'data-taps-lambda-extension';

/** The validated configuration. */
export interface Config {
  /** Where the Data Tap client token comes from, and the token itself for a fixed one (never logged). */
  tokens: TokenConfig;
  tapUrl: string;
  extensionName: string;
  receiverAddress: string;
  receiverPort: number;
  telemetry: {
    maxItems: number;
    maxBytes: number;
    timeoutMs: number;
    apiVersion: '2022-07-01';
    schemaVersion: (typeof SCHEMA_VERSIONS)[number];
    types: (typeof TELEMETRY_TYPES)[number][];
  };
  runtimeApi: string;
  extensionApiVersion: '2020-01-01';
  flushStrategy: (typeof FLUSH_STRATEGIES)[number];
  idleThresholdMs: number;
  /** The function's memory, MB (AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 1,024 when unset): sizes memory and GC defaults. */
  functionMemoryMb: number;
  requestTimeoutMs: number;
  maxRequestBytes: number;
  gzip: boolean;
  memoryMaxBytes: number;
  spoolDir: string;
  spoolMaxBytes: number;
  shutdownMarginMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  strict: boolean;
  /** What the envelope says about where a record comes from. */
  context: {
    functionName: string;
    functionVersion: string;
    region: string;
    logGroup: string;
    logStream: string;
  };
}

/**
 * One environment variable: how it is read, its default, and the accepted range in words. The schema
 * is built the first time a value is read (a variable left unset costs no zod schema at cold start).
 */
interface Variable<T> {
  schema: () => z.ZodMiniType<T>;
  /** How an invalid value is shown in its error (as is by default). */
  display?: (value: string) => string;
  range: string;
  default?: T;
  secret?: boolean;
}

const intVar = (min: number, max: number, def?: number, except?: number): Variable<number> => ({
  schema: once(() =>
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\s*\d+\s*$/)), z.transform(Number)),
      z.number().check(
        z.int(),
        z.minimum(min),
        z.maximum(max),
        z.refine((n) => n !== except),
      ),
    ),
  ),
  range: `an integer from ${min} to ${max}${except === undefined ? '' : ` other than ${except}`}`,
  ...(def === undefined ? {} : { default: def }),
});

const enumVar = <const T extends readonly [string, ...string[]]>(
  values: T,
  def: T[number],
): Variable<T[number]> => ({
  schema: once(() => z.enum(values)),
  range: `one of ${values.join(', ')}`,
  default: def,
});

const boolVar = (def: boolean): Variable<boolean> => ({
  schema: once(() =>
    z.pipe(
      z.pipe(
        z.pipe(
          z.string(),
          z.transform((s: string) => s.trim().toLowerCase()),
        ),
        z.enum(['true', 'false', '1', '0', 'yes', 'no']),
      ),
      z.transform((s) => s === 'true' || s === '1' || s === 'yes'),
    ),
  ),
  range: 'true or false',
  default: def,
});

const stringVar = (pattern: RegExp, range: string, def?: string, secret = false): Variable<string> => ({
  schema: once(() => z.string().check(z.regex(pattern))),
  range,
  ...(def === undefined ? {} : { default: def }),
  secret,
});

/** The URL as an error may show it: a user name or password in it is masked. */
const withoutCredentials = (value: string) => {
  if (!URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.username === '' && url.password === '') return value;
  url.username = '***';
  url.password = '';
  return url.href;
};

const urlVar: Variable<string> = { schema: urlSchema, range: URL_RANGE, display: withoutCredentials };

const typesVar: Variable<(typeof TELEMETRY_TYPES)[number][]> = {
  schema: once(() =>
    z.pipe(
      z.pipe(
        z.pipe(
          z.string(),
          z.transform((s: string) =>
            s
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ),
        z.array(z.enum(TELEMETRY_TYPES)).check(z.minLength(1)),
      ),
      z.transform((types) => [...new Set(types)]),
    ),
  ),
  range: `a comma-separated, non-empty subset of ${TELEMETRY_TYPES.join(', ')}`,
  default: [...TELEMETRY_TYPES],
};

/** Variables that may be left unset: their value then follows from others (see memoryDefaults). */
const OPTIONAL_NAMES = [
  'DATA_TAPS_MAX_REQUEST_BYTES',
  'DATA_TAPS_MEMORY_MAX_BYTES',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
] as const;
const OPTIONAL: ReadonlySet<string> = new Set(OPTIONAL_NAMES);

/** The function memory the defaults assume when Lambda's AWS_LAMBDA_FUNCTION_MEMORY_SIZE is unset, MB. */
export const ASSUMED_FUNCTION_MEMORY_MB = 1024;

/**
 * The memory bound and the request size that fit a function of `functionMemoryMb` (Lambda counts the
 * extension's memory in the function's): 1/32 of it held in memory before spilling to the spool
 * (2 MiB to 32 MiB: 4 MiB at 128 MB, 32 MiB from 1,024 MB), and a quarter of that per request, since
 * a request's body is built beside the batch it carries, but never less than 4 x the Telemetry API's
 * `maxBytes` (`telemetryMaxBytes`): the envelope of the largest record Lambda can send (its text
 * twice, escaped) must fit in one request. 256 KiB to 4 MiB: 1 MiB at 128 MB, 4 MiB from 512 MB.
 * @example
 * memoryDefaults(128, 262144); // { memoryMaxBytes: 4194304, maxRequestBytes: 1048576 }
 */
export function memoryDefaults(
  functionMemoryMb: number,
  telemetryMaxBytes: number,
): { memoryMaxBytes: number; maxRequestBytes: number } {
  const memoryMaxBytes = Math.min(32 * MIB, Math.max(2 * MIB, Math.floor((functionMemoryMb * MIB) / 32)));
  const wanted = Math.max(Math.floor(memoryMaxBytes / 4), 4 * telemetryMaxBytes);
  const maxRequestBytes = Math.min(4 * MIB, Math.max(256 * 1024, wanted));
  return { memoryMaxBytes, maxRequestBytes };
}

/** Every variable the extension reads, in the order of the README table. */
export const VARIABLES = {
  BD_DATA_TAP_URL: urlVar,
  EXTENSION_NAME: stringVar(
    /^[A-Za-z0-9._-]{1,64}$/,
    'a file name of letters, digits, ".", "_", "-"',
    DEFAULT_EXTENSION_NAME,
  ),
  RECEIVER_ADDRESS: stringVar(/^[A-Za-z0-9.:[\]-]+$/, '"sandbox" or a host name or IP address', 'sandbox'),
  RECEIVER_PORT: intVar(0, 65535, 4243, 9001),
  MAX_ITEMS: intVar(1000, 10000, 10000),
  MAX_BYTES: intVar(262144, 1048576, 262144),
  // 100 ms: see docs/timeout-study.md and the README ("Telemetry API buffering").
  TIMEOUT_MS: intVar(25, 30000, 100),
  AWS_LAMBDA_RUNTIME_API: stringVar(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, 'host:port (set by Lambda)'),
  AWS_LAMBDA_RUNTIME_EXTENSION_API_VERSION: enumVar(['2020-01-01'], '2020-01-01'),
  AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION: enumVar(['2022-07-01'], '2022-07-01'),
  AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION: enumVar(SCHEMA_VERSIONS, '2022-12-13'),
  DATA_TAPS_TYPES: typesVar,
  DATA_TAPS_FLUSH_STRATEGY: enumVar(FLUSH_STRATEGIES, 'background'),
  DATA_TAPS_IDLE_THRESHOLD_MS: intVar(0, 900_000, 10_000),
  DATA_TAPS_REQUEST_TIMEOUT_MS: intVar(100, 60_000, 5_000),
  // Unset: sized to the function's memory (see memoryDefaults).
  DATA_TAPS_MAX_REQUEST_BYTES: intVar(65_536, MAX_BODY_BYTES),
  DATA_TAPS_GZIP: boolVar(false),
  // Unset: sized to the function's memory (see memoryDefaults).
  DATA_TAPS_MEMORY_MAX_BYTES: intVar(MIB, 1024 * MIB),
  DATA_TAPS_SPOOL_DIR: stringVar(/^\/\S*$/, 'an absolute path', '/tmp/data-taps-spool'),
  DATA_TAPS_SPOOL_MAX_BYTES: intVar(0, 10 * 1024 * MIB, 64 * MIB),
  DATA_TAPS_SHUTDOWN_MARGIN_MS: intVar(50, 1500, 300),
  DATA_TAPS_LOG_LEVEL: enumVar(LOG_LEVELS, 'info'),
  DATA_TAPS_STRICT: boolVar(false),
  // Set by Lambda; unset (a local run) sizes the memory defaults as for 1,024 MB.
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: intVar(128, 10_240),
} satisfies Record<string, Variable<unknown>>;

type VariableName = keyof typeof VARIABLES;
type Optional = (typeof OPTIONAL_NAMES)[number];
type ValueOf<K extends VariableName> = (typeof VARIABLES)[K] extends Variable<infer T> ? T : never;
type Values = { [K in Exclude<VariableName, Optional>]: ValueOf<K> } & {
  [K in Optional]: ValueOf<K> | undefined;
};

/**
 * The rules between variables that the pipeline's parts enforce when they are built (the sink's and
 * the buffer's option parsers), checked here first so that a configuration loadConfig accepts always
 * builds a pipeline, and one it refuses names its variables. A rule is checked when its variables
 * are valid (an invalid one has its own line); one line per broken rule, naming both variables,
 * their values and the limit.
 *
 * The other rules of those parsers hold for every valid value: the buffer's `maxBytes` is the
 * smaller of the request size and the memory bound (its `capacity.maxBytes`), its `maxItems` and
 * `capacity.maxRecords` are constants, its spool is given whenever it overflows to the spool, and the
 * sink's backoff keeps its defaults. The default request size (memoryDefaults: at most 4 MiB) is under
 * the gzip limit.
 */
function crossVariableErrors(v: Values, env: Readonly<Record<string, string | undefined>>): string[] {
  const errors: string[] = [];
  const requestBytes = v.DATA_TAPS_MAX_REQUEST_BYTES;
  if (v.DATA_TAPS_GZIP && requestBytes !== undefined && requestBytes > MAX_GZIP_BODY_BYTES) {
    errors.push(
      `DATA_TAPS_MAX_REQUEST_BYTES=${show(env['DATA_TAPS_MAX_REQUEST_BYTES'] ?? '')} is invalid with DATA_TAPS_GZIP=${show(env['DATA_TAPS_GZIP'] ?? '')}: ` +
        `it must be at most ${MAX_GZIP_BODY_BYTES} when bodies are gzipped (the Function URL base64-encodes a binary body, and takes at most 6 MB); lower it, or set DATA_TAPS_GZIP=false`,
    );
  }
  return errors;
}

/** The outcome of {@link loadConfig}. */
export type LoadedConfig =
  | { ok: true; config: Config }
  | {
      ok: false;
      /** One line per invalid variable: its name, its value (never a secret's) and the accepted range. */
      errors: string[];
      /** What the lifecycle needs to stay registered without shipping; undefined when even that is invalid. */
      lifecycle:
        | { runtimeApi: string; extensionName: string; logLevel: Config['logLevel']; strict: boolean }
        | undefined;
    };

/**
 * Reads and validates the configuration from an environment. Never throws; an invalid environment
 * gives one line per bad variable, naming it, its value (never the token's) and the accepted range.
 * @example
 * const loaded = loadConfig(process.env);
 * if (!loaded.ok) for (const line of loaded.errors) logger.error(line);
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const errors: string[] = [];
  const values: Partial<Record<VariableName, unknown>> = {};
  for (const [name, variable] of Object.entries(VARIABLES) as [VariableName, Variable<unknown>][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if ('default' in variable) values[name] = variable.default;
      else if (!OPTIONAL.has(name)) errors.push(`${name} is not set: it must be ${variable.range}`);
      continue;
    }
    const parsed = variable.schema().safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else {
      const shown = variable.secret ? '(value hidden)' : `=${show(variable.display?.(raw) ?? raw)}`;
      errors.push(`${name}${shown} is invalid: it must be ${variable.range}`);
    }
  }
  const v = values as Values;
  errors.push(...crossVariableErrors(v, env));
  // The token variables (BD_TAP_CLIENT_TOKEN, BD_TAP_TOKEN_SOURCE, ...): see token-config.ts.
  const tokens = loadTokenConfig(env);
  if (!tokens.ok) errors.unshift(...tokens.errors);
  if (!tokens.ok || errors.length > 0) {
    const lifecycleOk = v.AWS_LAMBDA_RUNTIME_API !== undefined;
    return {
      ok: false,
      errors,
      lifecycle: lifecycleOk
        ? {
            runtimeApi: v.AWS_LAMBDA_RUNTIME_API,
            // An invalid EXTENSION_NAME must not stop the lifecycle: register under the default name.
            extensionName: v.EXTENSION_NAME ?? DEFAULT_EXTENSION_NAME,
            logLevel: v.DATA_TAPS_LOG_LEVEL ?? 'info',
            strict: v.DATA_TAPS_STRICT ?? false,
          }
        : undefined,
    };
  }
  const functionName = env['AWS_LAMBDA_FUNCTION_NAME'] ?? '';
  const functionMemoryMb = v.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? ASSUMED_FUNCTION_MEMORY_MB;
  const sized = memoryDefaults(functionMemoryMb, v.MAX_BYTES);
  return {
    ok: true,
    config: {
      tokens: tokens.value,
      tapUrl: v.BD_DATA_TAP_URL,
      extensionName: v.EXTENSION_NAME,
      receiverAddress: v.RECEIVER_ADDRESS,
      receiverPort: v.RECEIVER_PORT,
      telemetry: {
        maxItems: v.MAX_ITEMS,
        maxBytes: v.MAX_BYTES,
        timeoutMs: v.TIMEOUT_MS,
        apiVersion: v.AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION,
        schemaVersion: v.AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION,
        types: v.DATA_TAPS_TYPES,
      },
      runtimeApi: v.AWS_LAMBDA_RUNTIME_API,
      extensionApiVersion: v.AWS_LAMBDA_RUNTIME_EXTENSION_API_VERSION,
      flushStrategy: v.DATA_TAPS_FLUSH_STRATEGY,
      idleThresholdMs: v.DATA_TAPS_IDLE_THRESHOLD_MS,
      functionMemoryMb,
      requestTimeoutMs: v.DATA_TAPS_REQUEST_TIMEOUT_MS,
      maxRequestBytes: v.DATA_TAPS_MAX_REQUEST_BYTES ?? sized.maxRequestBytes,
      gzip: v.DATA_TAPS_GZIP,
      memoryMaxBytes: v.DATA_TAPS_MEMORY_MAX_BYTES ?? sized.memoryMaxBytes,
      spoolDir: v.DATA_TAPS_SPOOL_DIR,
      spoolMaxBytes: v.DATA_TAPS_SPOOL_MAX_BYTES,
      shutdownMarginMs: v.DATA_TAPS_SHUTDOWN_MARGIN_MS,
      logLevel: v.DATA_TAPS_LOG_LEVEL,
      strict: v.DATA_TAPS_STRICT,
      context: {
        functionName,
        functionVersion: env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '',
        region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? '',
        // Lambda does not pass the log group and stream to extensions: the group follows the default naming.
        logGroup: env['AWS_LAMBDA_LOG_GROUP_NAME'] ?? (functionName ? `/aws/lambda/${functionName}` : ''),
        logStream: env['AWS_LAMBDA_LOG_STREAM_NAME'] ?? '',
      },
    },
  };
}
