import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callAwsJsonApi,
  createSecretsManagerTokenProvider,
  createSsmTokenProvider,
  readSecretString,
  tokenFromSecretString,
} from '../../src/aws.js';
import { DataTapSinkOptionsError, TokenSourceError } from '../../src/index.js';
import { manualTimers } from './fake-timers.js';
import { jwtFor } from './jwt-helpers.js';
import { tokenKit } from './token-test-kit.js';

const HOUR = 3_600_000;
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const SM = 'https://secretsmanager.eu-west-1.amazonaws.com';
const SSM = 'https://ssm.eu-west-1.amazonaws.com';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

interface Seen {
  headers: Record<string, string>;
  body: unknown;
}

/** Intercepts POST / at `origin`, once per answer, recording the requests. */
function awsReplies(origin: string, answers: Array<[number, unknown]>): Seen[] {
  const seen: Seen[] = [];
  let index = 0;
  nock(origin)
    .post('/')
    .times(answers.length)
    .reply(async (request: Request) => {
      seen.push({ headers: Object.fromEntries(request.headers), body: JSON.parse(await request.text()) });
      const [status, body] = answers[index++] as [number, unknown];
      return [status, body as Record<string, unknown>, { 'content-type': 'application/x-amz-json-1.1' }];
    });
  return seen;
}

describe('createSecretsManagerTokenProvider', () => {
  it('reads the secret with a signed GetSecretValue and uses its token', async () => {
    const kit = tokenKit();
    const token = jwtFor(kit.state.clock, 24 * HOUR);
    const seen = awsReplies(SM, [[200, { Name: 'data-tap-token', SecretString: token, VersionId: 'v1' }]]);
    const provider = createSecretsManagerTokenProvider(
      { secretId: 'data-tap-token', region: 'eu-west-1', credentials: () => credentials },
      kit.deps,
    );

    expect(await provider.getToken()).toBe(token);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ SecretId: 'data-tap-token', VersionStage: 'AWSCURRENT' });
    expect(seen[0]?.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'x-amz-security-token': 'session-token',
      'x-amz-date': '20250101T120000Z',
    });
    expect(seen[0]?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250101\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(provider.source).toBe('secretsmanager');
    expect(kit.state.logs[0]?.message).toContain('Data Tap token in use expires at 2025-01-02T12:00:00.000Z');
  });

  it('reads the token from a JSON secret and re-reads it before expiry', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const first = jwtFor(start, HOUR, '1');
    const second = jwtFor(start + 50 * 60_000, HOUR, '2');
    awsReplies(SM, [
      [200, { SecretString: JSON.stringify({ tapToken: first }) }],
      [200, { SecretString: JSON.stringify({ tapToken: second }) }],
    ]);
    const provider = createSecretsManagerTokenProvider(
      {
        secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:t',
        region: 'eu-west-1',
        credentials,
        jsonKey: 'tapToken',
      },
      kit.deps,
    );
    expect(await provider.getToken()).toBe(first);
    kit.state.clock = start + 50 * 60_000;
    expect(await provider.getToken()).toBe(first);
    // The refresh runs in the background (a SigV4 request through nock): wait until it landed.
    await kit.until(async () => (await provider.getToken()) === second);
    expect(await provider.getToken()).toBe(second);
  });

  it('keeps the current token when AWS refuses a refresh, naming the AWS error', async () => {
    const kit = tokenKit();
    const start = kit.state.clock;
    const token = jwtFor(start, HOUR);
    awsReplies(SM, [
      [200, { SecretString: token }],
      [
        400,
        {
          __type: 'com.amazonaws#AccessDeniedException',
          message: 'not authorized to perform secretsmanager:GetSecretValue',
        },
      ],
    ]);
    const provider = createSecretsManagerTokenProvider(
      { secretId: 's', region: 'eu-west-1', credentials },
      kit.deps,
    );
    await provider.getToken();
    kit.state.clock = start + 50 * 60_000;
    expect(await provider.getToken()).toBe(token);
    for (let turn = 0; turn < 5 && provider.status().lastError === undefined; turn++) await kit.settle();
    expect(provider.status().lastError).toBe(
      'secretsmanager: secretsmanager.GetSecretValue answered 400 AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue',
    );
    expect(kit.state.logs.at(-1)?.message).toContain('keeping the current token');
    const event = kit.state.events.at(-1);
    expect(event?.kind === 'refresh-failed' && event.error).toMatchObject({
      statusCode: 400,
      isRetryable: false,
    });
  });

  it('gives up on a slow answer after fetchTimeoutMs', async () => {
    const kit = tokenKit();
    const timers = manualTimers();
    // A loopback server that takes the request and never answers (a delayed nock reply, aborted,
    // can make undici throw from a socket event after the test).
    nock.enableNetConnect('127.0.0.1');
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const provider = createSecretsManagerTokenProvider(
        { secretId: 's', region: 'eu-west-1', credentials, endpoint, fetchTimeoutMs: 5_000 },
        { ...kit.deps, ...timers },
      );
      const getting = provider.getToken();
      await new Promise<void>((resolve) => {
        const check = () => (held.length > 0 ? resolve() : setTimeout(check, 2));
        check();
      });
      await timers.fire(5_000);
      await expect(getting).rejects.toThrow('secretsmanager gave no token within 5000 ms');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      nock.disableNetConnect();
    }
  });

  it('refuses a binary secret, a JSON secret without the key, and bad JSON', async () => {
    awsReplies(SM, [
      [200, { SecretBinary: 'AAAA' }],
      [200, { SecretString: '{"other":"x"}' }],
      [200, { SecretString: '{not json' }],
    ]);
    const read = async () =>
      tokenFromSecretString(
        await readSecretString({ secretId: 's', region: 'eu-west-1', credentials }),
        'token',
        'secretsmanager',
      );
    await expect(read()).rejects.toThrow('the secret has no SecretString');
    await expect(read()).rejects.toThrow('the JSON value has no string field "token"');
    await expect(read()).rejects.toThrow('the value starts with "{" but is not valid JSON');
  });

  it('refuses bad options without echoing credentials', () => {
    expect(() =>
      createSecretsManagerTokenProvider({ secretId: 's', region: 'Ireland', credentials }),
    ).toThrow(DataTapSinkOptionsError);
    expect(() =>
      createSecretsManagerTokenProvider({
        secretId: 's',
        region: 'eu-west-1',
        credentials,
        endpoint: 'http://example.com/',
      }),
    ).toThrow('options.endpoint');
    try {
      createSecretsManagerTokenProvider({
        secretId: 's',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 42 } as never,
      });
    } catch (error) {
      expect(String(error)).toContain('options.credentials');
      expect(String(error)).not.toContain('AKID');
    }
  });
});

