/**
 * The eager entry's registration (src/register.ts) against the fake Extensions API on loopback: what
 * it sends, the fallback to the executable's name, a refused registration, and that it reads the
 * environment as the configuration does and words its failures as the library's client does.
 */
import { createExtensionsClient } from '@data-taps/extensions-api';
import { createFakeExtensionsApi, type FakeExtensionsApi } from '@data-taps/extensions-api/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeError } from '../../src/describe-error.js';
import { runExtension } from '../../src/extension.js';
import {
  DEFAULT_EXTENSION_NAME,
  type RegistrationOutcome,
  register,
  registerFromEnvironment,
  registrationTarget,
} from '../../src/register.js';
import { lambdaEnv, setup as setupLambda } from '../helpers/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeApi(): Promise<FakeExtensionsApi> {
  const api = await createFakeExtensionsApi({ functionName: 'orders', functionVersion: '7' });
  cleanups.push(() => api.close());
  return api;
}

function registered(outcome: RegistrationOutcome) {
  if (!outcome.ok) throw new Error(`expected a registration, got ${describeError(outcome.error)}`);
  return outcome;
}

function failed(outcome: RegistrationOutcome) {
  if (outcome.ok) throw new Error('expected a failed registration');
  return outcome;
}

const REFUSAL = { statusCode: 403, body: { errorType: 'Extension.Refused', errorMessage: 'no' } };

describe('registrationTarget', () => {
  const valid = {
    BD_TAP_CLIENT_TOKEN: 'tok',
    BD_DATA_TAP_URL: 'https://abc.lambda-url.eu-west-1.on.aws/',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
  };

  it.each([
    '127.0.0.1:9001',
    'sandbox.localdomain:9001',
    '[::1]:9001',
    '127.0.0.1',
    'http://127.0.0.1:9001',
    '127.0.0.1:9001/x',
    ' 127.0.0.1:9001',
    '',
    undefined,
  ])('registers for AWS_LAMBDA_RUNTIME_API=%j exactly when the configuration can', (runtimeApi) => {
    const env = { ...valid, AWS_LAMBDA_RUNTIME_API: runtimeApi };
    const loaded = loadConfig(env);
    const configured = loaded.ok ? loaded.config.runtimeApi : loaded.lifecycle?.runtimeApi;

    expect(registrationTarget(env, undefined)?.runtimeApi).toBe(configured);
  });

  it.each(['my-extension', 'a.b_c-1', 'x'.repeat(64), 'x'.repeat(65), 'has space', 'a/b', '', undefined])(
    'registers under the name the configuration reads from EXTENSION_NAME=%j',
    (extensionName) => {
      const env = { ...valid, EXTENSION_NAME: extensionName };
      const loaded = loadConfig(env);
      const configured = loaded.ok ? loaded.config.extensionName : loaded.lifecycle?.extensionName;

      expect(registrationTarget(env, 'exe')).toEqual({
        runtimeApi: '127.0.0.1:9001',
        extensionName: configured,
        executableName: 'exe',
      });
    },
  );

  it('defaults the name to the layer executable', () => {
    expect(registrationTarget({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }, undefined)?.extensionName).toBe(
      DEFAULT_EXTENSION_NAME,
    );
  });
});

