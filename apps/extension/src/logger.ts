/**
 * The extension's own log: pino with a synchronous destination and no transports (an asynchronous
 * logger loses lines when Lambda freezes the environment), and the four-method Logger the libraries
 * accept. Every line carries `"logger":"data-taps"`, which is how the extension recognises its own
 * lines coming back as `extension` telemetry and keeps them out of the tap (no feedback loop).
 */
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
  const destination = pino.destination({ dest: options.fd ?? 1, sync: true });
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
