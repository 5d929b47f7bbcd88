/**
 * What an injected fault does to one request. Every field is optional; an empty action changes
 * nothing.
 *
 * - `status`, `body`, `contentType`, `headers`: the answer sent instead of the tap's own (without
 *   `status` the tap's own status is kept, so `{ delayMs: 3000 }` only slows an answer down);
 * - `delayMs`: wait before answering (after the body was stored, when it is);
 * - `reset`: destroy the socket instead of answering;
 * - `truncate`: send the status line, the headers and part of the body, then destroy the socket;
 * - `store`: whether a valid body is stored; default: stored only when the status answered is
 *   2xx and the socket is not reset. `{ status: 500, store: true }` is "stored, but the client
 *   was told it failed" (a retry then duplicates rows), `{ reset: true, store: true }` is "stored,
 *   answer lost".
 *
 * @example
 * ```ts
 * const faults = ({ n }: FaultRequest): FaultAction | undefined =>
 *   n === 1 ? { status: 503, body: '{"message":"Service Unavailable"}' } : undefined;
 * createLocalTap({ outDir: './out' }, { faults });
 * ```
 */
export interface FaultAction {
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  reset?: boolean;
  truncate?: boolean;
  store?: boolean;
}

/**
 * What the fault hook is told about a request, once its body has been read.
 *
 * @example
 * ```ts
 * const faults = (request: FaultRequest): FaultAction | undefined =>
 *   request.bytes > 1_000_000 ? { status: 429 } : undefined;
 * ```
 */
export interface FaultRequest {
  /** The request's number, from 1, counting every request the tap received. */
  n: number;
  /** The body bytes received (as sent: compressed when gzip). */
  bytes: number;
  /** The request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The fault hook: answers a {@link FaultAction} for a request, or undefined for none.
 *
 * @example
 * ```ts
 * const hook: FaultHook = ({ n }) => (n % 10 === 0 ? { reset: true } : undefined);
 * ```
 */
export type FaultHook = (request: FaultRequest) => FaultAction | undefined;
