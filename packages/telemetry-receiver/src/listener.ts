import { Buffer, isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelemetryListenerError, type TelemetryParseError } from './errors.js';
import { isIpv6Literal } from './ip-literal.js';
import { type TelemetryListenerOptionsInput, telemetryListenerOptionsSchema } from './listener-options.js';
import { type Logger, safeLogger } from './logger.js';
import { type ParsedTelemetryBatch, parseTelemetryBatchDetailed } from './parse-batch.js';
import { parseOptions } from './parse-options.js';
import type { TelemetryRecord } from './telemetry-record.js';

/**
 * Facts about one batch, passed to `onBatch` beside its records.
 *
 * @example
 * ```ts
 * const onBatch = (records: TelemetryRecord[], info: TelemetryBatchInfo) => console.log(info.bytes);
 * ```
 */
export interface TelemetryBatchInfo {
  /** Size of the request body in bytes. */
  bytes: number;
  /** Records of a documented type that do not match its schema (they are in `records`). */
  invalidRecords: number;
}

/**
 * What {@link createTelemetryListener} needs from its user.
 *
 * @example
 * ```ts
 * const deps: TelemetryListenerDeps = { onBatch: async (records) => buffer.pushAll(records) };
 * ```
 */
export interface TelemetryListenerDeps {
  /**
   * Receives each batch. Lambda gets `200` only once it returned or its promise resolved; a throw
   * or a rejection answers `500` (counted as `consumerFailed`). Keep it fast: Lambda drops records
   * when the subscriber does not keep up.
   */
  onBatch: (records: TelemetryRecord[], info: TelemetryBatchInfo) => void | Promise<void>;
  /** Per-batch problems only (never per record). Default: no-op. */
  logger?: Logger;
}

/**
 * The listener's counters since it was created.
 *
 * @example
 * ```ts
 * const { batches, records, rejected } = listener.stats();
 * ```
 */
export interface ListenerStats {
  /** Batches acknowledged with `200` (their `onBatch` resolved). */
  batches: number;
  /** Records in those batches. */
  records: number;
  /** Body bytes of those batches. */
  bytes: number;
  /** Records of a documented type not matching its schema, passed through (over every parsed batch). */
  invalidRecords: number;
  /** Bodies that were not valid UTF-8 (decoded with U+FFFD, or rejected when `invalidUtf8: 'reject'`). */
  invalidUtf8: number;
  /** Requests answered with an error, by cause. */
  rejected: {
    /** `413`: body over `maxBodyBytes`. */
    tooLarge: number;
    /** `400`: not a JSON array of records (or invalid UTF-8 with `invalidUtf8: 'reject'`). */
    malformed: number;
    /** `500`: `onBatch` threw or rejected. */
    consumerFailed: number;
    /** `404`/`405`: another path or method than `POST path`. */
    wrongRoute: number;
    /** The client went away before the end of the body (nothing answered). */
    aborted: number;
    /** `503`: the body ended after `close()` was called (not handed to `onBatch`). */
    closing: number;
  };
  /** Batches being read or waiting for `onBatch` right now. */
  inFlight: number;
}

/**
 * The HTTP server Lambda delivers telemetry batches to.
 *
 * @example
 * ```ts
 * const { uri } = await listener.start();
 * await subscribeTelemetry({ ...options, destinationUri: uri });
 * ```
 */
export interface TelemetryListener {
  /**
   * Binds and starts listening; resolves with the advertised URI and the bound port (a free one
   * when `port` is in use and `portFallback` is on).
   */
  start(): Promise<{ uri: string; port: number }>;
  /** The advertised URI once started, else `undefined`. */
  readonly uri: string | undefined;
  /** A snapshot of the counters. */
  stats(): ListenerStats;
  /**
   * Stops accepting connections and closes the idle ones. From the call on `onBatch` is not called
   * again: a batch whose body ends later is answered `503`; the batches already handed to `onBatch`
   * are answered when it settles. Every answer carries `Connection: close`, so keep-alive clients
   * let go. Resolves once every connection is closed, or
   * `closeTimeoutMs` after the call, when the connections still open are destroyed.
   */
  close(): Promise<void>;
}

/**
 * Creates the listener that receives Telemetry API batches (`node:http`, no framework). Nothing
 * happens before `start()`.
 *
 * Each `POST` body is read up to `maxBodyBytes` (`413` beyond, without buffering the rest), parsed
 * once (`400` when it is not a JSON array of `{ time, type }` objects), handed to `onBatch`, and
 * answered `200` once `onBatch` resolved (`500` when it rejects, so Lambda may deliver again).
 * Records of unknown types, unexpected fields and documented types that do not match their schema
 * are all passed through.
 *
 * @throws {TelemetryReceiverOptionsError} for invalid options.
 *
 * @example
 * ```ts
 * const listener = createTelemetryListener(
 *   { address: 'sandbox', port: 4243 },
 *   { onBatch: async (records) => { await queue.push(records); } },
 * );
 * const { uri } = await listener.start(); // http://sandbox.localdomain:4243
 * ```
 */
