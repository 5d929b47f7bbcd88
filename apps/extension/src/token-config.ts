/**
 * Where the extension gets its Data Tap token: the variables that choose and configure the token
 * source, validated in one place (like `loadConfig`). Only this file and config.ts read the
 * environment; the provider itself is built by token-provider.ts.
 */
import * as z from 'zod/mini';
import { once } from './once.js';
import { show, URL_RANGE, urlSchema } from './variable-text.js';

/** The token sources the extension can use. */
export const TOKEN_SOURCES = ['static', 'secretsmanager', 'ssm', 'boilingdata'] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

/** AWS credentials for signing requests; read from the environment Lambda gives the extension. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** When a renewing source refreshes, and when the log warns. */
export interface RefreshSettings {
  refreshBeforeMs: number;
  warnBeforeMs: number;
}

/** The validated token configuration: one shape per source. Never log `token` or `credentials()`. */
export type TokenConfig =
  | { source: 'static'; token: string; warnBeforeMs: number }
  | {
      source: 'secretsmanager';
      secretId: string;
      jsonKey: string;
      region: string;
      endpoint: string | undefined;
      refresh: RefreshSettings;
      /** A function, so that the credentials never appear when the configuration is logged. */
      credentials: () => AwsCredentials;
    }
  | {
      source: 'ssm';
      parameterName: string;
      jsonKey: string;
      region: string;
      endpoint: string | undefined;
      refresh: RefreshSettings;
      credentials: () => AwsCredentials;
    }
  | {
      source: 'boilingdata';
      /** The Secrets Manager secret holding `{"username","password"}` of the BoilingData account. */
      secretId: string;
      region: string;
      endpoint: string | undefined;
      tokenUrl: string;
      apiKey: (() => string) | undefined;
      tokenLifetime: string;
      tapOwner: string | undefined;
      refresh: RefreshSettings;
      credentials: () => AwsCredentials;
    };

/** The outcome of {@link loadTokenConfig}. */
export type LoadedTokenConfig = { ok: true; value: TokenConfig } | { ok: false; errors: string[] };

/** Every variable {@link loadTokenConfig} reads, with what it accepts (for the README and errors). */
export const TOKEN_VARIABLES = {
  BD_TAP_TOKEN_SOURCE: `one of ${TOKEN_SOURCES.join(', ')}`,
  BD_TAP_CLIENT_TOKEN: 'a non-empty Data Tap client token (visible ASCII, no spaces)',
  BD_TAP_TOKEN_SECRET_ID: 'a Secrets Manager secret name or ARN',
  BD_TAP_TOKEN_SECRET_KEY: 'a JSON key (letters, digits, "_", "-", ".")',
  BD_TAP_TOKEN_PARAMETER: 'an SSM parameter name (such as /data-taps/token) or ARN',
  BD_TAP_TOKEN_REGION: 'an AWS region such as eu-west-1',
  BD_TAP_TOKEN_ENDPOINT: URL_RANGE,
  BD_TAP_TOKEN_REFRESH_BEFORE_MS: 'an integer from 0 to 86400000',
  BD_TAP_TOKEN_WARN_BEFORE_MS: 'an integer from 0 to 86400000',
  BD_TAP_TOKEN_URL: URL_RANGE,
  BD_TAP_TOKEN_API_KEY: 'a non-empty API key',
  BD_TAP_TOKEN_LIFETIME: 'a lifetime from 10m to 24h, such as 24h or 90m',
  BD_TAP_TOKEN_TAP_OWNER: 'a BoilingData user name (the tap owner who shared it with you)',
} as const;

type Name = keyof typeof TOKEN_VARIABLES;

const lifetimeSchema = once(() =>
  z.string().check(
    z.refine((value) => {
      const match = /^(\d{1,4})(m|h|d)$/.exec(value);
      if (match === null) return false;
      const minutes = Number(match[1]) * (match[2] === 'm' ? 1 : match[2] === 'h' ? 60 : 1440);
      return minutes >= 10 && minutes <= 1440;
    }),
  ),
);

const pattern = (regex: RegExp) => once(() => z.string().check(z.regex(regex)));
const milliseconds = once(() =>
  z.string().check(
    z.regex(/^\d{1,8}$/),
    z.refine((value) => Number(value) <= 86_400_000),
  ),
);

