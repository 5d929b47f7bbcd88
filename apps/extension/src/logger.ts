/**
 * The extension's own log: pino with a synchronous destination and no transports (an asynchronous
 * logger loses lines when Lambda freezes the environment), and the four-method Logger the libraries
 * accept. Every line carries `"logger":"data-taps"`, which is how the extension recognises its own
 * lines coming back as `extension` telemetry and keeps them out of the tap (no feedback loop).
 */
import { writeSync } from 'node:fs';
import pino from 'pino';

/** The marker field of every line the extension logs. */
export const SELF_MARKER = 'data-taps';
const SELF_MARKER_TEXT = `"logger":"${SELF_MARKER}"`;

/** The logger the libraries accept. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Creates the extension's logger on a file descriptor (stdout by default), written synchronously.
 * @example
 * const { logger } = createLogger('info');
 * logger.info('registered', { extensionId });
 */
export function createLogger(level: string, options: { fd?: number } = {}) {
  const destination = createSyncDestination(options.fd ?? 1);
  const root = pino(
    {
      level,
      base: { logger: SELF_MARKER },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const logger: Logger = {
    debug: (message, fields) => root.debug(fields ?? {}, message),
    info: (message, fields) => root.info(fields ?? {}, message),
    warn: (message, fields) => root.warn(fields ?? {}, message),
    error: (message, fields) => root.error(fields ?? {}, message),
  };
  return { logger, pino: root };
}

/** How {@link createSyncDestination} writes: `fs.writeSync`'s shape. */
export type WriteSync = (fd: number, buffer: Uint8Array, offset: number) => number;

/** How long a write waits for a full pipe to drain before it tries again. */
const FULL_PIPE_WAIT_MS = 1;
/** A full pipe is waited for at most this long per line; then the line is given up. */
const FULL_PIPE_GIVE_UP_MS = 1_000;

/**
 * The pino destination: each line written to `fd` at once, whole, before `write` returns (what
 * pino's own `pino.destination({ sync: true })` does, without the 9 KB of sonic-boom the bundle
 * would carry for it). A pipe that is full (`EAGAIN`) is waited for in 1 ms steps; a line that still
 * cannot be written after a second, or a closed descriptor, is dropped rather than thrown at the
 * caller: a log line is never worth stopping the extension for.
 * @example
 * pino({}, createSyncDestination(1));
 */
export function createSyncDestination(fd: number, write: WriteSync = writeSync) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return {
    write(line: string): boolean {
      const bytes = Buffer.from(line, 'utf8');
      let offset = 0;
      let waited = 0;
      while (offset < bytes.length) {
        try {
          offset += write(fd, bytes, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= FULL_PIPE_GIVE_UP_MS)
            return false;
          Atomics.wait(pause, 0, 0, FULL_PIPE_WAIT_MS);
          waited += FULL_PIPE_WAIT_MS;
        }
      }
      return true;
    },
  };
}

/**
 * True when an `extension` telemetry record is one of the extension's own log lines.
 * @example
 * if (record.type === 'extension' && isOwnLogLine(record.record)) skip();
 */
export function isOwnLogLine(record: unknown): boolean {
  if (typeof record === 'string') return record.includes(SELF_MARKER_TEXT);
  if (typeof record === 'object' && record !== null) {
    const fields = record as Record<string, unknown>;
    if (fields['logger'] === SELF_MARKER) return true;
    const message = fields['message'];
    return typeof message === 'string' && message.includes(SELF_MARKER_TEXT);
  }
  return false;
}
