import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The body as received on the wire. */
  raw: Buffer;
  /** The body after gunzip when it was gzip-encoded. */
  text: string;
  /** Which TCP connection carried it (1 = the first one accepted). */
  connection: number;
}

/** What the test server does with one request: answer, or hold it without answering. */
export type Script = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A real HTTP tap stand-in on 127.0.0.1 with scripted answers (default: 200 with a JSON statusCode). */
export async function startLoopbackTap() {
  const received: ReceivedRequest[] = [];
  const scripts: Script[] = [];
  let connections = 0;
  const ids = new WeakMap<object, number>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzip = request.headers['content-encoding'] === 'gzip';
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        raw,
        text: (gzip ? gunzipSync(raw) : raw).toString('utf8'),
        connection: ids.get(request.socket) ?? 0,
      });
      const script = scripts.shift() ?? { status: 200, body: '{"statusCode":200,"message":"Accepted"}' };
      if (script === 'hang') return;
      response.writeHead(script.status, { 'content-type': 'application/json', ...script.headers });
      response.end(script.body ?? JSON.stringify({ statusCode: script.status }));
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    ids.set(socket, connections);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    received,
    script: (...next: Script[]) => scripts.push(...next),
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
