import { type Agent, request as httpRequest } from 'node:http';
import { finished } from 'node:stream';

/** One HTTP exchange, as the client needs it. */
export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  status: number;
  /** Looks a response header up by name, case-insensitively. */
  header(name: string): string | undefined;
  body: string;
}

/** Sends a request; rejects with the signal's reason on abort, with the raw error otherwise. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * A transport over `node:http` with the given agent. No timeout of any kind is set, so a long poll
 * of `event/next` may wait as long as Lambda keeps the environment idle.
 */
export function createNodeHttpTransport(agent: Agent): Transport {
  return (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      const settle = (action: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const onAbort = (): void => {
        settle(() => reject(signal?.reason));
        outgoing.destroy();
      };
      const url = new URL(request.url);
      const headers: Record<string, string | number> = { ...request.headers };
      if (request.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(request.body);
      }
      const outgoing = httpRequest(
        {
          agent,
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers,
        },
        (incoming) => {
          // The body is collected by hand: node:stream/consumers (and its TextDecoder) would be
          // loaded at the first request, on the cold start path. `finished` also reports a
          // connection that closes mid-body without an error.
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          finished(incoming, (error) =>
            settle(() =>
              error
                ? reject(error)
                : resolve({
                    status: incoming.statusCode ?? 0,
                    header: (name) => {
                      const value = incoming.headers[name.toLowerCase()];
                      return Array.isArray(value) ? value.join(', ') : value;
                    },
                    body: Buffer.concat(chunks).toString('utf8'),
                  }),
            ),
          );
        },
      );
      outgoing.on('error', (error) => settle(() => reject(error)));
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.end(request.body);
    });
}

/** A transport over an injected WHATWG `fetch` (for runtimes or tests that prefer it). */
export function createFetchTransport(fetchFn: typeof fetch): Transport {
  return async (request) => {
    const init: RequestInit = { method: request.method, headers: { ...request.headers } };
    if (request.body !== undefined) {
      init.body = request.body;
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    if (request.signal) init.signal = request.signal;
    const response = await fetchFn(request.url, init);
    const body = await response.text();
    return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
  };
}
