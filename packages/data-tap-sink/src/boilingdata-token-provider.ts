import * as z from 'zod/mini';
import { createSrpClient } from './cognito-srp.js';
import { TokenSourceError } from './errors.js';
import { parseOptions } from './options.js';
import {
  createRefreshingTokenProvider,
  type RefreshingTokenProvider,
  type RefreshingTokenProviderDeps,
  refreshSettingsShape,
} from './refreshing-token-provider.js';
import { MAX_READ_BYTES, readBodyText } from './response.js';
import { checkTapUrl } from './url.js';

const SOURCE = 'boilingdata';

/** What the log says to do when no fresh token comes from the account, unless `remedy` is given. */
export const BOILINGDATA_REMEDY =
  'Check the BoilingData user name and password in the credentials secret (an account with MFA cannot log in unattended) and that the account may write to the tap.';

/** `10m` .. `24h`, in minutes (`m`), hours (`h`) or one day (`1d`), as BoilingData's clients write it. */
const LIFETIME = /^(\d{1,4})(m|h|d)$/;

function lifetimeMs(text: string): number {
  const match = LIFETIME.exec(text);
  if (match === null) return Number.NaN;
  const unit = match[2] === 'm' ? 60_000 : match[2] === 'h' ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unit;
}

const httpsUrl = z.string().check(
  z.superRefine((value, context) => {
    const problem = checkTapUrl(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  }),
);

/**
 * A BoilingData account's credentials. Read them from a secret (never from plain environment
 * variables); they are never logged.
 *
 * @example
 * ```ts
 * const credentials: BoilingDataCredentials = boilingDataCredentialsFromJson(await readSecretString(request));
 * ```
 */
export interface BoilingDataCredentials {
  username: string;
  password: string;
}

/**
 * Options of {@link createBoilingDataTokenProvider}, plus the refresh settings
 * (`refreshBeforeMs`, ...). The Cognito defaults are the user pool and app client BoilingData's
 * public clients (`bdcli`, `@boilingdata/node-boilingdata`) log in with.
 *
 * @example
 * ```ts
 * const options = boilingDataTokenProviderOptionsSchema.parse({ tokenUrl, credentials });
 * ```
 */
export const boilingDataTokenProviderOptionsSchema = z.strictObject({
  /** The BoilingData API URL that vends tap client tokens (POST `{ tokenLifetime, sharingUser }`). */
  tokenUrl: httpsUrl,
  /** The BoilingData API key sent as `x-api-key`, when the API asks for one. */
  apiKey: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** The lifetime asked for: `10m` to `24h` (BoilingData's default and free-tier maximum). */
  tokenLifetime: z._default(
    z.string().check(
      z.refine((value) => {
        const ms = lifetimeMs(value);
        return ms >= 600_000 && ms <= 86_400_000;
      }, 'expected a lifetime from 10m to 24h, such as "24h" or "90m"'),
    ),
    '24h',
  ),
  /** The BoilingData user owning the tap (one that shared it with you); default: your own user. */
  tapOwner: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** The account's credentials, or a function reading them (from a secret) at each login. */
  credentials: z.custom<
    BoilingDataCredentials | (() => BoilingDataCredentials | Promise<BoilingDataCredentials>)
  >(
    (value) =>
      typeof value === 'function' ||
      (typeof value === 'object' &&
        value !== null &&
        typeof (value as BoilingDataCredentials).username === 'string' &&
        typeof (value as BoilingDataCredentials).password === 'string'),
    'expected { username, password } or a function returning them',
  ),
  cognitoRegion: z._default(z.string().check(z.regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/)), 'eu-west-1'),
  userPoolId: z._default(
    z.string().check(z.regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}_[A-Za-z0-9]+$/)),
    'eu-west-1_0GLV9KO1p',
  ),
  clientId: z._default(z.string().check(z.regex(/^[A-Za-z0-9]{1,128}$/)), '6timr8knllr4frovfvq8r2o6oo'),
  /** The Cognito endpoint (default `https://cognito-idp.<cognitoRegion>.amazonaws.com/`). */
  cognitoEndpoint: z.optional(httpsUrl),
  ...refreshSettingsShape,
});