describe('createSsmTokenProvider', () => {
  it('reads the parameter with decryption through an injected loopback endpoint', async () => {
    const kit = tokenKit();
    const token = jwtFor(kit.state.clock, HOUR);
    const seen = awsReplies('http://127.0.0.1:4566', [
      [200, { Parameter: { Name: '/data-taps/token', Value: token, Version: 3 } }],
    ]);
    const provider = createSsmTokenProvider(
      {
        parameterName: '/data-taps/token',
        region: 'eu-west-1',
        credentials,
        endpoint: 'http://127.0.0.1:4566/',
      },
      kit.deps,
    );
    expect(await provider.getToken()).toBe(token);
    expect(seen[0]?.body).toEqual({ Name: '/data-taps/token', WithDecryption: true });
    expect(seen[0]?.headers).toMatchObject({ 'x-amz-target': 'AmazonSSM.GetParameter' });
    expect(seen[0]?.headers['authorization']).toContain('/eu-west-1/ssm/aws4_request');
    expect(provider.remedy).toContain('ssm:GetParameter');
  });

  it('retries after a throttled answer and fails on an answer without a value', async () => {
    const kit = tokenKit();
    awsReplies(SSM, [
      [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }],
      [200, { Parameter: {} }],
    ]);
    const provider = createSsmTokenProvider(
      { parameterName: 'p', region: 'eu-west-1', credentials, retryAfterMs: 1_000 },
      kit.deps,
    );
    const first = await provider.getToken().catch((error: unknown) => error);
    expect(first).toBeInstanceOf(TokenSourceError);
    expect(kit.state.events[0]?.kind === 'refresh-failed' && kit.state.events[0].error).toMatchObject({
      isRetryable: true,
    });
    kit.state.clock += 1_000;
    await expect(provider.getToken()).rejects.toThrow('the answer has no Parameter.Value');
  });
});

describe('callAwsJsonApi', () => {
  const call = (overrides: Partial<Parameters<typeof callAwsJsonApi>[0]> = {}) =>
    callAwsJsonApi({
      service: 'ssm',
      source: 'ssm',
      region: 'eu-west-1',
      endpoint: undefined,
      target: 'AmazonSSM.GetParameter',
      body: {},
      credentials,
      fetch: undefined,
      now: Date.now,
      signal: new AbortController().signal,
      ...overrides,
    });

  it('names missing or unreadable credentials', async () => {
    await expect(call({ credentials: { accessKeyId: '', secretAccessKey: '' } })).rejects.toThrow(
      'no AWS credentials',
    );
    await expect(
      call({
        credentials: () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('the AWS credentials could not be read');
  });

  it('reports a network failure, a 5xx without JSON, and a 2xx that is not a JSON object', async () => {
    nock(SSM).post('/').replyWithError('socket hang up');
    await expect(call()).rejects.toThrow('AmazonSSM.GetParameter request failed');
    nock(SSM).post('/').reply(503, 'Service Unavailable');
    await expect(call()).rejects.toMatchObject({
      statusCode: 503,
      isRetryable: true,
      message: 'ssm: AmazonSSM.GetParameter answered 503 unknown error',
    });
    nock(SSM).post('/').reply(200, '[1]');
    await expect(call()).rejects.toThrow('answered 200 without a JSON object');
    nock(SSM).post('/').reply(200, '');
    await expect(call()).resolves.toEqual({});
  });

  it('reports a thrown non-Error as text', async () => {
    await expect(
      call({
        fetch: () => Promise.reject('plain failure'),
      }),
    ).rejects.toThrow('request failed: plain failure');
  });

  it('gives TokenSourceError a JSON form with its source and status', () => {
    expect(new TokenSourceError('ssm: down', { source: 'ssm', statusCode: 503 }).toJSON()).toEqual({
      name: 'TokenSourceError',
      message: 'ssm: down',
      isRetryable: true,
      source: 'ssm',
      statusCode: 503,
    });
  });

  it('takes the message of an answer that spells it Message', async () => {
    nock(SSM).post('/').reply(400, { __type: 'ParameterNotFound', Message: 'no such parameter' });
    await expect(call()).rejects.toThrow('answered 400 ParameterNotFound: no such parameter');
  });
});
