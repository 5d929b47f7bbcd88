import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExtensionsClient } from '../../src/client.js';
import {
  ExtensionsApiConnectionError,
  ExtensionsApiError,
  ExtensionsApiHttpError,
  ExtensionsApiOptionsError,
  ExtensionsApiStateError,
  ExtensionsApiValidationError,
} from '../../src/errors.js';
import { BASE, EXTENSION_ID, fixture, PREFIX, RUNTIME_API, recordingLogger } from '../helpers.js';

const clients: { close(): void }[] = [];
function client(logger = recordingLogger()) {
  const created = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' }, { logger });
  clients.push(created);
  return created;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('register', () => {
  it('sends the name header and the events as JSON, and resolves with the id and the function facts', async () => {
    const scope = nock(BASE, { badheaders: ['lambda-extension-accept-feature'] })
      .post(`${PREFIX}/register`, { events: ['INVOKE', 'SHUTDOWN'] })
      .matchHeader('lambda-extension-name', 'data-taps')
      .matchHeader('content-type', 'application/json')
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
    const extensions = client();

    const result = await extensions.register(['INVOKE', 'SHUTDOWN']);

    expect(result).toEqual({
      extensionId: EXTENSION_ID,
      functionName: 'orders',
      functionVersion: '$LATEST',
      handler: 'index.handler',
    });
    expect(extensions.extensionId).toBe(EXTENSION_ID);
    scope.done();
  });

  it('asks for the account id with Lambda-Extension-Accept-Feature and returns it', async () => {
    const scope = nock(BASE)
      .post(`${PREFIX}/register`)
      .matchHeader('lambda-extension-accept-feature', 'accountId')
      .reply(200, fixture('register-response-account-id.json'), {
        'Lambda-Extension-Identifier': EXTENSION_ID,
      });

    const result = await client().register(['INVOKE', 'SHUTDOWN'], { acceptFeatures: ['accountId'] });

    expect(result.accountId).toBe('123456789012');
    expect(result.functionVersion).toBe('7');
    scope.done();
  });

  it('registers for SHUTDOWN only (Lambda Managed Instances), sending each event once', async () => {
    const scope = nock(BASE)
      .post(`${PREFIX}/register`, { events: ['SHUTDOWN'] })
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });

    await client().register(['SHUTDOWN', 'SHUTDOWN']);

    scope.done();
  });

  it('turns a 403 into an HTTP error carrying the API error type and message, and allows a new attempt', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .reply(403, {
        errorType: 'Extension.RegistrationClosed',
        errorMessage: 'Extension registration is closed',
      })
      .post(`${PREFIX}/register`)
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
    const extensions = client();

    const error = await extensions.register(['INVOKE']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiHttpError);
    expect(error).toBeInstanceOf(ExtensionsApiError);
    expect(error).toMatchObject({
      name: 'ExtensionsApiHttpError',
      endpoint: 'register',
      url: `${BASE}${PREFIX}/register`,
      statusCode: 403,
      isRetryable: false,
      errorType: 'Extension.RegistrationClosed',
      errorMessage: 'Extension registration is closed',
    });
    expect((error as Error).message).toBe(
      'Extensions API register answered HTTP 403: Extension.RegistrationClosed (Extension registration is closed)',
    );
    expect(extensions.extensionId).toBeUndefined();
    await expect(extensions.register(['INVOKE'])).resolves.toMatchObject({ extensionId: EXTENSION_ID });
  });

  it('keeps a 500 with a non-JSON body as an HTTP error without an API error type', async () => {
    nock(BASE).post(`${PREFIX}/register`).reply(500, 'internal error');

    const error = await client()
      .register(['INVOKE'])
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      statusCode: 500,
      isRetryable: false,
      errorType: undefined,
      errorMessage: undefined,
      responseBody: 'internal error',
    });
    expect((error as Error).message).toBe('Extensions API register answered HTTP 500');
  });

  it('names an error type without a message', async () => {
    nock(BASE).post(`${PREFIX}/register`).reply(400, { errorType: 'InvalidRequestFormat' });

    await expect(client().register(['INVOKE'])).rejects.toThrow(
      'Extensions API register answered HTTP 400: InvalidRequestFormat',
    );
  });

  it('marks 429 and 503 answers retryable', async () => {
    nock(BASE).post(`${PREFIX}/register`).reply(503, '').post(`${PREFIX}/register`).reply(429, '');
    const extensions = client();

    await expect(extensions.register(['INVOKE'])).rejects.toMatchObject({
      statusCode: 503,
      isRetryable: true,
    });
    await expect(extensions.register(['INVOKE'])).rejects.toMatchObject({
      statusCode: 429,
      isRetryable: true,
    });
  });

  it('rejects a 200 without Lambda-Extension-Identifier as a validation error', async () => {
    nock(BASE).post(`${PREFIX}/register`).reply(200, fixture('register-response.json'));
    const extensions = client();

    const error = await extensions.register(['INVOKE']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiValidationError);
    expect(error).toMatchObject({
      endpoint: 'register',
      statusCode: 200,
      issues: ['missing Lambda-Extension-Identifier header'],
    });
    expect(extensions.extensionId).toBeUndefined();
  });

  it('rejects a body that is not JSON', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .reply(200, '{"functionName":', { 'Lambda-Extension-Identifier': EXTENSION_ID });

    const error = await client()
      .register(['INVOKE'])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiValidationError);
    expect(error).toMatchObject({ issues: ['body is not JSON'], responseBody: '{"functionName":' });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('names the field of a register body that does not validate', async () => {
    nock(BASE).post(`${PREFIX}/register`).reply(
      200,
      { functionName: 'orders', functionVersion: 1, handler: 'index.handler' },
      {
        'Lambda-Extension-Identifier': EXTENSION_ID,
      },
    );

    const error = await client()
      .register(['INVOKE'])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiValidationError);
    expect((error as ExtensionsApiValidationError).issues).toHaveLength(1);
    expect((error as ExtensionsApiValidationError).issues[0]).toMatch(/^functionVersion: /);
  });

  it('refuses a second register, and a register while one is in flight, without sending', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
    const extensions = client();

    const first = extensions.register(['INVOKE']);
    await expect(extensions.register(['INVOKE'])).rejects.toBeInstanceOf(ExtensionsApiStateError);
    await first;
    await expect(extensions.register(['INVOKE'])).rejects.toThrow('register() may be called only once');
  });

  it('refuses unknown events and features before sending anything', async () => {
    const extensions = client();

    await expect(extensions.register(['INVOKE', 'RESTORE' as 'INVOKE'])).rejects.toThrow(
      /^Invalid register\(events\): register\(events\)\.1 = "RESTORE": /,
    );
    await expect(
      extensions.register(['INVOKE'], { acceptFeatures: ['region' as 'accountId'] }),
    ).rejects.toBeInstanceOf(ExtensionsApiOptionsError);
    await expect(extensions.register(['INVOKE'], { unknown: true } as never)).rejects.toThrow(
      /register\(options\)/,
    );
  });

  it('wraps a refused connection in a connection error with the cause', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .replyWithError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9001'), { code: 'ECONNREFUSED' }),
      );

    const error = await client()
      .register(['INVOKE'])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiConnectionError);
    expect(error).toMatchObject({
      endpoint: 'register',
      isRetryable: false,
      url: `${BASE}${PREFIX}/register`,
    });
    expect((error as Error).message).toContain('connect ECONNREFUSED 127.0.0.1:9001');
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('logs each call at debug level and the registration at info level', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
    const logger = recordingLogger();

    await client(logger).register(['INVOKE']);

    expect(logger.lines).toEqual([
      { level: 'debug', message: 'extensions api request', fields: { endpoint: 'register', method: 'POST' } },
      { level: 'debug', message: 'extensions api response', fields: { endpoint: 'register', status: 200 } },
      {
        level: 'info',
        message: 'extension registered',
        fields: { extensionId: EXTENSION_ID, events: ['INVOKE'] },
      },
    ]);
  });

  it('works without a logger', async () => {
    nock(BASE)
      .post(`${PREFIX}/register`)
      .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
    const extensions = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' });
    clients.push(extensions);

    await expect(extensions.register(['INVOKE'])).resolves.toMatchObject({ extensionId: EXTENSION_ID });
  });
});
