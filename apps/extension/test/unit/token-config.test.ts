import { describe, expect, it } from 'vitest';
import { loadTokenConfig, TOKEN_SOURCES, TOKEN_VARIABLES } from '../../src/token-config.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2VjcmV0LXNpZ25hdHVyZQ';
const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-key',
  AWS_SESSION_TOKEN: 'session',
};

function configOf(env: Record<string, string | undefined>) {
  const loaded = loadTokenConfig(env);
  if (!loaded.ok) throw new Error(`expected a valid token config, got: ${loaded.errors.join('; ')}`);
  return loaded.value;
}

function errorsOf(env: Record<string, string | undefined>) {
  const loaded = loadTokenConfig(env);
  if (loaded.ok) throw new Error('expected an invalid token config');
  return loaded.errors;
}

describe('loadTokenConfig', () => {
  it('defaults to the static token of BD_TAP_CLIENT_TOKEN', () => {
    expect(configOf({ BD_TAP_CLIENT_TOKEN: ` ${TOKEN} ` })).toEqual({
      source: 'static',
      token: TOKEN,
      warnBeforeMs: 3_600_000,
    });
    expect(
      configOf({
        BD_TAP_TOKEN_SOURCE: 'static',
        BD_TAP_CLIENT_TOKEN: TOKEN,
        BD_TAP_TOKEN_WARN_BEFORE_MS: '600000',
      }),
    ).toMatchObject({
      warnBeforeMs: 600_000,
    });
  });

  it('names a missing or invalid static token without showing it', () => {
    expect(errorsOf({})).toEqual([
      'BD_TAP_CLIENT_TOKEN is not set: it must be a non-empty Data Tap client token (visible ASCII, no spaces) (BD_TAP_TOKEN_SOURCE=static needs it)',
    ]);
    const errors = errorsOf({ BD_TAP_CLIENT_TOKEN: 'abc def' });
    expect(errors).toEqual([
      'BD_TAP_CLIENT_TOKEN (value hidden) is invalid: it must be a non-empty Data Tap client token (visible ASCII, no spaces)',
    ]);
  });

  it('names an unknown source and lists the accepted ones', () => {
    expect(errorsOf({ BD_TAP_TOKEN_SOURCE: 'vault', BD_TAP_CLIENT_TOKEN: TOKEN })).toEqual([
      `BD_TAP_TOKEN_SOURCE="vault" is invalid: it must be one of ${TOKEN_SOURCES.join(', ')}`,
    ]);
  });

  it('reads a Secrets Manager source, with the AWS credentials behind a function', () => {
    const value = configOf({
      ...AWS,
      BD_TAP_TOKEN_SOURCE: 'secretsmanager',
      BD_TAP_TOKEN_SECRET_ID: 'data-tap-token',
    });
    expect(value).toMatchObject({
      source: 'secretsmanager',
      secretId: 'data-tap-token',
      jsonKey: 'token',
      region: 'eu-west-1',
      endpoint: undefined,
      refresh: { refreshBeforeMs: 900_000, warnBeforeMs: 3_600_000 },
    });
    if (value.source !== 'secretsmanager') throw new Error('unexpected source');
    expect(value.credentials()).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-key',
      sessionToken: 'session',
    });
    expect(JSON.stringify(value)).not.toContain('secret-key');
  });

  it('reads an SSM source with its own region, key, endpoint and refresh margin', () => {
    const value = configOf({
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret-key',
      BD_TAP_TOKEN_SOURCE: 'ssm',
      BD_TAP_TOKEN_PARAMETER: '/data-taps/token',
      BD_TAP_TOKEN_REGION: 'us-east-1',
      BD_TAP_TOKEN_SECRET_KEY: 'tapToken',
      BD_TAP_TOKEN_ENDPOINT: 'http://127.0.0.1:4566/',
      BD_TAP_TOKEN_REFRESH_BEFORE_MS: '1800000',
    });
    expect(value).toMatchObject({
      source: 'ssm',
      parameterName: '/data-taps/token',
      jsonKey: 'tapToken',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566/',
      refresh: { refreshBeforeMs: 1_800_000 },
    });
    if (value.source !== 'ssm') throw new Error('unexpected source');
    expect(value.credentials()).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret-key' });
  });

  it('reads a BoilingData source', () => {
    const value = configOf({
      ...AWS,
      BD_TAP_TOKEN_SOURCE: 'boilingdata',
      BD_TAP_TOKEN_SECRET_ID: 'bd-account',
      BD_TAP_TOKEN_URL: 'https://api.example/taptoken',
      BD_TAP_TOKEN_API_KEY: 'api-key-value',
      BD_TAP_TOKEN_LIFETIME: '12h',
      BD_TAP_TOKEN_TAP_OWNER: 'owner@example.com',
    });
    expect(value).toMatchObject({
      source: 'boilingdata',
      secretId: 'bd-account',
      tokenUrl: 'https://api.example/taptoken',
      tokenLifetime: '12h',
      tapOwner: 'owner@example.com',
    });
    if (value.source !== 'boilingdata') throw new Error('unexpected source');
    expect(value.apiKey?.()).toBe('api-key-value');
    expect(JSON.stringify(value)).not.toContain('api-key-value');
    const plain = configOf({
      ...AWS,
      BD_TAP_TOKEN_SOURCE: 'boilingdata',
      BD_TAP_TOKEN_SECRET_ID: 's',
      BD_TAP_TOKEN_URL: 'https://a/',
    });
    expect(plain).toMatchObject({ tokenLifetime: '24h', apiKey: undefined, tapOwner: undefined });
  });

  it('gives one line per bad variable, never showing the API key', () => {
    const errors = errorsOf({
      BD_TAP_TOKEN_SOURCE: 'boilingdata',
      BD_TAP_TOKEN_URL: 'http://example.com/',
      BD_TAP_TOKEN_API_KEY: 'bad key',
      BD_TAP_TOKEN_LIFETIME: '48h',
      BD_TAP_TOKEN_REFRESH_BEFORE_MS: '-1',
      BD_TAP_TOKEN_WARN_BEFORE_MS: '99999999',
      BD_TAP_TOKEN_REGION: 'Ireland',
    });
    expect(errors).toEqual([
      `BD_TAP_TOKEN_SECRET_ID is not set: it must be ${TOKEN_VARIABLES.BD_TAP_TOKEN_SECRET_ID} (BD_TAP_TOKEN_SOURCE=boilingdata needs it)`,
      `BD_TAP_TOKEN_URL="http://example.com/" is invalid: it must be ${TOKEN_VARIABLES.BD_TAP_TOKEN_URL}`,
      `BD_TAP_TOKEN_REGION="Ireland" is invalid: it must be an AWS region such as eu-west-1`,
      'BD_TAP_TOKEN_API_KEY (value hidden) is invalid: it must be a non-empty API key',
      'BD_TAP_TOKEN_LIFETIME="48h" is invalid: it must be a lifetime from 10m to 24h, such as 24h or 90m',
      'BD_TAP_TOKEN_REFRESH_BEFORE_MS="-1" is invalid: it must be an integer from 0 to 86400000',
      'BD_TAP_TOKEN_WARN_BEFORE_MS="99999999" is invalid: it must be an integer from 0 to 86400000',
      "AWS_ACCESS_KEY_ID is not set: BD_TAP_TOKEN_SOURCE=boilingdata signs its AWS requests with the function's credentials (Lambda sets AWS_ACCESS_KEY_ID)",
      "AWS_SECRET_ACCESS_KEY is not set: BD_TAP_TOKEN_SOURCE=boilingdata signs its AWS requests with the function's credentials (Lambda sets AWS_SECRET_ACCESS_KEY)",
    ]);
  });

  it('needs a region from BD_TAP_TOKEN_REGION or AWS_REGION for a renewing source', () => {
    const { AWS_REGION: _, ...noRegion } = AWS;
    expect(errorsOf({ ...noRegion, BD_TAP_TOKEN_SOURCE: 'ssm', BD_TAP_TOKEN_PARAMETER: 'p' })).toEqual([
      'BD_TAP_TOKEN_REGION is not set and AWS_REGION gives no region: BD_TAP_TOKEN_SOURCE=ssm needs an AWS region such as eu-west-1',
    ]);
    expect(
      configOf({
        ...noRegion,
        AWS_DEFAULT_REGION: 'eu-north-1',
        BD_TAP_TOKEN_SOURCE: 'ssm',
        BD_TAP_TOKEN_PARAMETER: 'p',
      }),
    ).toMatchObject({
      region: 'eu-north-1',
    });
  });

  it.each([
    ['1d', true],
    ['10m', true],
    ['9m', false],
    ['1440m', true],
    ['2d', false],
    ['24', false],
  ])('accepts BD_TAP_TOKEN_LIFETIME=%s: %s', (lifetime, ok) => {
    const loaded = loadTokenConfig({
      ...AWS,
      BD_TAP_TOKEN_SOURCE: 'boilingdata',
      BD_TAP_TOKEN_SECRET_ID: 's',
      BD_TAP_TOKEN_URL: 'https://a/',
      BD_TAP_TOKEN_LIFETIME: lifetime,
    });
    expect(loaded.ok).toBe(ok);
  });

  it('refuses endpoints with credentials or of another scheme', () => {
    for (const endpoint of [
      'https://user:pw@example.com/',
      'ftp://example.com/',
      'not a url',
      'http://[::1]:4566/',
    ]) {
      const loaded = loadTokenConfig({
        ...AWS,
        BD_TAP_TOKEN_SOURCE: 'ssm',
        BD_TAP_TOKEN_PARAMETER: 'p',
        BD_TAP_TOKEN_ENDPOINT: endpoint,
      });
      expect(loaded.ok).toBe(endpoint === 'http://[::1]:4566/');
    }
  });
});
