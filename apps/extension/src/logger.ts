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

/** pino's numeric levels, to decide whether a line is written without building pino for it. */
const LEVEL_VALUES = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
} as const;
type Method = 'debug' | 'info' | 'warn' | 'error';
/** Lines held before {@link ExtensionLogger.release} at most; the next one releases them all. */
const MAX_HELD_LINES = 64;

/** The extension's logger: the four methods, plus the release of the lines held during Init. */
export interface ExtensionLogger extends Logger {
  /** Writes the held lines (in order, with the time they were logged) and stops holding. */
  release(): void;
}

/**
 * Creates the extension's logger on a file descriptor (stdout by default), written synchronously.
 *
 * pino is built on the first line written, not before (the bundle loads its modules then too): a
 * cold start that logs nothing at its level pays nothing for it. With `hold: true`, debug and info
 * lines wait, with the time they were logged, until `release()` (or a warning or error, which
 * writes them first): the extension holds them until Lambda knows it registered and subscribed,
 * so that building pino is not on that path. Warnings and errors are never held.
 * @example
 * const { logger } = createLogger('info');
 * logger.info('registered', { extensionId });
 */
export function createLogger(level: string, options: { fd?: number; hold?: boolean } = {}) {
  const threshold: number = LEVEL_VALUES[level as keyof typeof LEVEL_VALUES] ?? LEVEL_VALUES.info;
  let root: pino.Logger | undefined;
  // The time of the held line being written; pino's own clock otherwise.
  let heldTime: number | undefined;
  const build = () =>
    pino(
      {
        level,
        base: { logger: SELF_MARKER },
        timestamp: () => `,"time":"${new Date(heldTime ?? Date.now()).toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      createSyncDestination(options.fd ?? 1),
    );
  let held: { method: Method; message: string; fields: Record<string, unknown>; time: number }[] | undefined =
    options.hold ? [] : undefined;
  const release = () => {
    const lines = held;
    held = undefined;
    if (!lines || lines.length === 0) return;
    root ??= build();
    for (const line of lines) {
      heldTime = line.time;
      root[line.method](line.fields, line.message);
    }
    heldTime = undefined;
  };
  const write = (method: Method, message: string, fields?: Record<string, unknown>) => {
    const value = LEVEL_VALUES[method];
    if (value < threshold) return;
    if (held && value < LEVEL_VALUES.warn && held.length < MAX_HELD_LINES) {
      held.push({ method, message, fields: fields ?? {}, time: Date.now() });
      return;
    }
    // A line that cannot be written (a field whose getter throws, a broken stdout) is given up: the
    // libraries call this logger inside timers and socket events, where a throw would end the process.
    try {
      release();
      root ??= build();
      root[method](fields ?? {}, message);
    } catch {
      // given up on purpose
    }
  };
  const logger: ExtensionLogger = {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    release,
  };
  return { logger };
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
