import * as z from 'zod/mini';
import {
  AWS_REGION,
  type AwsCredentialsInput,
  callAwsJsonApi,
  credentialsSchema,
  endpointSchema,
} from './aws-json-api.js';
import { TokenSourceError } from './errors.js';
import { parseOptions } from './options.js';
import {
  createRefreshingTokenProvider,
  type RefreshingTokenProvider,
  type RefreshingTokenProviderDeps,
  refreshSettingsShape,
} from './refreshing-token-provider.js';

const SOURCE = 'secretsmanager';

/** What the log says to do when the secret gives no fresh token, unless `remedy` is given. */
export const SECRETS_MANAGER_REMEDY =
  'Put a fresh tap client token in the secret (rotate it before the old one expires) and check that the function role may call secretsmanager:GetSecretValue on it.';

/**
 * Options of {@link createSecretsManagerTokenProvider}, plus the refresh settings
 * (`refreshBeforeMs`, `retryAfterMs`, ...; see {@link refreshSettingsShape}).
 *
 * @example
 * ```ts
 * const options = secretsManagerTokenProviderOptionsSchema.parse({ secretId: 'data-tap-token', region: 'eu-west-1', credentials });
 * ```
 */
export const secretsManagerTokenProviderOptionsSchema = z.strictObject({
  /** The secret's name or ARN. */
  secretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  /** The region of the secret (the function's own region, usually). */
  region: z.string().check(z.regex(AWS_REGION, 'expected an AWS region such as eu-west-1')),
  /**
   * When the secret string is a JSON object: the key holding the token. A secret string that is
   * not JSON is the token itself.
   */
  jsonKey: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'token'),
  /** The version stage read. */
  versionStage: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'AWSCURRENT'),
  /** The endpoint (default `https://secretsmanager.<region>.amazonaws.com/`). */
  endpoint: endpointSchema,
  /** The function's credentials, or a function giving them. */
  credentials: credentialsSchema,
  ...refreshSettingsShape,
});

/**
 * Options accepted by {@link createSecretsManagerTokenProvider}.
 *
 * @example
 * ```ts
 * const input: SecretsManagerTokenProviderOptionsInput = { secretId: 'data-tap-token', region, credentials };
 * ```
 */
export type SecretsManagerTokenProviderOptionsInput = z.input<
  typeof secretsManagerTokenProviderOptionsSchema
>;

/**
 * What {@link readSecretString} needs.
 *
 * @example
 * ```ts
 * const request: SecretRequest = { secretId: 'bd-account', region: 'eu-west-1', credentials };
 * ```
 */
export interface SecretRequest {
  secretId: string;
  region: string;
  credentials: AwsCredentialsInput;
  versionStage?: string;
  endpoint?: string | undefined;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * Reads a secret's `SecretString` with `GetSecretValue` (SigV4-signed, no AWS SDK). Throws a
 * {@link TokenSourceError} naming the AWS error; never echoes the secret's value.
 *
 * @example
 * ```ts
 * const json = await readSecretString({ secretId: 'bd-account', region: 'eu-west-1', credentials });
 * ```
 */
export async function readSecretString(request: SecretRequest): Promise<string> {
  const answer = await callAwsJsonApi({
    service: 'secretsmanager',
    source: SOURCE,
    region: request.region,
    endpoint: request.endpoint,
    target: 'secretsmanager.GetSecretValue',
    body: { SecretId: request.secretId, VersionStage: request.versionStage ?? 'AWSCURRENT' },
    credentials: request.credentials,
    fetch: request.fetch,
    now: request.now ?? Date.now,
    signal: request.signal ?? new AbortController().signal,
  });
  const value = answer['SecretString'];
  if (typeof value !== 'string') {
    throw new TokenSourceError(
      `${SOURCE}: the secret has no SecretString (a binary secret cannot hold the token)`,
      {
        source: SOURCE,
        isRetryable: false,
      },
    );
  }
  return value;
}

/**
 * The token in a secret string: the string itself, or, when it is a JSON object, its `jsonKey`
 * field. Errors name the key, never the value.
 *
 * @example
 * ```ts
 * tokenFromSecretString('{"token":"eyJ..."}', 'token', 'secretsmanager'); // 'eyJ...'
 * ```
 */
export function tokenFromSecretString(value: string, jsonKey: string, source: string): string {
  const text = value.trim();
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TokenSourceError(`${source}: the value starts with "{" but is not valid JSON`, {
      source,
      isRetryable: false,
    });
  }
  const token = (parsed as Record<string, unknown>)[jsonKey];
  if (typeof token !== 'string') {
    throw new TokenSourceError(`${source}: the JSON value has no string field "${jsonKey}"`, {
      source,
      isRetryable: false,
    });
  }
  return token;
}

/**
 * A provider reading the tap token from an AWS Secrets Manager secret that something else rotates
 * (a rotation Lambda, a scheduled job; see the extension's README for a recipe). The secret is read
 * at the first `getToken()`, then again in the background before the token's `exp` and after the
 * tap refuses it (see {@link createRefreshingTokenProvider}). Requests are signed with the
 * credentials given (the function's role) by this package's own SigV4 signer: no AWS SDK.
 *
 * @example
 * ```ts
 * const provider = createSecretsManagerTokenProvider(
 *   { secretId: 'data-tap-token', region: 'eu-west-1', credentials: () => awsCredentialsFromEnv(env)! },
 *   { logger },
 * );
 * void provider.refresh();
 * ```
 */
export function createSecretsManagerTokenProvider(
  options: SecretsManagerTokenProviderOptionsInput,
  deps: RefreshingTokenProviderDeps & { fetch?: typeof globalThis.fetch } = {},
): RefreshingTokenProvider {
  const config = parseOptions(
    secretsManagerTokenProviderOptionsSchema,
    options,
    'createSecretsManagerTokenProvider',
  );
  const { secretId, region, jsonKey, versionStage, endpoint, credentials, ...settings } = config;
  return createRefreshingTokenProvider(
    {
      ...settings,
      remedy: settings.remedy ?? SECRETS_MANAGER_REMEDY,
      source: SOURCE,
      fetchToken: async (signal) => {
        const value = await readSecretString({
          secretId,
          region,
          versionStage,
          endpoint,
          credentials,
          signal,
          ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
          ...(deps.now === undefined ? {} : { now: deps.now }),
        });
        return tokenFromSecretString(value, jsonKey, SOURCE);
      },
    },
    deps,
  );
}