/**
 * Options accepted by {@link createBoilingDataTokenProvider}.
 *
 * @example
 * ```ts
 * const input: BoilingDataTokenProviderOptionsInput = { tokenUrl, credentials, tokenLifetime: '12h' };
 * ```
 */
export type BoilingDataTokenProviderOptionsInput = z.input<typeof boilingDataTokenProviderOptionsSchema>;

/**
 * Reads `{"username": "...", "password": "..."}` (the shape of the credentials secret). Errors
 * name the missing field, never a value.
 *
 * @example
 * ```ts
 * boilingDataCredentialsFromJson('{"username":"me@example.com","password":"..."}');
 * ```
 */
export function boilingDataCredentialsFromJson(text: string): BoilingDataCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TokenSourceError(`${SOURCE}: the credentials secret is not JSON`, {
      source: SOURCE,
      isRetryable: false,
    });
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new TokenSourceError(
      `${SOURCE}: the credentials secret needs non-empty "username" and "password" fields`,
      { source: SOURCE, isRetryable: false },
    );
  }
  return { username, password };
}

interface Call {
  fetch: typeof globalThis.fetch;
  signal: AbortSignal;
}

async function postJson(
  call: Call,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  what: string,
): Promise<{ status: number; answer: Record<string, unknown> }> {
  let status: number;
  let text: string;
  try {
    const response = await call.fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: call.signal,
    });
    status = response.status;
    text = await readBodyText(response, MAX_READ_BYTES);
  } catch (cause) {
    throw new TokenSourceError(
      `${SOURCE}: ${what} request failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        source: SOURCE,
        cause,
      },
    );
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new TokenSourceError(`${SOURCE}: ${what} answered ${status} without a JSON object`, {
      source: SOURCE,
      statusCode: status,
    });
  }
  return { status, answer: answer as Record<string, unknown> };
}

function cognitoFailure(status: number, answer: Record<string, unknown>, what: string): TokenSourceError {
  const type = String(answer['__type'] ?? 'unknown error').replace(/^.*#/, '');
  const message = String(answer['message'] ?? '').slice(0, 300);
  return new TokenSourceError(
    `${SOURCE}: Cognito ${what} answered ${status} ${type}${message === '' ? '' : `: ${message}`}`,
    {
      source: SOURCE,
      statusCode: status,
      isRetryable: status >= 500 || /TooManyRequests|Throttl/.test(type),
    },
  );
}

/**
 * A provider fetching fresh tap client tokens from a BoilingData account, the way BoilingData's
 * public clients do: a Cognito `USER_SRP_AUTH` login (the password is proven with SRP, never
 * sent), then a POST of `{ tokenLifetime, sharingUser }` with the Cognito ID token as
 * `Authorization` to `tokenUrl`, which answers `{ ResponseCode: "00", bdTapToken }`. Refreshed in
 * the background before `exp` like the other providers ({@link createRefreshingTokenProvider}).
 * Accounts with MFA cannot log in unattended and fail with a clear error.
 *
 * @example
 * ```ts
 * const provider = createBoilingDataTokenProvider(
 *   { tokenUrl, credentials: async () => boilingDataCredentialsFromJson(await readSecretString(secret)), tokenLifetime: '24h' },
 *   { logger },
 * );
 * ```
 */
export function createBoilingDataTokenProvider(
  options: BoilingDataTokenProviderOptionsInput,
  deps: RefreshingTokenProviderDeps & {
    fetch?: typeof globalThis.fetch;
    random?: (size: number) => Buffer;
  } = {},
): RefreshingTokenProvider {
  const config = parseOptions(
    boilingDataTokenProviderOptionsSchema,
    options,
    'createBoilingDataTokenProvider',
  );
  const {
    tokenUrl,
    apiKey,
    tokenLifetime,
    tapOwner,
    credentials,
    cognitoRegion,
    userPoolId,
    clientId,
    cognitoEndpoint,
    ...settings
  } = config;
  const cognitoUrl = cognitoEndpoint ?? `https://cognito-idp.${cognitoRegion}.amazonaws.com/`;
  const now = deps.now ?? Date.now;

  async function login(call: Call, account: BoilingDataCredentials): Promise<string> {
    const cognito = (target: string) => ({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    });
    const srp = createSrpClient(deps.random);
    const started = await postJson(
      call,
      cognitoUrl,
      cognito('InitiateAuth'),
      {
        AuthFlow: 'USER_SRP_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: account.username, SRP_A: srp.A },
      },
      'InitiateAuth',
    );
    if (started.status !== 200) throw cognitoFailure(started.status, started.answer, 'InitiateAuth');
    const challenge = started.answer['ChallengeParameters'] as Record<string, unknown> | undefined;
    if (
      started.answer['ChallengeName'] !== 'PASSWORD_VERIFIER' ||
      !challenge ||
      !['SALT', 'SRP_B', 'SECRET_BLOCK', 'USER_ID_FOR_SRP'].every((key) => typeof challenge[key] === 'string')
    ) {
      throw new TokenSourceError(
        `${SOURCE}: Cognito InitiateAuth asked for ${String(started.answer['ChallengeName'] ?? 'nothing')}, not PASSWORD_VERIFIER`,
        { source: SOURCE, isRetryable: false },
      );
    }
    let responses: Record<string, string>;
    try {
      responses = srp.answer({
        userPoolId,
        password: account.password,
        challenge: challenge as {
          SALT: string;
          SRP_B: string;
          SECRET_BLOCK: string;
          USER_ID_FOR_SRP: string;
        },
        date: new Date(now()),
      });
    } catch (cause) {
      throw new TokenSourceError(`${SOURCE}: Cognito login failed: ${(cause as Error).message}`, {
        source: SOURCE,
        cause,
      });
    }
    const verified = await postJson(
      call,
      cognitoUrl,
      cognito('RespondToAuthChallenge'),
      { ChallengeName: 'PASSWORD_VERIFIER', ClientId: clientId, ChallengeResponses: responses },
      'RespondToAuthChallenge',
    );
    if (verified.status !== 200)
      throw cognitoFailure(verified.status, verified.answer, 'RespondToAuthChallenge');
    const result = verified.answer['AuthenticationResult'] as Record<string, unknown> | undefined;
    const idToken = result?.['IdToken'];
    if (typeof idToken !== 'string' || idToken === '') {
      const next = verified.answer['ChallengeName'];
      throw new TokenSourceError(
        next === undefined
          ? `${SOURCE}: Cognito gave no ID token`
          : `${SOURCE}: Cognito asks for ${String(next)} (MFA or a new password): an unattended login cannot answer it`,
        { source: SOURCE, isRetryable: false },
      );
    }
    return idToken;
  }

  return createRefreshingTokenProvider(
    {
      ...settings,
      remedy: settings.remedy ?? BOILINGDATA_REMEDY,
      source: SOURCE,
      fetchToken: async (signal) => {
        const call: Call = { fetch: deps.fetch ?? globalThis.fetch, signal };
        let account: BoilingDataCredentials;
        try {
          account = typeof credentials === 'function' ? await credentials() : credentials;
        } catch (cause) {
          throw new TokenSourceError(
            `${SOURCE}: the account credentials could not be read: ${cause instanceof Error ? cause.message : String(cause)}`,
            { source: SOURCE, cause },
          );
        }
        const idToken = await login(call, account);
        const headers: Record<string, string> = {
          authorization: idToken,
          'content-type': 'application/json',
          accept: 'application/json',
        };
        if (apiKey !== undefined) headers['x-api-key'] = apiKey;
        const vended = await postJson(
          call,
          tokenUrl,
          headers,
          { tokenLifetime, sharingUser: tapOwner ?? account.username },
          'tap token',
        );
        const token = vended.answer['bdTapToken'];
        if (vended.status !== 200 || vended.answer['ResponseCode'] !== '00' || typeof token !== 'string') {
          const text = String(vended.answer['ResponseText'] ?? vended.answer['message'] ?? '').slice(0, 300);
          throw new TokenSourceError(
            `${SOURCE}: the tap token request answered ${vended.status}${text === '' ? '' : `: ${text}`}`,
            {
              source: SOURCE,
              statusCode: vended.status,
              isRetryable: vended.status >= 500 || vended.status === 429,
            },
          );
        }
        return token;
      },
    },
    deps,
  );
}
