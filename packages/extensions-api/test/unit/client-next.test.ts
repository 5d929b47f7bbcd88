import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExtensionsClient, type ExtensionsClient } from '../../src/client.js';
import {
  ExtensionsApiHttpError,
  ExtensionsApiStateError,
  ExtensionsApiValidationError,
} from '../../src/errors.js';
import { BASE, EXTENSION_ID, fixture, PREFIX, RUNTIME_API, recordingLogger } from '../helpers.js';

const clients: ExtensionsClient[] = [];

async function registered(logger = recordingLogger()): Promise<ExtensionsClient> {
  nock(BASE)
    .post(`${PREFIX}/register`)
    .reply(200, fixture('register-response.json'), { 'Lambda-Extension-Identifier': EXTENSION_ID });
  const client = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' }, { logger });
  clients.push(client);
  await client.register(['INVOKE', 'SHUTDOWN']);
  return client;
}

function nextReplies(status: number, body: unknown) {
  return nock(BASE)
    .get(`${PREFIX}/event/next`)
    .matchHeader('lambda-extension-identifier', EXTENSION_ID)
    .reply(status, body as nock.Body);
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('next', () => {
  it('registers and returns the event even when the logger throws', async () => {
    const throwing = {
      debug: () => {
        throw new Error('a broken logger');
      },
      info: () => {
        throw new Error('a broken logger');
      },
      warn: () => {
        throw new Error('a broken logger');
      },
      error: () => {
        throw new Error('a broken logger');
      },
    };
    const client = await registered(throwing as never);
    nextReplies(200, fixture('shutdown-event.json'));
    await expect(client.next()).resolves.toMatchObject({ eventType: 'SHUTDOWN' });
  });

  it('refuses to poll before register', async () => {
    const client = createExtensionsClient({ runtimeApi: RUNTIME_API, extensionName: 'data-taps' });

    await expect(client.next()).rejects.toBeInstanceOf(ExtensionsApiStateError);
    await expect(client.next()).rejects.toThrow('next() called before a successful register()');
  });

  it('returns an INVOKE event, sending the extension id', async () => {
    const client = await registered();
    const scope = nextReplies(200, fixture('invoke-event.json'));

    const event = await client.next();

    expect(event).toEqual(fixture('invoke-event.json'));
    scope.done();
  });

  it('accepts an INVOKE without tracing and drops unknown fields', async () => {
    const client = await registered();
    const { tracing: _tracing, ...untraced } = fixture<Record<string, unknown>>('invoke-event.json');
    nextReplies(200, { ...untraced, someFutureField: 1 });

    const event = await client.next();

    expect(event).toEqual(untraced);
  });

  it('drops a malformed tracing value rather than the INVOKE', async () => {
    const client = await registered();
    nextReplies(200, { ...fixture<object>('invoke-event.json'), tracing: 'Root=1-abc' });

    const event = await client.next();

    expect(event).toMatchObject({ eventType: 'INVOKE', requestId: '3da1f2dc-3222-475e-9205-e2e6c6318895' });
    expect('tracing' in event && event.tracing).toBeFalsy();
  });

  it('returns a SHUTDOWN event', async () => {
    const client = await registered();
    nextReplies(200, fixture('shutdown-event.json'));

    await expect(client.next()).resolves.toEqual({
      eventType: 'SHUTDOWN',
      shutdownReason: 'spindown',
      deadlineMs: 1_700_000_002_000,
    });
  });

  it.each([
    ['SPINDOWN', 'spindown'],
    ['Timeout', 'timeout'],
    ['FAILURE', 'failure'],
  ])('parses the shutdown reason %s case-insensitively as %s', async (sent, expected) => {
    const logger = recordingLogger();
    const client = await registered(logger);
    nextReplies(200, { ...fixture<object>('shutdown-event.json'), shutdownReason: sent });

    const event = await client.next();

    expect(event).toMatchObject({ eventType: 'SHUTDOWN', shutdownReason: expected });
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('passes an undocumented shutdown reason through in lower case, with a warning', async () => {
    const logger = recordingLogger();
    const client = await registered(logger);
    nextReplies(200, { ...fixture<object>('shutdown-event.json'), shutdownReason: 'Eviction' });

    await expect(client.next()).resolves.toMatchObject({ shutdownReason: 'eviction' });
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: 'unknown shutdown reason',
      fields: { shutdownReason: 'eviction' },
    });
  });

  it('rejects an unknown event type as a validation error naming the endpoint', async () => {
    const client = await registered();
    nextReplies(200, { eventType: 'RESTORE', deadlineMs: 1 });

    const error = await client.next().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiValidationError);
    expect(error).toMatchObject({ endpoint: 'event/next', statusCode: 200 });
    expect((error as ExtensionsApiValidationError).issues[0]).toMatch(/^eventType: /);
    expect((error as Error).message).toMatch(
      /^Extensions API event\/next answered HTTP 200 with an invalid response: /,
    );
  });

  it('rejects an event with a missing field', async () => {
    const client = await registered();
    nextReplies(200, { eventType: 'SHUTDOWN', shutdownReason: 'spindown' });

    const error = await client.next().catch((caught: unknown) => caught);

    expect((error as ExtensionsApiValidationError).issues).toEqual([expect.stringMatching(/^deadlineMs: /)]);
  });

  it('rejects a body that is not an object', async () => {
    const client = await registered();
    nextReplies(200, '[]');

    const error = await client.next().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiValidationError);
    expect((error as ExtensionsApiValidationError).issues[0]).toMatch(/^body: /);
  });

  it('rejects malformed JSON', async () => {
    const client = await registered();
    nextReplies(200, '{"eventType":"INVOKE",');

    await expect(client.next()).rejects.toMatchObject({
      name: 'ExtensionsApiValidationError',
      issues: ['body is not JSON'],
    });
  });

  it('turns a 403 Extension.InvalidExtensionIdentifier into an HTTP error', async () => {
    const client = await registered();
    nextReplies(403, {
      errorType: 'Extension.InvalidExtensionIdentifier',
      errorMessage: 'Invalid extension id',
    });

    const error = await client.next().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ExtensionsApiHttpError);
    expect(error).toMatchObject({
      endpoint: 'event/next',
      statusCode: 403,
      errorType: 'Extension.InvalidExtensionIdentifier',
      isRetryable: false,
    });
  });

  it('turns a 500 into a non-retryable HTTP error (the extension should exit)', async () => {
    const client = await registered();
    nextReplies(500, { errorType: 'Extension.Unknown', errorMessage: 'internal' });

    await expect(client.next()).rejects.toMatchObject({ statusCode: 500, isRetryable: false });
  });

  it('refuses a second next while one is pending, and allows one after it settled', async () => {
    const client = await registered();
    nextReplies(200, fixture('invoke-event.json'));
    nextReplies(200, fixture('shutdown-event.json'));

    const first = client.next();
    await expect(client.next()).rejects.toThrow('next() called while another next() is pending');
    await expect(first).resolves.toMatchObject({ eventType: 'INVOKE' });
    await expect(client.next()).resolves.toMatchObject({ eventType: 'SHUTDOWN' });
  });

  it('rejects with an AbortError when the signal is aborted during the long poll, and can poll again', async () => {
    const client = await registered();
    nock(BASE).get(`${PREFIX}/event/next`).delay(60_000).reply(200, fixture('invoke-event.json'));
    nextReplies(200, fixture('shutdown-event.json'));
    const controller = new AbortController();

    const pending = client.next({ signal: controller.signal });
    setImmediate(() => controller.abort());

    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError' });
    await expect(client.next()).resolves.toMatchObject({ eventType: 'SHUTDOWN' });
  });

  it("rejects with the signal's own reason when one is given", async () => {
    const client = await registered();
    nock(BASE).get(`${PREFIX}/event/next`).delay(60_000).reply(200, fixture('invoke-event.json'));
    const controller = new AbortController();
    const reason = new Error('SIGTERM received');

    const pending = client.next({ signal: controller.signal });
    setImmediate(() => controller.abort(reason));

    await expect(pending).rejects.toBe(reason);
  });

  it('does not send anything when the signal is already aborted', async () => {
    const client = await registered();
    const scope = nextReplies(200, fixture('invoke-event.json'));

    await expect(client.next({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(scope.isDone()).toBe(false);
  });
});
