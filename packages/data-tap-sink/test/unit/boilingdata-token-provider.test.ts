import { Buffer } from 'node:buffer';
import { createHmac, randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { boilingDataCredentialsFromJson, createBoilingDataTokenProvider } from '../../src/boilingdata.js';
import {
  cognitoTimestamp,
  createSrpClient,
  modPow,
  padHex,
  srpGroup,
  srpKey,
  srpU,
  srpX,
} from '../../src/cognito-srp.js';
import { DataTapSinkOptionsError, TokenSourceError } from '../../src/index.js';
import { manualTimers } from './fake-timers.js';
import { jwtFor } from './jwt-helpers.js';
import { tokenKit } from './token-test-kit.js';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com';
const API = 'https://api.boilingdata.test';
const TOKEN_URL = `${API}/taptoken`;
const POOL_ID = 'eu-west-1_TestPool';
const USER = { username: 'me@example.com', password: 'correct horse battery staple' };
const USER_ID = '0f1e2d3c-uuid';
const ID_TOKEN = 'cognito-id-token';

/**
 * A Cognito user pool's side of USER_SRP_AUTH: it knows only the verifier v = g^x, computes the
 * shared secret its own way, (A * v^u)^b, and checks the client's signature with it.
 */
function fakeCognito(options: { password?: string; mfa?: boolean } = {}) {
  const { N, g, k } = srpGroup();
  const salt = randomBytes(16).toString('hex');
  const x = srpX('TestPool', USER_ID, options.password ?? USER.password, salt);
  const v = modPow(g, x, N);
  const secretBlock = randomBytes(64).toString('base64');
  const b = BigInt(`0x${randomBytes(32).toString('hex')}`);
  const B = (k * v + modPow(g, b, N)) % N;
  let A = 0n;
  const seen: Array<Record<string, unknown>> = [];
  nock(COGNITO)
    .post('/')
    .times(2)
    .reply(async (request: Request) => {
      const target = request.headers.get('x-amz-target');
      const body = JSON.parse(await request.text()) as {
        AuthParameters: { SRP_A: string };
        ChallengeResponses: { TIMESTAMP: string; PASSWORD_CLAIM_SIGNATURE: string };
      };
      seen.push({ target, body });
      if (target === 'AWSCognitoIdentityProviderService.InitiateAuth') {
        A = BigInt(`0x${body.AuthParameters.SRP_A}`);
        return [
          200,
          {
            ChallengeName: 'PASSWORD_VERIFIER',
            ChallengeParameters: {
              SALT: salt,
              SRP_B: B.toString(16),
              SECRET_BLOCK: secretBlock,
              USER_ID_FOR_SRP: USER_ID,
              USERNAME: USER_ID,
            },
          },
        ];
      }
      const responses = body.ChallengeResponses;
      const u = srpU(A, B);
      const S = modPow((A * modPow(v, u, N)) % N, b, N);
      const expected = createHmac('sha256', srpKey(S, u))
        .update(
          Buffer.concat([
            Buffer.from(`TestPool${USER_ID}`),
            Buffer.from(secretBlock, 'base64'),
            Buffer.from(responses.TIMESTAMP),
          ]),
        )
        .digest('base64');
      if (responses.PASSWORD_CLAIM_SIGNATURE !== expected) {
        return [400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }];
      }
      if (options.mfa) return [200, { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's' }];
      return [200, { AuthenticationResult: { IdToken: ID_TOKEN, AccessToken: 'a', ExpiresIn: 3600 } }];
    });
  return seen;
}

function fakeTokenApi(answers: Array<[number, Record<string, unknown>]>) {
  const seen: Array<{ headers: Record<string, string>; body: unknown }> = [];
  let index = 0;
  nock(API)
    .post('/taptoken')
    .times(answers.length)
    .reply(async (request: Request) => {
      seen.push({ headers: Object.fromEntries(request.headers), body: JSON.parse(await request.text()) });
      return answers[index++] as [number, Record<string, unknown>];
    });
  return seen;
}

const options = (extra: Record<string, unknown> = {}) => ({
  tokenUrl: TOKEN_URL,
  userPoolId: POOL_ID,
  credentials: async () => USER,
  ...extra,
});