/** Each variable's schema, built the first time the variable is read (most are never set). */
const SCHEMAS: Record<Name, () => z.ZodMiniType<unknown>> = {
  BD_TAP_TOKEN_SOURCE: once(() => z.enum(TOKEN_SOURCES)),
  BD_TAP_CLIENT_TOKEN: pattern(/^[\x21-\x7e]+$/),
  BD_TAP_TOKEN_SECRET_ID: pattern(/^[\x21-\x7e]{1,2048}$/),
  BD_TAP_TOKEN_SECRET_KEY: pattern(/^[A-Za-z0-9_.-]{1,256}$/),
  BD_TAP_TOKEN_PARAMETER: pattern(/^[\x21-\x7e]{1,2048}$/),
  BD_TAP_TOKEN_REGION: pattern(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/),
  BD_TAP_TOKEN_ENDPOINT: urlSchema,
  BD_TAP_TOKEN_REFRESH_BEFORE_MS: milliseconds,
  BD_TAP_TOKEN_WARN_BEFORE_MS: milliseconds,
  BD_TAP_TOKEN_URL: urlSchema,
  BD_TAP_TOKEN_API_KEY: pattern(/^[\x21-\x7e]{1,256}$/),
  BD_TAP_TOKEN_LIFETIME: lifetimeSchema,
  BD_TAP_TOKEN_TAP_OWNER: pattern(/^\S{1,256}$/),
};

/** Variables whose values are never shown in an error. */
const SECRET: ReadonlySet<Name> = new Set(['BD_TAP_CLIENT_TOKEN', 'BD_TAP_TOKEN_API_KEY']);

/** Which variables each source needs (besides the AWS credentials) and may use. */
const NEEDS: Record<TokenSource, { required: Name[]; optional: Name[] }> = {
  static: { required: ['BD_TAP_CLIENT_TOKEN'], optional: ['BD_TAP_TOKEN_WARN_BEFORE_MS'] },
  secretsmanager: {
    required: ['BD_TAP_TOKEN_SECRET_ID'],
    optional: [
      'BD_TAP_TOKEN_SECRET_KEY',
      'BD_TAP_TOKEN_REGION',
      'BD_TAP_TOKEN_ENDPOINT',
      'BD_TAP_TOKEN_REFRESH_BEFORE_MS',
      'BD_TAP_TOKEN_WARN_BEFORE_MS',
    ],
  },
  ssm: {
    required: ['BD_TAP_TOKEN_PARAMETER'],
    optional: [
      'BD_TAP_TOKEN_SECRET_KEY',
      'BD_TAP_TOKEN_REGION',
      'BD_TAP_TOKEN_ENDPOINT',
      'BD_TAP_TOKEN_REFRESH_BEFORE_MS',
      'BD_TAP_TOKEN_WARN_BEFORE_MS',
    ],
  },
  boilingdata: {
    required: ['BD_TAP_TOKEN_SECRET_ID', 'BD_TAP_TOKEN_URL'],
    optional: [
      'BD_TAP_TOKEN_REGION',
      'BD_TAP_TOKEN_ENDPOINT',
      'BD_TAP_TOKEN_API_KEY',
      'BD_TAP_TOKEN_LIFETIME',
      'BD_TAP_TOKEN_TAP_OWNER',
      'BD_TAP_TOKEN_REFRESH_BEFORE_MS',
      'BD_TAP_TOKEN_WARN_BEFORE_MS',
    ],
  },
};

/**
 * Reads and validates the token source configuration. Never throws: an invalid environment gives
 * one line per bad variable, naming it, its value (never a token's or key's) and what it accepts.
 * A renewing source (not `static`) needs the function's AWS credentials (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, set by Lambda) and a region (`BD_TAP_TOKEN_REGION`, else `AWS_REGION`).
 * @example
 * const loaded = loadTokenConfig(process.env);
 * if (!loaded.ok) for (const line of loaded.errors) logger.error(line);
 */
