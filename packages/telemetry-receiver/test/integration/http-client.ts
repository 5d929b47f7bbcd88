import { Buffer } from 'node:buffer';
import { type Agent, request } from 'node:http';

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One request to 127.0.0.1, on a fresh connection closed after the answer unless an `agent` is
 * given (a keep-alive agent keeps the connection open for the next request, as Lambda does). A body
 * given as chunks is sent chunked.
 */
export function send(
  port: number,
  options: {
    method?: string;
    path?: string;
    body?: string | Uint8Array | Uint8Array[];
    headers?: Record<string, string | number>;
    agent?: Agent;
  },
): Promise<Answer> {
  const { method = 'POST', path = '/', body, headers = {}, agent = false } = options;
  return new Promise((resolve, reject) => {
    const allHeaders: Record<string, string | number> = { 'content-type': 'application/json', ...headers };
    if (body !== undefined && !Array.isArray(body) && allHeaders['content-length'] === undefined) {
      allHeaders['content-length'] = Buffer.byteLength(body as string | Uint8Array);
    }
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: allHeaders }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** A promise with its resolve and reject, for consumers the test controls. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