describe('createBoilingDataTokenProvider', () => {
  it('logs in with SRP (never sending the password) and fetches a tap token', async () => {
    const kit = tokenKit();
    const tapToken = jwtFor(kit.state.clock, 24 * 3_600_000);
    const cognito = fakeCognito();
    const api = fakeTokenApi([[200, { ResponseCode: '00', ResponseText: 'OK', bdTapToken: tapToken }]]);
    const provider = createBoilingDataTokenProvider(
      options({ apiKey: 'api-key', tokenLifetime: '12h' }),
      kit.deps,
    );

    expect(await provider.getToken()).toBe(tapToken);
    expect(cognito[0]).toMatchObject({
      target: 'AWSCognitoIdentityProviderService.InitiateAuth',
      body: {
        AuthFlow: 'USER_SRP_AUTH',
        ClientId: '6timr8knllr4frovfvq8r2o6oo',
        AuthParameters: { USERNAME: USER.username },
      },
    });
    expect(cognito[1]).toMatchObject({
      body: {
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeResponses: { USERNAME: USER_ID, TIMESTAMP: 'Wed Jan 1 12:00:00 UTC 2025' },
      },
    });
    expect(JSON.stringify(cognito)).not.toContain(USER.password);
    expect(api[0]?.headers).toMatchObject({ authorization: ID_TOKEN, 'x-api-key': 'api-key' });
    expect(api[0]?.body).toEqual({ tokenLifetime: '12h', sharingUser: USER.username });
    expect(provider.source).toBe('boilingdata');
  });

  it('asks for a token of a tap shared by another user', async () => {
    fakeCognito();
    const api = fakeTokenApi([[200, { ResponseCode: '00', bdTapToken: jwtFor(Date.now(), 3_600_000) }]]);
    const provider = createBoilingDataTokenProvider(
      options({ tapOwner: 'owner@example.com', credentials: USER }),
    );
    await provider.getToken();
    expect(api[0]?.body).toEqual({ tokenLifetime: '24h', sharingUser: 'owner@example.com' });
    expect(api[0]?.headers['x-api-key']).toBeUndefined();
  });

  it('reports a wrong password as a Cognito NotAuthorizedException', async () => {
    const kit = tokenKit();
    fakeCognito({ password: 'another password' });
    const provider = createBoilingDataTokenProvider(options(), kit.deps);
    await expect(provider.getToken()).rejects.toThrow(TokenSourceError);
    expect(provider.status().lastError).toBe(
      'boilingdata: Cognito RespondToAuthChallenge answered 400 NotAuthorizedException: Incorrect username or password.',
    );
    expect(JSON.stringify(kit.state.logs)).not.toContain(USER.password);
  });

  it('explains that an MFA account cannot log in unattended', async () => {
    const kit = tokenKit();
    fakeCognito({ mfa: true });
    const provider = createBoilingDataTokenProvider(options(), kit.deps);
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toContain('asks for SOFTWARE_TOKEN_MFA (MFA or a new password)');
  });

  it('reports a refused token request with its ResponseText', async () => {
    const kit = tokenKit();
    fakeCognito();
    fakeTokenApi([[403, { ResponseCode: '99', ResponseText: 'User not authorized for the tap' }]]);
    const provider = createBoilingDataTokenProvider(options(), kit.deps);
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe(
      'boilingdata: the tap token request answered 403: User not authorized for the tap',
    );
  });

  it('reports Cognito refusing InitiateAuth, an unexpected challenge, and a missing ID token', async () => {
    const kit = tokenKit();
    const provider = createBoilingDataTokenProvider(options({ retryAfterMs: 100 }), kit.deps);
    nock(COGNITO).post('/').reply(400, { __type: 'UserNotFoundException', message: 'User does not exist.' });
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe(
      'boilingdata: Cognito InitiateAuth answered 400 UserNotFoundException: User does not exist.',
    );

    kit.state.clock += 100;
    nock(COGNITO).post('/').reply(200, { ChallengeName: 'CUSTOM_CHALLENGE', ChallengeParameters: {} });
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toContain('asked for CUSTOM_CHALLENGE, not PASSWORD_VERIFIER');

    kit.state.clock += 200;
    nock(COGNITO)
      .post('/')
      .reply(200, {
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeParameters: { SALT: '00', SRP_B: '0', SECRET_BLOCK: '', USER_ID_FOR_SRP: 'u' },
      });
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe(
      'boilingdata: Cognito login failed: the server sent an invalid SRP_B',
    );

    kit.state.clock += 400;
    nock(COGNITO)
      .post('/')
      .reply(200, {
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeParameters: { SALT: '00', SRP_B: '5', SECRET_BLOCK: '', USER_ID_FOR_SRP: 'u' },
      })
      .post('/')
      .reply(200, {});
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe('boilingdata: Cognito gave no ID token');

    kit.state.clock += 800;
    nock(COGNITO).post('/').reply(500, 'oops');
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe('boilingdata: InitiateAuth answered 500 without a JSON object');

    kit.state.clock += 1600;
    nock(COGNITO).post('/').replyWithError('getaddrinfo ENOTFOUND');
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toContain('boilingdata: InitiateAuth request failed');
  });

  it('reports credentials that cannot be read', async () => {
    const provider = createBoilingDataTokenProvider(
      options({
        credentials: () => {
          throw new Error('secret not found');
        },
      }),
    );
    await expect(provider.getToken()).rejects.toThrow();
    expect(provider.status().lastError).toBe(
      'boilingdata: the account credentials could not be read: secret not found',
    );
    const other = createBoilingDataTokenProvider(options({ credentials: () => Promise.reject('nope') }));
    await expect(other.getToken()).rejects.toThrow();
    expect(other.status().lastError).toContain('could not be read: nope');
  });

  it('gives up on a slow login after fetchTimeoutMs', async () => {
    const kit = tokenKit();
    const timers = manualTimers();
    // A fetch that never answers and honours the abort (a delayed nock reply over TLS, aborted, can
    // make undici throw from a socket event after the test).
    const hanging = ((_url: unknown, init?: { signal?: AbortSignal }) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as unknown as typeof fetch;
    const provider = createBoilingDataTokenProvider(options({ fetchTimeoutMs: 3_000 }), {
      ...kit.deps,
      ...timers,
      fetch: hanging,
    });
    const getting = provider.getToken();
    await timers.fire(3_000);
    await expect(getting).rejects.toThrow('boilingdata gave no token within 3000 ms');
  });

  it('validates the lifetime and URLs', () => {
    expect(() => createBoilingDataTokenProvider(options({ tokenLifetime: '5m' }))).toThrow(
      DataTapSinkOptionsError,
    );
    expect(() => createBoilingDataTokenProvider(options({ tokenLifetime: '25h' }))).toThrow(
      'from 10m to 24h',
    );
    expect(() => createBoilingDataTokenProvider(options({ tokenLifetime: 'a day' }))).toThrow(
      'from 10m to 24h',
    );
    expect(() => createBoilingDataTokenProvider(options({ tokenLifetime: '1d' }))).not.toThrow();
    expect(() => createBoilingDataTokenProvider(options({ tokenLifetime: '600m' }))).not.toThrow();
    expect(() => createBoilingDataTokenProvider(options({ tokenUrl: 'http://example.com/x' }))).toThrow(
      'options.tokenUrl',
    );
    expect(() => createBoilingDataTokenProvider(options({ credentials: { username: 'u' } }))).toThrow(
      'options.credentials',
    );
  });
});

describe('boilingDataCredentialsFromJson', () => {
  it('reads username and password', () => {
    expect(boilingDataCredentialsFromJson('{"username":"u","password":"p"}')).toEqual({
      username: 'u',
      password: 'p',
    });
  });

  it.each(['not json', 'null', '{"username":"u"}', '{"username":"","password":"p"}'])(
    'refuses %j without echoing it',
    (text) => {
      expect(() => boilingDataCredentialsFromJson(text)).toThrow(TokenSourceError);
    },
  );
});

describe('SRP helpers', () => {
  it('pads hex to whole, positive bytes', () => {
    expect(padHex(0xfn)).toBe('0f');
    expect(padHex(0x8000n)).toBe('008000');
    expect(padHex(0x7fn)).toBe('7f');
  });

  it("formats Cognito's timestamp without padding the day", () => {
    expect(cognitoTimestamp(new Date('2025-03-07T09:05:03Z'))).toBe('Fri Mar 7 09:05:03 UTC 2025');
    expect(cognitoTimestamp(new Date('2024-12-25T23:59:59Z'))).toBe('Wed Dec 25 23:59:59 UTC 2024');
  });

  it('uses the 3072-bit group with generator 2 and draws a fresh A each time', () => {
    expect(srpGroup().N.toString(16)).toHaveLength(768);
    expect(createSrpClient().A).not.toBe(createSrpClient().A);
  });

  it('draws again when the random value gives a = 0 (A = 1)', () => {
    let calls = 0;
    const client = createSrpClient((size) => {
      calls += 1;
      return calls === 1 ? Buffer.alloc(size) : Buffer.alloc(size, 7);
    });
    expect(calls).toBe(2);
    expect(client.A).not.toBe('1');
  });
});
