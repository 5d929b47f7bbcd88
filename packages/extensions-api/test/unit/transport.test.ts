import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createExtensionsClient } from '../../src/client.js';
import { ExtensionsApiConnectionError } from '../../src/errors.js';
import { EXTENSION_ID, fixture } from '../helpers.js';

// A real loopback server: these tests are about the node:http transport itself.
let server: Server | undefined;

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  current.closeAllConnections();
  await new Promise((resolve) => current.close(resolve));
});

function registerThenNext(status = 200) {
  return (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url?.endsWith('/register')) {
      res
        .writeHead(status, {
          'content-type': 'application/json',
          'lambda-extension-identifier': EXTENSION_ID,
        })
        .end(JSON.stringify(fixture('register-response.json')));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(fixture('invoke-event.json')));
  };
}

describe('node:http transport', () => {
  it('talks to a real server over one keep-alive connection', async () => {
    const sockets = new Set<unknown>();
    const runtimeApi = await serve((req, res) => {
      sockets.add(req.socket);
      registerThenNext()(req, res);
    });
    const client = createExtensionsClient({ runtimeApi, extensionName: 'data-taps' });

    await client.register(['INVOKE']);
    await client.next();
    await client.next();
    client.close();

    expect(sockets.size).toBe(1);
  });

  it('stays usable after close(), on a new connection', async () => {
    const sockets = new Set<unknown>();
    const runtimeApi = await serve((req, res) => {
      sockets.add(req.socket);
      registerThenNext()(req, res);
    });
    const client = createExtensionsClient({ runtimeApi, extensionName: 'data-taps' });
    await client.register(['INVOKE']);

    client.close();
    client.close();
    await expect(client.next()).resolves.toMatchObject({ eventType: 'INVOKE' });
    client.close();

    expect(sockets.size).toBe(2);
  });

  it('fails with a connection error when the response is cut before its end', async () => {
    const runtimeApi = await serve((req, res) => {
      if (req.url?.endsWith('/register')) {
        registerThenNext()(req, res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"eventType":"INV', () => res.destroy());
    });
    const client = createExtensionsClient({ runtimeApi, extensionName: 'data-taps' });
    await client.register(['INVOKE']);

    const error = await client.next().catch((caught: unknown) => caught);
    client.close();

    expect(error).toBeInstanceOf(ExtensionsApiConnectionError);
    expect(error).toMatchObject({ endpoint: 'event/next' });
  });

  it('fails with a connection error when nothing listens', async () => {
    const runtimeApi = await serve(() => {});
    const closing = server;
    server = undefined;
    await new Promise((resolve) => closing?.close(resolve));
    const client = createExtensionsClient({ runtimeApi, extensionName: 'data-taps' });

    const error = await client.register(['INVOKE']).catch((caught: unknown) => caught);
    client.close();

    expect(error).toBeInstanceOf(ExtensionsApiConnectionError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('reads a repeated response header', async () => {
    const runtimeApi = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('lambda-extension-identifier', EXTENSION_ID);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(fixture('register-response.json')));
    });
    const client = createExtensionsClient({ runtimeApi, extensionName: 'data-taps' });

    await expect(client.register(['INVOKE'])).resolves.toMatchObject({ extensionId: EXTENSION_ID });
    client.close();
  });
});

describe('injected fetch transport', () => {
  type Call = { url: string; init: RequestInit };

  function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
    const calls: Call[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      const call = { url, init };
      calls.push(call);
      return answer(call);
    }) as unknown as typeof fetch;
    return { calls, fetchFn };
  }

  it('sends every call through the injected fetch', async () => {
    const { calls, fetchFn } = fakeFetch(({ url }) =>
      url.endsWith('/register')
        ? Response.json(fixture('register-response.json'), {
            headers: { 'Lambda-Extension-Identifier': EXTENSION_ID },
          })
        : url.endsWith('/event/next')
          ? Response.json(fixture('shutdown-event.json'))
          : new Response(null, { status: 202 }),
    );
    const client = createExtensionsClient(
      { runtimeApi: '127.0.0.1:9001', extensionName: 'x' },
      { fetch: fetchFn },
    );

    await client.register(['SHUTDOWN']);
    const controller = new AbortController();
    await expect(client.next({ signal: controller.signal })).resolves.toMatchObject({
      eventType: 'SHUTDOWN',
    });
    await client.exitError('Extension.Crash', { errorMessage: 'bye' });
    client.close();

    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ['POST', 'http://127.0.0.1:9001/2020-01-01/extension/register'],
      ['GET', 'http://127.0.0.1:9001/2020-01-01/extension/event/next'],
      ['POST', 'http://127.0.0.1:9001/2020-01-01/extension/exit/error'],
    ]);
    expect(calls[0]?.init.headers).toEqual({
      'lambda-extension-name': 'x',
      'content-type': 'application/json',
    });
    expect(calls[0]?.init.body).toBe('{"events":["SHUTDOWN"]}');
    expect(calls[1]?.init.signal).toBe(controller.signal);
    expect(calls[1]?.init.body).toBeUndefined();
  });

  it('reads a missing identifier header as missing', async () => {
    const { fetchFn } = fakeFetch(() => Response.json(fixture('register-response.json')));
    const client = createExtensionsClient(
      { runtimeApi: '127.0.0.1:9001', extensionName: 'x' },
      { fetch: fetchFn },
    );

    await expect(client.register(['INVOKE'])).rejects.toMatchObject({
      issues: ['missing Lambda-Extension-Identifier header'],
    });
  });

  it("surfaces the signal's reason when fetch rejects after an abort", async () => {
    const controller = new AbortController();
    const { fetchFn } = fakeFetch(({ url }) => {
      if (url.endsWith('/register')) {
        return Response.json(fixture('register-response.json'), {
          headers: { 'Lambda-Extension-Identifier': EXTENSION_ID },
        });
      }
      controller.abort(new Error('stop'));
      throw new TypeError('fetch failed');
    });
    const client = createExtensionsClient(
      { runtimeApi: '127.0.0.1:9001', extensionName: 'x' },
      { fetch: fetchFn },
    );
    await client.register(['INVOKE']);

    await expect(client.next({ signal: controller.signal })).rejects.toThrow('stop');
  });

  it('wraps a fetch failure in a connection error', async () => {
    const { fetchFn } = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    const client = createExtensionsClient(
      { runtimeApi: '127.0.0.1:9001', extensionName: 'x' },
      { fetch: fetchFn },
    );

    await expect(client.register(['INVOKE'])).rejects.toBeInstanceOf(ExtensionsApiConnectionError);
  });
});
