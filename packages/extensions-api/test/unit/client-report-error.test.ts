import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExtensionsClient, type ExtensionsClient } from '../../src/client.js';
import {
  ExtensionsApiHttpError,
  ExtensionsApiOptionsError,
  ExtensionsApiStateError,
} from '../../src/errors.js';
import { BASE, EXTENSION_ID, fixture, PREFIX, RUNTIME_API } from '../helpers.js';

const clients: ExtensionsClient[] = [];

async function registered(): Promise<ExtensionsClient> {
  nock(BASE)
    .post(`${PREFIX}/register`)
    .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
  const client = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' });
  clients.push(client);
  await client.register(['INVOKE', 'SHUTDOWN']);
  return client;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe.each([
  ['initError', 'init/error'],
  ['exitError', 'exit/error'],
] as const)('%s', (method, endpoint) => {
  it(`posts an Error to ${endpoint} with its name, message and stack frames`, async () => {
    const client = await registered();
    const error = new TypeError('DATA_TAP_URL is not a URL');
    let body: { errorMessage: string; errorType: string; stackTrace: string[] } | undefined;
    const scope = nock(BASE)
      .post(`${PREFIX}/${endpoint}`, (sent) => {
        body = sent;
        return true;
      })
      .matchHeader('lambda-extension-identifier', EXTENSION_ID)
      .matchHeader('lambda-extension-function-error-type', 'Extension.ConfigInvalid')
      .matchHeader('content-type', 'application/json')
      .reply(202, { status: 'OK' });

    await client[method]('Extension.ConfigInvalid', error);

    scope.done();
    expect(body?.errorMessage).toBe('DATA_TAP_URL is not a URL');
    expect(body?.errorType).toBe('TypeError');
    expect(body?.stackTrace.length).toBeGreaterThan(0);
    for (const frame of body?.stackTrace ?? []) expect(frame).toMatch(/^at /);
  });

  it('posts plain fields, defaulting errorType to the header and stackTrace to []', async () => {
    const client = await registered();
    const scope = nock(BASE)
      .post(`${PREFIX}/${endpoint}`, {
        errorMessage: 'spool directory is not writable',
        errorType: 'Extension.SpoolUnavailable',
        stackTrace: [],
      })
      .reply(202, { status: 'OK' });

    await client[method]('Extension.SpoolUnavailable', { errorMessage: 'spool directory is not writable' });

    scope.done();
  });

  it('keeps the errorType and stackTrace given as fields', async () => {
    const client = await registered();
    const scope = nock(BASE)
      .post(`${PREFIX}/${endpoint}`, {
        errorMessage: 'bad',
        errorType: 'ConfigError',
        stackTrace: ['at loadConfig (config.ts:1:1)'],
      })
      .reply(202);

    await client[method]('Extension.ConfigInvalid', {
      errorMessage: 'bad',
      errorType: 'ConfigError',
      stackTrace: ['at loadConfig (config.ts:1:1)'],
    });

    scope.done();
  });

  it('refuses to report before register', async () => {
    const client = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' });

    await expect(client[method]('Extension.ConfigInvalid', { errorMessage: 'x' })).rejects.toThrow(
      new ExtensionsApiStateError(`${method}() called before a successful register()`),
    );
  });

  it.each(['', 'Extension Config', 'Extension.Bad\r\nX-Injected: 1'])(
    'refuses the error type %j without sending',
    async (errorType) => {
      const client = await registered();

      const error = await client[method](errorType, { errorMessage: 'x' }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ExtensionsApiOptionsError);
      expect((error as Error).message).toContain(`${method}(errorType) = ${JSON.stringify(errorType)}`);
    },
  );

  it('turns a 403 into an HTTP error naming the endpoint', async () => {
    const client = await registered();
    nock(BASE)
      .post(`${PREFIX}/${endpoint}`)
      .reply(403, { errorType: 'Extension.MissingHeader', errorMessage: 'Missing error type header' });

    const error = await client[method]('Extension.X', { errorMessage: 'x' }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ExtensionsApiHttpError);
    expect(error).toMatchObject({ endpoint, statusCode: 403, errorType: 'Extension.MissingHeader' });
  });
});

describe('error reports without a stack', () => {
  it('sends an empty stackTrace for an Error whose stack was removed', async () => {
    const client = await registered();
    const error = new Error('no stack');
    error.stack = undefined;
    const scope = nock(BASE)
      .post(`${PREFIX}/exit/error`, { errorMessage: 'no stack', errorType: 'Error', stackTrace: [] })
      .reply(202);

    await client.exitError('Extension.Crash', error);

    scope.done();
  });
});
