/**
 * A small `fetch` over `node:http` / `node:https`, for the Telemetry API subscription and the Data
 * Tap sink. Node's global `fetch` (and `Response`) load undici on first use: ~40 ms and ~9 MB at a
 * cold start and on the first flush, in a process whose memory counts against the function's. The
 * sink and the subscription use only this part of fetch: a method, headers, a string or byte body,
 * an AbortSignal, no redirects followed; the status, two headers and the body as a stream.
 */
import { Agent as HttpAgent, request as httpRequestRaw, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequestRaw } from 'node:https';

/** What {@link httpRequest} takes (a subset of fetch's `RequestInit`). */
export interface SmallRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Redirects are never followed: a 3xx is answered as it came (fetch's `manual`). */
  redirect?: 'manual';
}

/** The part of a fetch `Response` the sink and the subscription read. */
export interface SmallResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: {
    getReader(): {
      read(): Promise<{ done: true; value: undefined } | { done: false; value: Uint8Array }>;
      cancel(): Promise<void>;
    };
  };
  text(): Promise<string>;
}

// Connections are kept alive between flushes (a new TLS handshake per batch would cost more). Each
// agent is made on its first request: the bundle loads node:https (and TLS) only then, off the
// cold start path (see tsup.config.ts).
const agents: { http?: HttpAgent; https?: HttpsAgent } = {};
function agentFor(secure: boolean): HttpAgent {
  if (secure) {
    agents.https ??= new HttpsAgent({ keepAlive: true });
    return agents.https;
  }
  agents.http ??= new HttpAgent({ keepAlive: true });
  return agents.http;
}

/**
 * A kept-alive connection idle longer than this (wall clock, so a frozen environment's time counts)
 * is not used again: servers close idle connections after a few seconds (node's after 5 s), and
 * a close that came while the environment was frozen is read only after the thaw, so the next
 * request on that connection fails ("socket hang up") and waits for a retry, often after the next
 * freeze. Under steady traffic connections stay in use and are kept.
 */
export const IDLE_REUSE_MS = 2_000;
let lastActivity = Number.NEGATIVE_INFINITY;

/** Drops the agents' idle connections when nothing was sent or received for {@link IDLE_REUSE_MS}. */
function forgetStaleConnections(now: number): void {
  if (now - lastActivity <= IDLE_REUSE_MS) return;
  for (const agent of [agents.http, agents.https]) {
    if (!agent) continue;
    for (const sockets of Object.values(agent.freeSockets))
      for (const socket of sockets ?? []) socket.destroy();
  }
}

function responseOf(res: IncomingMessage): SmallResponse {
  const chunks = res[Symbol.asyncIterator]();
  let used = false;
  const take = () => {
    if (used) throw new TypeError('the body was already read');
    used = true;
  };
  return {
    status: res.statusCode ?? 0,
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: {
      getReader() {
        take();
        return {
          async read() {
            const next = await chunks.next();
            return next.done
              ? { done: true as const, value: undefined }
              : { done: false as const, value: next.value as Uint8Array };
          },
          async cancel() {
            res.destroy();
          },
        };
      },
    },
    async text() {
      take();
      const parts: Buffer[] = [];
      for await (const chunk of chunks as AsyncIterableIterator<Buffer>) parts.push(chunk);
      return Buffer.concat(parts).toString('utf8');
    },
  };
}

/**
 * Sends one HTTP(S) request; resolves when the answer's headers arrived, with its body to read.
 * @example
 * const response = await httpRequest('http://127.0.0.1:9001/x', { method: 'PUT', body: '{}' });
 * const text = await response.text();
 */
export function httpRequest(url: string | URL, init: SmallRequestInit = {}): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      reject(new TypeError(`only http: and https: URLs are supported, got ${target.protocol}`));
      return;
    }
    const started = Date.now();
    forgetStaleConnections(started);
    lastActivity = started;
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = (secure ? httpsRequestRaw : httpRequestRaw)(
      target,
      {
        method: init.method ?? 'GET',
        headers,
        agent: agentFor(secure),
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        lastActivity = Date.now();
        res.once('end', () => {
          lastActivity = Date.now();
        });
        resolve(responseOf(res));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
