import { type IncomingHttpHeaders, request } from 'node:http';
import { text } from 'node:stream/consumers';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** One request on its own connection (no agent), to see exactly what a server answers. */
export function raw(
  runtimeApi: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const [host, port] = runtimeApi.split(':');
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host, port, method, path, headers: options.headers, agent: false, signal: options.signal },
      (incoming) => {
        text(incoming).then((body) => {
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body, json });
        }, reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

export const EXT = '/2020-01-01/extension';

export async function rawRegister(
  runtimeApi: string,
  name: string,
  events: string[] = ['INVOKE', 'SHUTDOWN'],
): Promise<string> {
  const response = await raw(runtimeApi, 'POST', `${EXT}/register`, {
    headers: { 'lambda-extension-name': name },
    body: JSON.stringify({ events }),
  });
  if (response.status !== 200) throw new Error(`register failed: ${response.status} ${response.body}`);
  return String(response.headers['lambda-extension-identifier']);
}

export function rawNext(runtimeApi: string, id: string, signal?: AbortSignal): Promise<RawResponse> {
  const options: { headers: Record<string, string>; signal?: AbortSignal } = {
    headers: { 'lambda-extension-identifier': id },
  };
  if (signal) options.signal = signal;
  return raw(runtimeApi, 'GET', `${EXT}/event/next`, options);
}