describe('register', () => {
  it('registers for INVOKE and SHUTDOWN, asks for the account id, and says when the request was sent', async () => {
    const api = await fakeApi();
    let sent = 0;

    const outcome = registered(
      await register({ runtimeApi: api.runtimeApi, extensionName: 'data-taps-lambda-extension' }, () => {
        sent += 1;
      }),
    );

    expect(outcome.registration).toEqual({
      extensionName: 'data-taps-lambda-extension',
      extensionId: api.registrations[0]?.extensionId,
      functionName: 'orders',
      functionVersion: '7',
      handler: 'index.handler',
      accountId: '123456789012',
    });
    expect(outcome.refused).toBeUndefined();
    expect(api.registrations).toHaveLength(1);
    expect(api.registrations[0]).toMatchObject({
      name: 'data-taps-lambda-extension',
      events: ['INVOKE', 'SHUTDOWN'],
      acceptFeatures: ['accountId'],
    });
    expect(sent).toBe(1);
  });

  it("registers under the executable's name when Lambda refuses EXTENSION_NAME, keeping the refusal", async () => {
    const api = await fakeApi();
    api.injectResponse('register', REFUSAL);

    const outcome = registered(
      await register({
        runtimeApi: api.runtimeApi,
        extensionName: 'other-name',
        executableName: 'data-taps-lambda-extension',
      }),
    );

    expect(outcome.registration.extensionName).toBe('data-taps-lambda-extension');
    expect(api.registrations.map((r) => r.name)).toEqual(['data-taps-lambda-extension']);
    expect(outcome.refused?.extensionName).toBe('other-name');
    expect(outcome.refused?.executableName).toBe('data-taps-lambda-extension');
    expect(describeError(outcome.refused?.error)).toBe(
      'ExtensionsApiHttpError: Extensions API register answered HTTP 403: Extension.Refused (no)',
    );
  });

  it('fails with the last refusal when the executable name is refused too', async () => {
    const api = await fakeApi();
    api.injectResponse('register', REFUSAL);
    api.injectResponse('register', { statusCode: 500, body: { errorType: 'Extension.Unknown' } });

    const outcome = failed(
      await register({ runtimeApi: api.runtimeApi, extensionName: 'other-name', executableName: 'exe' }),
    );

    expect(describeError(outcome.error)).toBe(
      'ExtensionsApiHttpError: Extensions API register answered HTTP 500: Extension.Unknown',
    );
    expect(outcome.refused?.extensionName).toBe('other-name');
    expect(api.registrations).toHaveLength(0);
  });

  it.each([
    ['no executable name', undefined],
    ['the same executable name', 'data-taps-lambda-extension'],
  ])('tries once with %s', async (_, executableName) => {
    const api = await fakeApi();
    api.injectResponse('register', REFUSAL);
    api.injectResponse('register', REFUSAL);

    const outcome = failed(
      await register({
        runtimeApi: api.runtimeApi,
        extensionName: 'data-taps-lambda-extension',
        executableName,
      }),
    );

    expect(outcome.refused).toBeUndefined();
    expect(api.requests.filter((r) => r.path.endsWith('/register'))).toHaveLength(1);
  });

  it('reports a connection that fails, and says the request is done with', async () => {
    const api = await fakeApi();
    const runtimeApi = api.runtimeApi;
    await api.close();
    let sent = 0;

    const outcome = failed(
      await register({ runtimeApi, extensionName: 'x' }, () => {
        sent += 1;
      }),
    );

    expect(describeError(outcome.error)).toMatch(
      new RegExp(
        `^ExtensionsApiConnectionError: Extensions API register request to http://${runtimeApi}/2020-01-01/extension/register failed: `,
      ),
    );
    expect(sent).toBe(1);
  });

  it('registers as the environment says, or sends nothing without AWS_LAMBDA_RUNTIME_API', async () => {
    const api = await fakeApi();
    let sent = 0;
    const onSent = () => {
      sent += 1;
    };

    const none = await registerFromEnvironment({ EXTENSION_NAME: 'x' }, 'exe', onSent);
    expect(none).toBeUndefined();
    expect(sent).toBe(1);

    const outcome = await registerFromEnvironment(
      { AWS_LAMBDA_RUNTIME_API: api.runtimeApi, EXTENSION_NAME: 'named' },
      'exe',
      onSent,
    );
    expect(outcome && registered(outcome).registration.extensionName).toBe('named');
    expect(sent).toBe(2);
    expect(api.registrations.map((r) => r.name)).toEqual(['named']);
  });

  // Lambda answers none of these; the eager entry must still fail as the library's client would.
  it.each([
    ['a refusal with an API error body', REFUSAL],
    ['a refusal without a body', { statusCode: 500 }],
    [
      'a refusal whose error fields are not strings',
      { statusCode: 400, body: { errorType: 7, errorMessage: 'x' } },
    ],
    ['a refusal with a body that is not JSON', { statusCode: 403, body: 'denied' }],
    [
      'an answer without the extension id',
      { statusCode: 200, body: { functionName: 'f', functionVersion: '1', handler: 'h' } },
    ],
    [
      'an answer that is not JSON',
      { statusCode: 200, body: 'not json', headers: { 'lambda-extension-identifier': 'id-1' } },
    ],
    [
      'an answer that is no object',
      { statusCode: 200, body: [1], headers: { 'lambda-extension-identifier': 'id-1' } },
    ],
    [
      'an answer with fields missing or of the wrong type',
      {
        statusCode: 200,
        body: { functionName: 1, handler: null, accountId: 5 },
        headers: { 'lambda-extension-identifier': 'id-1' },
      },
    ],
  ])('words %s as the Extensions API client does', async (_, answer) => {
    const api = await fakeApi();
    api.injectResponse('register', answer);
    api.injectResponse('register', answer);

    const eager = failed(await register({ runtimeApi: api.runtimeApi, extensionName: 'x' }));
    const client = createExtensionsClient({ runtimeApi: api.runtimeApi, extensionName: 'x' });
    cleanups.push(() => client.close());
    const library = await client.register(['INVOKE', 'SHUTDOWN'], { acceptFeatures: ['accountId'] }).then(
      () => 'registered',
      (error: unknown) => describeError(error),
    );

    expect(describeError(eager.error)).toBe(library);
  });
});

describe('register and main without a usable runtime API', () => {
  it('fails the registration of a runtime API that is no URL, as a connection error, and says the request is done', async () => {
    let sent = 0;
    const outcome = await register({ runtimeApi: '[zz:1', extensionName: 'x' }, () => {
      sent += 1;
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.name).toBe('ExtensionsApiConnectionError');
    expect(sent).toBe(1);
  });

  it('without a registration (the entry could not send one), main fails instead of subscribing', async () => {
    const { lambda, tap, ws } = await setupLambda(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir);
    await expect(
      runExtension({ env, logFd: ws.logFd, registration: Promise.resolve(undefined) }),
    ).rejects.toThrow('cannot register with the Extensions API without a valid AWS_LAMBDA_RUNTIME_API');
    expect(lambda.telemetry.subscriptions).toHaveLength(0);
  });
});
