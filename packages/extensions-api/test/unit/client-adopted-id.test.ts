import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExtensionsClient, type ExtensionsClient } from '../../src/client.js';
import { ExtensionsApiOptionsError, ExtensionsApiStateError } from '../../src/errors.js';
import { BASE, EXTENSION_ID, fixture, PREFIX, RUNTIME_API } from '../helpers.js';

const clients: ExtensionsClient[] = [];
function adopting(extensionId: string): ExtensionsClient {
  const client = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps', extensionId });
  clients.push(client);
  return client;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('a client given the id of a registration made elsewhere (extensionId)', () => {
  it('polls next with that id, without registering', async () => {
    const scope = nock(BASE)
      .get(`${PREFIX}/event/next`)
      .matchHeader('lambda-extension-identifier', EXTENSION_ID)
      .reply(200, fixture('invoke-event.json'));
    const client = adopting(EXTENSION_ID);

    expect(client.extensionId).toBe(EXTENSION_ID);
    const event = await client.next();

    expect(event.eventType).toBe('INVOKE');
    scope.done();
  });

  it('reports an Init error with that id', async () => {
    const scope = nock(BASE)
      .post(`${PREFIX}/init/error`)
      .matchHeader('lambda-extension-identifier', EXTENSION_ID)
      .matchHeader('lambda-extension-function-error-type', 'Extension.ConfigInvalid')
      .reply(202);

    await adopting(EXTENSION_ID).initError('Extension.ConfigInvalid', { errorMessage: 'bad' });

    scope.done();
  });

  it('refuses to register again, sending nothing', async () => {
    const scope = nock(BASE).post(`${PREFIX}/register`).reply(200, fixture('register-response.json'));

    await expect(adopting(EXTENSION_ID).register(['INVOKE', 'SHUTDOWN'])).rejects.toThrow(
      ExtensionsApiStateError,
    );
    expect(scope.isDone()).toBe(false);
  });

  it.each(['', 'has space'])('refuses the id %j', (extensionId) => {
    expect(() => adopting(extensionId)).toThrow(ExtensionsApiOptionsError);
    expect(() => adopting(extensionId)).toThrow(/options\.extensionId/);
  });
});
