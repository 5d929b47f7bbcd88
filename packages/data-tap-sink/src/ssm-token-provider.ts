import * as z from 'zod/mini';
import { AWS_REGION, callAwsJsonApi, credentialsSchema, endpointSchema } from './aws-json-api.js';
import { TokenSourceError } from './errors.js';
import { parseOptions } from './options.js';
import {
  createRefreshingTokenProvider,
  type RefreshingTokenProvider,
  type RefreshingTokenProviderDeps,
  refreshSettingsShape,
} from './refreshing-token-provider.js';
import { tokenFromSecretString } from './secrets-manager-token-provider.js';

const SOURCE = 'ssm';

/** What the log says to do when the parameter gives no fresh token, unless `remedy` is given. */
export const SSM_REMEDY =
  'Put a fresh tap client token in the parameter (update it before the old one expires) and check that the function role may call ssm:GetParameter on it (and kms:Decrypt for a SecureString with its own key).';

/**
 * Options of {@link createSsmTokenProvider}, plus the refresh settings (`refreshBeforeMs`,
 * `retryAfterMs`, ...; see {@link refreshSettingsShape}).
 *
 * @example
 * ```ts
 * const options = ssmTokenProviderOptionsSchema.parse({ parameterName: '/data-taps/token', region: 'eu-west-1', credentials });
 * ```
 */
export const ssmTokenProviderOptionsSchema = z.strictObject({
  /** The parameter's name (`/data-taps/token`) or ARN. */
  parameterName: z.string().check(z.minLength(1), z.maxLength(2048)),
  region: z.string().check(z.regex(AWS_REGION, 'expected an AWS region such as eu-west-1')),
  /** When the value is a JSON object: the key holding the token. */
  jsonKey: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'token'),
  /** The endpoint (default `https://ssm.<region>.amazonaws.com/`). */
  endpoint: endpointSchema,
  credentials: credentialsSchema,
  ...refreshSettingsShape,
});

/**
 * Options accepted by {@link createSsmTokenProvider}.
 *
 * @example
 * ```ts
 * const input: SsmTokenProviderOptionsInput = { parameterName: '/data-taps/token', region, credentials };
 * ```
 */
export type SsmTokenProviderOptionsInput = z.input<typeof ssmTokenProviderOptionsSchema>;

/**
 * A provider reading the tap token from an SSM Parameter Store parameter (a `SecureString`,
 * read with decryption) that something else updates. Same refresh behaviour as
 * {@link createSecretsManagerTokenProvider}; SigV4-signed `GetParameter`, no AWS SDK.
 *
 * @example
 * ```ts
 * const provider = createSsmTokenProvider(
 *   { parameterName: '/data-taps/token', region: 'eu-west-1', credentials: () => awsCredentialsFromEnv(env)! },
 *   { logger },
 * );
 * ```
 */
export function createSsmTokenProvider(
  options: SsmTokenProviderOptionsInput,
  deps: RefreshingTokenProviderDeps & { fetch?: typeof globalThis.fetch } = {},
): RefreshingTokenProvider {
  const config = parseOptions(ssmTokenProviderOptionsSchema, options, 'createSsmTokenProvider');
  const { parameterName, region, jsonKey, endpoint, credentials, ...settings } = config;
  return createRefreshingTokenProvider(
    {
      ...settings,
      remedy: settings.remedy ?? SSM_REMEDY,
      source: SOURCE,
      fetchToken: async (signal) => {
        const answer = await callAwsJsonApi({
          service: 'ssm',
          source: SOURCE,
          region,
          endpoint,
          target: 'AmazonSSM.GetParameter',
          body: { Name: parameterName, WithDecryption: true },
          credentials,
          fetch: deps.fetch,
          now: deps.now ?? Date.now,
          signal,
        });
        const parameter = answer['Parameter'] as Record<string, unknown> | undefined;
        const value = parameter?.['Value'];
        if (typeof value !== 'string') {
          throw new TokenSourceError(`${SOURCE}: the answer has no Parameter.Value`, { source: SOURCE });
        }
        return tokenFromSecretString(value, jsonKey, SOURCE);
      },
    },
    deps,
  );
}