export function createTelemetryListener(
  options: TelemetryListenerOptionsInput,
  deps: TelemetryListenerDeps,
): TelemetryListener {
  const config = parseOptions(telemetryListenerOptionsSchema, options, 'createTelemetryListener options');
  if (typeof deps?.onBatch !== 'function') {
    throw new TelemetryListenerError('createTelemetryListener deps.onBatch: expected a function');
  }
  const { onBatch } = deps;
  const logger = safeLogger(deps.logger);
  const sandbox = config.address === 'sandbox';
  const bindHost = sandbox ? (config._internal?.sandboxBindHost ?? '0.0.0.0') : config.address;
  const rejectInvalidUtf8 = config.invalidUtf8 === 'reject';

  const stats: ListenerStats = {
    batches: 0,
    records: 0,
    bytes: 0,
    invalidRecords: 0,
    invalidUtf8: 0,
    rejected: { tooLarge: 0, malformed: 0, consumerFailed: 0, wrongRoute: 0, aborted: 0, closing: 0 },
    inFlight: 0,
  };
  let server: Server | undefined;
  let uri: string | undefined;
  let state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  let closing: Promise<void> | undefined;

  const reply = (res: ServerResponse, statusCode: number, body?: object, close = false): void => {
    if (res.headersSent || res.destroyed) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(statusCode, {
      'content-length': Buffer.byteLength(text),
      ...(text === '' ? {} : { 'content-type': 'application/json' }),
      // Once closing, no connection is kept alive: server.close() waits for every one of them.
      ...(close || state === 'closed' ? { connection: 'close' } : {}),
    });
    res.end(text);
  };

  const tooLarge = (req: IncomingMessage, res: ServerResponse, bytes: number): void => {
    stats.rejected.tooLarge += 1;
    logger.warn('telemetry batch rejected: body too large', { bytes, maxBodyBytes: config.maxBodyBytes });
    // Answer now and close the connection after the answer; what the client still sends is read
    // and discarded (not buffered), so it gets the 413 instead of a reset.
    reply(
      res,
      413,
      { errorType: 'PayloadTooLarge', errorMessage: `body over ${config.maxBodyBytes} bytes` },
      true,
    );
    req.resume();
  };

  const deliver = async (res: ServerResponse, body: Buffer): Promise<void> => {
    const bytes = body.byteLength;
    if (!isUtf8(body)) {
      stats.invalidUtf8 += 1;
      if (rejectInvalidUtf8) {
        stats.rejected.malformed += 1;
        logger.warn('telemetry batch rejected: invalid UTF-8', { bytes });
        reply(res, 400, { errorType: 'InvalidUtf8', errorMessage: 'body is not valid UTF-8' });
        return;
      }
      logger.warn('telemetry batch is not valid UTF-8: invalid sequences replaced by U+FFFD', { bytes });
    }
    let parsed: ParsedTelemetryBatch;
    try {
      parsed = parseTelemetryBatchDetailed(body);
    } catch (error) {
      const parseError = error as TelemetryParseError;
      stats.rejected.malformed += 1;
      logger.warn('telemetry batch rejected: malformed', { bytes, reason: parseError.reason });
      reply(res, 400, { errorType: 'MalformedBatch', errorMessage: parseError.message });
      return;
    }
    if (parsed.invalidRecords > 0) {
      stats.invalidRecords += parsed.invalidRecords;
      logger.warn('telemetry records not matching their schema passed through', {
        count: parsed.invalidRecords,
        types: parsed.invalidTypes,
      });
    }
    try {
      await onBatch(parsed.records, { bytes, invalidRecords: parsed.invalidRecords });
    } catch (error) {
      stats.rejected.consumerFailed += 1;
      logger.error('telemetry batch consumer failed', {
        records: parsed.records.length,
        bytes,
        error: error instanceof Error ? error.message : String(error),
      });
      reply(res, 500, { errorType: 'ConsumerFailed', errorMessage: 'the consumer did not accept the batch' });
      return;
    }
    stats.batches += 1;
    stats.records += parsed.records.length;
    stats.bytes += bytes;
    reply(res, 200);
  };

  // deliver() answers every failure itself (bad body, consumer failure); this only keeps a bug from
  // becoming an unhandled rejection, which would end the process.
  /* v8 ignore start -- @preserve */
  const internalFailure =
    (res: ServerResponse) =>
    (error: unknown): void => {
      logger.error('telemetry listener failed on a batch', { error: String(error) });
      reply(res, 500, { errorType: 'InternalError', errorMessage: 'listener failure' });
    };
  /* v8 ignore stop -- @preserve */

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const pathname = query === -1 ? url : url.slice(0, query);
    if (pathname !== config.path) {
      stats.rejected.wrongRoute += 1;
      reply(res, 404, { errorType: 'NotFound', errorMessage: `POST batches to ${config.path}` });
      return;
    }
    if (req.method !== 'POST') {
      stats.rejected.wrongRoute += 1;
      res.setHeader('allow', 'POST');
      reply(res, 405, { errorType: 'MethodNotAllowed', errorMessage: 'only POST is accepted' });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > config.maxBodyBytes) {
      tooLarge(req, res, declared);
      return;
    }

    stats.inFlight += 1;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stats.inFlight -= 1;
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > config.maxBodyBytes) {
        chunks.length = 0;
        finish();
        tooLarge(req, res, size);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      if (state === 'closed') {
        // The consumer may be gone already (a buffer closed before its listener): a batch it has
        // not taken is refused, never acknowledged and then lost.
        finish();
        stats.rejected.closing += 1;
        logger.warn('telemetry batch refused: the listener is closing', { bytes: size });
        reply(res, 503, { errorType: 'ListenerClosed', errorMessage: 'the listener is closing' });
        return;
      }
      deliver(res, Buffer.concat(chunks, size)).catch(internalFailure(res)).finally(finish);
    });
    req.on('error', () => {});
    req.on('close', () => {
      if (done || req.complete) return;
      stats.rejected.aborted += 1;
      chunks.length = 0;
      finish();
    });
  };

  return {
    get uri() {
      return uri;
    },

    async start() {
      if (state !== 'new') throw new TelemetryListenerError(`listener cannot start: it is already ${state}`);
      state = 'starting';
      const created = createServer(handle);
      // Lambda keeps its connection to the listener open across freezes. With a keep-alive timeout,
      // the timer fires late right after a thaw and closes the socket Lambda is about to reuse
      // (its batch then fails and is dropped): idle connections stay open until the client closes.
      created.keepAliveTimeout = 0;
      const bind = (port: number) =>
        new Promise<void>((resolve, reject) => {
          created.once('error', reject);
          created.listen(port, bindHost, () => {
            created.off('error', reject);
            resolve();
          });
        });
      let tried = config.port;
      try {
        try {
          await bind(tried);
        } catch (error) {
          // Another process holds the port (on Lambda: another extension): any port will do, since
          // the subscription advertises the one bound. Other errors (address, permission) stand.
          if (!config.portFallback || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          tried = 0;
          await bind(tried);
          const port = (created.address() as AddressInfo).port;
          logger.warn('telemetry listener port in use: listening on a free port instead', {
            busyPort: config.port,
            port,
          });
        }
      } catch (error) {
        state = 'closed';
        throw new TelemetryListenerError(
          `listener cannot bind ${bindHost}:${tried}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      if ((state as typeof state | 'closed') === 'closed') {
        // close() was called while binding: do not leave the socket open.
        await new Promise((resolve) => created.close(resolve));
        throw new TelemetryListenerError('listener closed while starting');
      }
      created.on('error', (error) => logger.error('telemetry listener error', { error: error.message }));
      server = created;
      const port = (created.address() as AddressInfo).port;
      const host = sandbox
        ? 'sandbox.localdomain'
        : isIpv6Literal(config.address)
          ? `[${config.address}]`
          : config.address;
      uri = `http://${host}:${port}${config.path === '/' ? '' : config.path}`;
      state = 'started';
      logger.info('telemetry listener started', { bind: `${bindHost}:${port}`, uri });
      return { uri, port };
    },

    stats() {
      return { ...stats, rejected: { ...stats.rejected } };
    },

    close() {
      if (closing) return closing;
      const current = server;
      state = 'closed';
      if (!current) {
        closing = Promise.resolve();
        return closing;
      }
      closing = new Promise<void>((resolve) => {
        // A client that neither finishes its request nor lets go of the connection (one stalled
        // mid-body) would hold close() open for ever: past the bound, its connection is destroyed.
        const timer = setTimeout(() => current.closeAllConnections(), config.closeTimeoutMs);
        current.close(() => {
          clearTimeout(timer);
          resolve();
        });
        current.closeIdleConnections();
      });
      return closing;
    },
  };
}
