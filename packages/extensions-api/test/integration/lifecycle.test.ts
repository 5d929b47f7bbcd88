import { afterEach, describe, expect, it } from 'vitest';
import { createExtensionsClient, type ExtensionsClient } from '../../src/client.js';
import { ExtensionsApiHttpError } from '../../src/errors.js';
import type { ExtensionEvent, InvokeEvent, ShutdownEvent } from '../../src/events.js';
import { createFakeExtensionsApi, type FakeExtensionsApi } from '../../src/testing/fake-extensions-api.js';
import { raw } from '../raw-http.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeApi(
  options: Parameters<typeof createFakeExtensionsApi>[0] = {},
): Promise<FakeExtensionsApi> {
  const api = await createFakeExtensionsApi(options);
  cleanups.push(() => api.close());
  return api;
}

function client(api: FakeExtensionsApi, extensionName: string): ExtensionsClient {
  const created = createExtensionsClient({ runtimeApi: api.runtimeApi, extensionName });
  cleanups.push(() => created.close());
  return created;
}

/** A minimal extension: register, then handle events until SHUTDOWN; returns what it saw. */
async function runExtension(
  extensions: ExtensionsClient,
  onInvoke: (event: InvokeEvent) => Promise<void> = async () => {},
): Promise<{ invokes: InvokeEvent[]; shutdown: ShutdownEvent; accountId: string | undefined }> {
  const { accountId } = await extensions.register(['INVOKE', 'SHUTDOWN'], { acceptFeatures: ['accountId'] });
  const invokes: InvokeEvent[] = [];
  for (;;) {
    const event: ExtensionEvent = await extensions.next();
    if (event.eventType === 'SHUTDOWN') return { invokes, shutdown: event, accountId };
    invokes.push(event);
    await onInvoke(event);
  }
}