export function loadTokenConfig(env: Readonly<Record<string, string | undefined>>): LoadedTokenConfig {
  const errors: string[] = [];
  const read = (name: Name): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = name === 'BD_TAP_CLIENT_TOKEN' ? raw.trim() : raw;
    if (SCHEMAS[name]().safeParse(value).success) return value;
    const shown = SECRET.has(name) ? ' (value hidden)' : `=${show(raw)}`;
    errors.push(`${name}${shown} is invalid: it must be ${TOKEN_VARIABLES[name]}`);
    return undefined;
  };

  const sourceText = read('BD_TAP_TOKEN_SOURCE');
  if (env['BD_TAP_TOKEN_SOURCE']?.trim() && sourceText === undefined) return { ok: false, errors };
  const source = (sourceText ?? 'static') as TokenSource;
  const needs = NEEDS[source];
  const values: Partial<Record<Name, string>> = {};
  for (const name of needs.required) {
    const value = read(name);
    if (value !== undefined) values[name] = value;
    else if (!env[name]?.trim()) {
      errors.push(
        `${name} is not set: it must be ${TOKEN_VARIABLES[name]} (BD_TAP_TOKEN_SOURCE=${source} needs it)`,
      );
    }
  }
  for (const name of needs.optional) {
    const value = read(name);
    if (value !== undefined) values[name] = value;
  }

  const warnBeforeMs = Number(values.BD_TAP_TOKEN_WARN_BEFORE_MS ?? 3_600_000);
  if (source === 'static') {
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, value: { source, token: values.BD_TAP_CLIENT_TOKEN as string, warnBeforeMs } };
  }

  const region = values.BD_TAP_TOKEN_REGION ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  const regionReported =
    Boolean(env['BD_TAP_TOKEN_REGION']?.trim()) && values.BD_TAP_TOKEN_REGION === undefined;
  if (!regionReported && (region === undefined || !SCHEMAS.BD_TAP_TOKEN_REGION().safeParse(region).success)) {
    errors.push(
      `BD_TAP_TOKEN_REGION is not set and AWS_REGION gives no region: BD_TAP_TOKEN_SOURCE=${source} needs ${TOKEN_VARIABLES.BD_TAP_TOKEN_REGION}`,
    );
  }
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  for (const [name, value] of [
    ['AWS_ACCESS_KEY_ID', accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', secretAccessKey],
  ] as const) {
    if (!value) {
      errors.push(
        `${name} is not set: BD_TAP_TOKEN_SOURCE=${source} signs its AWS requests with the function's credentials (Lambda sets ${name})`,
      );
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const sessionToken = env['AWS_SESSION_TOKEN'];
  const credentials = (): AwsCredentials => ({
    accessKeyId: accessKeyId as string,
    secretAccessKey: secretAccessKey as string,
    ...(sessionToken ? { sessionToken } : {}),
  });
  const common = {
    region: region as string,
    endpoint: values.BD_TAP_TOKEN_ENDPOINT,
    refresh: { refreshBeforeMs: Number(values.BD_TAP_TOKEN_REFRESH_BEFORE_MS ?? 900_000), warnBeforeMs },
    credentials,
  };
  if (source === 'secretsmanager') {
    return {
      ok: true,
      value: {
        source,
        secretId: values.BD_TAP_TOKEN_SECRET_ID as string,
        jsonKey: values.BD_TAP_TOKEN_SECRET_KEY ?? 'token',
        ...common,
      },
    };
  }
  if (source === 'ssm') {
    return {
      ok: true,
      value: {
        source,
        parameterName: values.BD_TAP_TOKEN_PARAMETER as string,
        jsonKey: values.BD_TAP_TOKEN_SECRET_KEY ?? 'token',
        ...common,
      },
    };
  }
  const apiKey = values.BD_TAP_TOKEN_API_KEY;
  return {
    ok: true,
    value: {
      source,
      secretId: values.BD_TAP_TOKEN_SECRET_ID as string,
      tokenUrl: values.BD_TAP_TOKEN_URL as string,
      apiKey: apiKey === undefined ? undefined : () => apiKey,
      tokenLifetime: values.BD_TAP_TOKEN_LIFETIME ?? '24h',
      tapOwner: values.BD_TAP_TOKEN_TAP_OWNER,
      ...common,
    },
  };
}
