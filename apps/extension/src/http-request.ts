/**
 * A small `fetch` over `node:http` for the Lambda APIs on the sandbox's loopback address: what the
 * Telemetry API subscription needs (a method, headers, a string body; the status and the text of
 * the answer). Node's global `fetch` loads undici on first use, ~40 ms and ~9 MB at every cold
 * start; this keeps Init on `node:http`, which the Extensions API client already uses.
 */
import { request } from 'node:http';

/** The part of a fetch `Response` the subscription reads. */
export interface SmallResponse {
  status: number;
  text(): Promise<string>;
}

/**
 * Sends one HTTP request (plain `http:` only) and resolves with its status and text.
 * @example
 * const response = await httpRequest('http://127.0.0.1:9001/x', { method: 'PUT', body: '{}' });
 */
export function httpRequest(
  url: string | URL,
  init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'http:') {
      reject(new Error(`httpRequest: only http: URLs are supported, got ${target.protocol}`));
      return;
    }
    const req = request(
      target,
      {
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text: async () => text });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
