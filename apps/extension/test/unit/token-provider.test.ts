import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import type { TokenConfig } from '../../src/token-config.js';
import { createTokenProvider, REMEDIES } from '../../src/token-provider.js';

const NOW = Date.UTC(2025, 0, 1, 12);
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (lifetimeMs: number, marker = 'a') =>
  `${encode({ alg: 'HS256' })}.${encode({ iat: NOW / 1000, exp: (NOW + lifetimeMs) / 1000, marker })}.c2ln`;

function recorder() {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { lines, logger };
}

/** A fetch answering by URL and X-Amz-Target, recording each call. */
function fakeFetch(
  answer: (url: string, target: string | null, body: Record<string, unknown>) => [number, unknown],
) {
  const calls: Array<{
    url: string;
    target: string | null;
    body: Record<string, unknown>;
    headers: Headers;
  }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    const url = String(input);
    calls.push({ url, target: headers.get('x-amz-target'), body, headers });
    const [status, json] = answer(url, headers.get('x-amz-target'), body);
    return new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const credentials = () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret-key', sessionToken: 'session' });
const refresh = { refreshBeforeMs: 900_000, warnBeforeMs: 3_600_000 };

describe('createTokenProvider', () => {
  it('builds the static provider, whose log names BD_TAP_CLIENT_TOKEN as the remedy', async () => {
    const { lines, logger } = recorder();
    const token = jwt(30 * 60_000);
    const provider = await createTokenProvider(
      { source: 'static', token, warnBeforeMs: 3_600_000 },
      { logger, now: () => NOW },
    );
    expect(await provider.getToken()).toBe(token);
    expect(provider.source).toBe('static');
    expect(provider.refresh).toBeUndefined();
    expect(provider.remedy).toBe(REMEDIES.static);
    expect(lines.map((line) => line.level)).toEqual(['info', 'warn']);
    expect(lines[1]?.message).toContain('Set BD_TAP_CLIENT_TOKEN to a fresh token');
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('builds the Secrets Manager provider from the configuration', async () => {
    const { logger } = recorder();
    const token = jwt(24 * 3_600_000);
    const { fetch, calls } = fakeFetch(() => [200, { SecretString: JSON.stringify({ tapToken: token }) }]);
    const config: TokenConfig = {
      source: 'secretsmanager',
      secretId: 'data-tap-token',
      jsonKey: 'tapToken',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566/',
      refresh,
      credentials,
    };
    const events: string[] = [];
    const provider = await createTokenProvider(config, {
      logger,
      fetch,
      now: () => NOW,
      onEvent: (event) => events.push(event.kind),
    });
    expect(await provider.refresh?.()).toBe(true);
    expect(await provider.getToken()).toBe(token);
    expect(calls[0]).toMatchObject({
      url: 'http://127.0.0.1:4566/',
      target: 'secretsmanager.GetSecretValue',
      body: { SecretId: 'data-tap-token' },
    });
    expect(calls[0]?.headers.get('authorization')).toContain(
      'Credential=AKID/20250101/eu-west-1/secretsmanager/aws4_request',
    );
    expect(events).toEqual(['obtained']);
    expect(provider.status()).toMatchObject({ source: 'secretsmanager', hasToken: true });
  });

  it('builds the SSM provider against the default endpoint', async () => {
    const { logger } = recorder();
    const token = jwt(3_600_000);
    const { fetch, calls } = fakeFetch(() => [200, { Parameter: { Value: token } }]);
    const provider = await createTokenProvider(
      {
        source: 'ssm',
        parameterName: '/data-taps/token',
        jsonKey: 'token',
        region: 'eu-west-1',
        endpoint: undefined,
        refresh,
        credentials,
      },
      { logger, fetch, now: () => NOW },
    );
    expect(await provider.getToken()).toBe(token);
    expect(calls[0]).toMatchObject({
      url: 'https://ssm.eu-west-1.amazonaws.com/',
      target: 'AmazonSSM.GetParameter',
    });
    expect(provider.remedy).toContain('BD_TAP_TOKEN_PARAMETER');
  });

  it('builds the BoilingData provider, reading the account from the secret before logging in', async () => {
    const { lines, logger } = recorder();
    const { fetch, calls } = fakeFetch((_url, target) =>
      target === 'secretsmanager.GetSecretValue'
        ? [200, { SecretString: JSON.stringify({ username: 'me@example.com', password: 'pw-value' }) }]
        : [400, { __type: 'UserNotFoundException', message: 'User does not exist.' }],
    );
    const provider = await createTokenProvider(
      {
        source: 'boilingdata',
        secretId: 'bd-account',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:4566/',
        tokenUrl: 'https://api.example/taptoken',
        apiKey: () => 'key',
        tokenLifetime: '24h',
        tapOwner: 'owner@example.com',
        refresh,
        credentials,
      },
      { logger, fetch, now: () => NOW },
    );
    expect(await provider.refresh?.()).toBe(false);
    expect(calls.map((call) => call.target)).toEqual([
      'secretsmanager.GetSecretValue',
      'AWSCognitoIdentityProviderService.InitiateAuth',
    ]);
    expect(calls[1]?.body).toMatchObject({
      AuthFlow: 'USER_SRP_AUTH',
      AuthParameters: { USERNAME: 'me@example.com' },
    });
    expect(provider.status().lastError).toBe(
      'boilingdata: Cognito InitiateAuth answered 400 UserNotFoundException: User does not exist.',
    );
    expect(lines.at(-1)?.message).toContain('BD_TAP_TOKEN_SECRET_ID');
    expect(JSON.stringify(lines) + JSON.stringify(calls.map((call) => call.body))).not.toContain('pw-value');
  });

  it('builds the BoilingData provider without optional settings', async () => {
    const { logger } = recorder();
    const { fetch } = fakeFetch(() => [500, {}]);
    const provider = await createTokenProvider(
      {
        source: 'boilingdata',
        secretId: 'bd-account',
        region: 'eu-west-1',
        endpoint: undefined,
        tokenUrl: 'https://api.example/taptoken',
        apiKey: undefined,
        tokenLifetime: '1d',
        tapOwner: undefined,
        refresh,
        credentials,
      },
      { logger, fetch },
    );
    expect(await provider.refresh?.()).toBe(false);
    expect(provider.status().lastError).toContain('secretsmanager');
  });
});
