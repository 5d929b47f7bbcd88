import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { checkAuthorization } from './auth.js';
import { base64Length, isValidUtf8, jsonEscapedLength, mediaType, scanNdjson } from './body-checks.js';
import type { ResolvedLocalTapOptions } from './options.js';
import type { BodyRead } from './request-body.js';

const gunzipAsync = promisify(gunzip);

/**
 * Why a request was refused; each cause has its counter in `stats().rejected`.
 *
 * @example
 * ```ts
 * const cause: RejectCause = 'tooLarge';
 * console.log(tap.stats().rejected[cause]);
 * ```
 */
export type RejectCause =
  | 'method'
  | 'auth'
  | 'expired'
  | 'badContent'
  | 'tooLarge'
  | 'empty'
  | 'badEncoding'
  | 'badJson'
  | 'stopping'
  | 'internal'
  | 'fault';

/** The tap's decision on a request, before any injected fault. */
export type Verdict =
  | { ok: true; status: 200; data: Buffer; lines: number; gzip: boolean }
  | { ok: false; status: number; cause: RejectCause; error: string; message: string };

function reject(status: number, cause: RejectCause, error: string, message: string): Verdict {
  return { ok: false, status, cause, error, message };
}

/** The request facts the verdict needs. */
export interface RequestFacts {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  /** The bytes of the request line and headers as received (for the event size). */
  headerBytes: number;
  read: Exclude<BodyRead, { kind: 'aborted' }>;
}

function tooLarge(bytes: number, limit: number, what: string): Verdict {
  return reject(
    413,
    'tooLarge',
    'PayloadTooLarge',
    `Request too large: ${what} is ${bytes} bytes, the limit is ${limit} bytes`,
  );
}

/**
 * Decides what the tap answers to a request, in the order the real tap (behind a Function URL)
 * does: the size limit first, then method, token, content type, encoding and the body itself.
 * @internal
 */
export async function decideRequest(facts: RequestFacts, options: ResolvedLocalTapOptions): Promise<Verdict> {
  const { headers, read } = facts;
  const gzip = ['gzip', 'x-gzip'].includes((headers['content-encoding'] ?? '').trim().toLowerCase());
  if (read.kind === 'tooLarge') return tooLarge(read.bytes, options.maxBodyBytes, 'the body');
  const raw = read.body;
  if (options.limitAppliesTo === 'event') {
    const eventBytes = (gzip ? base64Length(raw.length) : jsonEscapedLength(raw)) + facts.headerBytes;
    if (eventBytes > options.maxBodyBytes) {
      return tooLarge(
        eventBytes,
        options.maxBodyBytes,
        `the Lambda event built from it (${raw.length} body bytes)`,
      );
    }
  }
  if (facts.method !== 'POST') {
    return reject(
      405,
      'method',
      'MethodNotAllowed',
      `Method ${facts.method ?? '(none)'} not allowed: use POST`,
    );
  }
  const auth = checkAuthorization(headers['x-bd-authorization'], options.token);
  if (auth === 'missing') {
    return reject(401, 'auth', 'Unauthorized', 'Missing x-bd-authorization header: send your Data Tap token');
  }
  if (auth === 'expired') {
    return reject(
      401,
      'expired',
      'TokenExpired',
      'The x-bd-authorization token has expired: fetch a fresh token and retry',
    );
  }
  if (auth === 'invalid')
    return reject(403, 'auth', 'Forbidden', 'The x-bd-authorization token is not valid');
  const type = mediaType(headers['content-type']);
  if (type !== 'application/x-ndjson') {
    return reject(
      415,
      'badContent',
      'UnsupportedMediaType',
      `Content-Type must be application/x-ndjson, got ${type === '' ? '(none)' : type}`,
    );
  }
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (!gzip && encoding !== '' && encoding !== 'identity') {
    return reject(
      415,
      'badContent',
      'UnsupportedMediaType',
      `Content-Encoding ${encoding} is not supported: send gzip or no encoding`,
    );
  }
  if (raw.length === 0)
    return reject(400, 'empty', 'BadRequest', 'Empty body: send one JSON object per line');
  let data = raw;
  if (gzip) {
    try {
      data = await gunzipAsync(raw, { maxOutputLength: options.maxInflatedBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return tooLarge(
          options.maxInflatedBytes + 1,
          options.maxInflatedBytes,
          'the decompressed body (at least)',
        );
      }
      return reject(
        400,
        'badEncoding',
        'BadRequest',
        'Content-Encoding is gzip but the body is not valid gzip',
      );
    }
  }
  if (!isValidUtf8(data)) return reject(400, 'badEncoding', 'BadRequest', 'The body is not valid UTF-8');
  const scan = scanNdjson(data);
  if (scan.lines === 0) return reject(400, 'empty', 'BadRequest', 'Empty body: no line has any content');
  if (!scan.hasObject) {
    return reject(400, 'badJson', 'BadRequest', 'The body is not NDJSON: no line is a JSON object');
  }
  return { ok: true, status: 200, data, lines: scan.lines, gzip };
}
