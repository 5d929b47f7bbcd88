/**
 * What main does with the entry's fast path (src/fast-path.ts): answers the entry already received,
 * read through the same `fetch` seam as main's own requests, so that the libraries' clients
 * (subscribeTelemetry, the Extensions API client) validate, log and report them exactly as if they
 * had sent them.
 */

import type { RawAnswer } from './fast-path.js';
import { httpRequest } from './http-request.js';

type Fetch = typeof fetch;

function responseOf(answer: RawAnswer) {
  return {
    status: answer.status,
    headers: {
      get(name: string): string | null {
        const value = answer.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: async () => answer.body,
  };
}

/** A `fetch` whose one answer is `answer` (already asked for); honours the caller's signal. */
export function answered(answer: Promise<RawAnswer>): Fetch {
  return ((_url: unknown, init?: { signal?: AbortSignal }) => {
    const signal = init?.signal;
    const reading = answer.then(responseOf);
    if (!signal) return reading;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      reading.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }) as unknown as Fetch;
}

/**
 * The Extensions API client's `fetch`: its first `event/next` is answered by `firstNext` (the
 * entry's), everything else goes out through httpRequest.
 */
export function withFirstNext(firstNext: Promise<RawAnswer> | undefined): Fetch {
  let pending = firstNext;
  return ((url: string | URL, init?: Parameters<typeof httpRequest>[1]) => {
    if (pending && String(url).endsWith('/event/next')) {
      const first = answered(pending);
      pending = undefined;
      return first(url, init);
    }
    return httpRequest(url, init);
  }) as unknown as Fetch;
}