describe('full lifecycle against the fake Extensions API', () => {
  it('registers, handles several INVOKEs, and stops at SHUTDOWN', async () => {
    const api = await fakeApi({ functionName: 'orders', accountId: '111122223333' });
    const handled: string[] = [];
    const running = runExtension(client(api, 'data-taps'), async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      handled.push(event.requestId);
    });

    await api.waitForIdle();
    const results = [];
    for (const requestId of ['r-1', 'r-2', 'r-3']) results.push(await api.invoke({ requestId }));
    const shutdown = await api.shutdown({ reason: 'SPINDOWN', deadlineMs: 1_700_000_002_000 });
    const seen = await running;

    expect(api.registrations).toMatchObject([
      { name: 'data-taps', events: ['INVOKE', 'SHUTDOWN'], acceptFeatures: ['accountId'] },
    ]);
    expect(seen.accountId).toBe('111122223333');
    expect(seen.invokes.map((event) => event.requestId)).toEqual(['r-1', 'r-2', 'r-3']);
    expect(seen.invokes[0]?.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:111122223333:function:orders');
    expect(handled).toEqual(['r-1', 'r-2', 'r-3']);
    for (const result of results) {
      expect(result.extensions).toHaveLength(1);
      expect(result.extensions[0]?.outcome).toBe('next');
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(seen.shutdown).toEqual({
      eventType: 'SHUTDOWN',
      shutdownReason: 'spindown',
      deadlineMs: 1_700_000_002_000,
    });
    expect(shutdown.extensions.map((extension) => extension.name)).toEqual(['data-taps']);
    expect(api.errors).toEqual([]);
    expect(api.requests.filter((request) => request.statusCode >= 400)).toEqual([]);
  });

  it('runs two extensions side by side, one of them SHUTDOWN-only (Managed Instances style)', async () => {
    const api = await fakeApi();
    const full = runExtension(client(api, 'full'));
    const shutdownOnly = client(api, 'shutdown-only');
    const onlyShutdown = (async () => {
      await shutdownOnly.register(['SHUTDOWN']);
      return shutdownOnly.next();
    })();

    await api.waitForRegistrations(2);
    await api.waitForIdle();
    const invoked = await api.invoke();
    await api.shutdown({ reason: 'timeout' });

    expect(invoked.extensions.map((extension) => extension.name)).toEqual(['full']);
    expect((await full).shutdown.shutdownReason).toBe('timeout');
    await expect(onlyShutdown).resolves.toMatchObject({ eventType: 'SHUTDOWN', shutdownReason: 'timeout' });
  });

  it('reports a failed Init with init/error, after which the API refuses the extension', async () => {
    const api = await fakeApi();
    const extensions = client(api, 'data-taps');

    await extensions.register(['INVOKE', 'SHUTDOWN']);
    await extensions.initError(
      'Extension.ConfigInvalid',
      new RangeError('DATA_TAP_MAX_BYTES must be 1..5000000'),
    );
    const refused = await extensions.next().catch((caught: unknown) => caught);

    expect(api.errors).toMatchObject([
      {
        kind: 'init',
        name: 'data-taps',
        errorType: 'Extension.ConfigInvalid',
        body: { errorType: 'RangeError', errorMessage: 'DATA_TAP_MAX_BYTES must be 1..5000000' },
      },
    ]);
    expect(refused).toBeInstanceOf(ExtensionsApiHttpError);
    expect(refused).toMatchObject({ statusCode: 403, errorType: 'Extension.InvalidExtensionState' });
  });

  it('reports an error before exiting with exit/error during an invocation', async () => {
    const api = await fakeApi();
    const extensions = client(api, 'data-taps');
    await extensions.register(['INVOKE']);
    const first = extensions.next();
    await api.waitForIdle();

    const invoked = api.invoke();
    await first;
    await extensions.exitError('Extension.SpoolCorrupt', { errorMessage: 'spool file 3 is truncated' });

    expect((await invoked).extensions[0]?.outcome).toBe('exited');
    expect(api.errors[0]).toMatchObject({
      kind: 'exit',
      errorType: 'Extension.SpoolCorrupt',
      body: {
        errorMessage: 'spool file 3 is truncated',
        errorType: 'Extension.SpoolCorrupt',
        stackTrace: [],
      },
    });
  });

  it('surfaces registration closed as a typed error', async () => {
    const api = await fakeApi();
    api.closeRegistration();

    await expect(client(api, 'late').register(['INVOKE'])).rejects.toMatchObject({
      name: 'ExtensionsApiHttpError',
      statusCode: 403,
      errorType: 'Extension.RegistrationClosed',
    });
  });

  it('lets an AbortSignal cut a waiting next, then polls again and gets the next event', async () => {
    const api = await fakeApi();
    const extensions = client(api, 'data-taps');
    await extensions.register(['INVOKE', 'SHUTDOWN']);
    const controller = new AbortController();
    const waiting = extensions.next({ signal: controller.signal });
    await api.waitForIdle();

    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    const again = extensions.next();
    // The server may not have seen the aborted connection close yet: wait for the new call to arrive.
    await until(() => api.extensions()[0]?.nextCalls === 2);
    await api.shutdown();

    await expect(again).resolves.toMatchObject({ eventType: 'SHUTDOWN' });
  });

  it('shares its host:port with a fallback such as a fake Telemetry API', async () => {
    const subscriptions: string[] = [];
    const api = await fakeApi({
      fallback: (req, res) => {
        if (req.method === 'PUT' && req.url === '/2022-07-01/telemetry') {
          subscriptions.push(String(req.headers['lambda-extension-identifier']));
          res.writeHead(200).end('OK');
          return;
        }
        res.writeHead(404).end();
      },
    });
    const extensions = client(api, 'data-taps');
    const { extensionId } = await extensions.register(['INVOKE', 'SHUTDOWN']);

    const subscribed = await raw(api.runtimeApi, 'PUT', '/2022-07-01/telemetry', {
      headers: { 'lambda-extension-identifier': extensionId },
      body: '{"schemaVersion":"2022-12-13"}',
    });

    expect(subscribed.status).toBe(200);
    expect(subscriptions).toEqual([extensionId]);
  });
});

/** Polls a condition the fake updates when a request arrives (no timing assertion). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
