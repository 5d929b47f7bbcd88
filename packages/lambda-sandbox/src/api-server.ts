import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendError } from './http-utils.js';

type Handler = (req: IncomingMessage, res: ServerResponse, id?: string) => Promise<void>;

/** The routes of the one server serving the Runtime, Extensions and Telemetry APIs. */
export interface ApiRoutes {
  register: Handler;
  extensionNext: Handler;
  extensionInitError: Handler;
  extensionExitError: Handler;
  telemetrySubscribe: Handler;
  runtimeNext: Handler;
  runtimeResponse: Handler;
  runtimeError: Handler;
  runtimeInitError: Handler;
}

const INVOCATION = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

function route(
  routes: ApiRoutes,
  method: string,
  path: string,
): { handler: Handler; id?: string } | 'method' | undefined {
  const table: Record<string, [string, Handler]> = {
    '/2020-01-01/extension/register': ['POST', routes.register],
    '/2020-01-01/extension/event/next': ['GET', routes.extensionNext],
    '/2020-01-01/extension/init/error': ['POST', routes.extensionInitError],
    '/2020-01-01/extension/exit/error': ['POST', routes.extensionExitError],
    '/2022-07-01/telemetry': ['PUT', routes.telemetrySubscribe],
    '/2018-06-01/runtime/invocation/next': ['GET', routes.runtimeNext],
    '/2018-06-01/runtime/init/error': ['POST', routes.runtimeInitError],
  };
  const fixed = table[path];
  if (fixed) return fixed[0] === method ? { handler: fixed[1] } : 'method';
  const match = INVOCATION.exec(path);
  if (!match) return undefined;
  if (method !== 'POST') return 'method';
  const handler = match[2] === 'response' ? routes.runtimeResponse : routes.runtimeError;
  return { handler, id: decodeURIComponent(match[1] as string) };
}

/**
 * Starts the API server on 127.0.0.1 at a free port. Long polls never time out.
 * @internal
 */
export async function startApiServer(
  routes: ApiRoutes,
  onError: (error: unknown) => void,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const found = route(routes, req.method ?? 'GET', path);
    if (found === undefined) {
      req.resume();
      sendError(res, 404, 'InvalidRequest', `No such API: ${req.method} ${path}`);
      return;
    }
    if (found === 'method') {
      req.resume();
      sendError(res, 405, 'InvalidRequest', `Method ${req.method} not allowed on ${path}`);
      return;
    }
    found.handler(req, res, found.id).catch((error: unknown) => {
      onError(error);
      sendError(res, 500, 'ServiceException', 'Internal error of the sandbox');
    });
  });
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  server.timeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
