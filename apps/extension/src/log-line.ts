/**
 * Understands one function or extension log record, in every shape Lambda delivers it:
 * text log format (Node's and Python's runtime layouts, JSON lines written by pino or Powertools,
 * anything else), and JSON log format (an object, or under schema 2022-07-01 the same JSON as a string).
 */

/** What analytics needs from a log line. Absent values are `null`, never missing keys. */
export interface ParsedLogLine {
  level: string | null;
  requestId: string | null;
  message: string | null;
  /** The line's own timestamp (ISO 8601) when it has one. */
  timestamp: string | null;
}

/** Longest `message` kept in the flat column; the whole line is always kept in `record`. */
export const MAX_MESSAGE_CHARS = 4096;

const LEVELS: Record<string, string> = {
  TRACE: 'TRACE',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  ERROR: 'ERROR',
  FATAL: 'FATAL',
  CRITICAL: 'FATAL',
};
const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

// 2024-01-01T00:00:00.000Z<TAB>requestId<TAB>INFO<TAB>message  (Node.js runtime)
const NODE_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\t([^\t]*)\t([A-Za-z]+)\t([\s\S]*)$/;
// [INFO]<TAB>2024-01-01T00:00:00.000Z<TAB>requestId<TAB>message  (Python runtime)
const PYTHON_TEXT = /^\[([A-Za-z]+)\]\t(\d{4}-\d\d-\d\dT[\d:.]+Z?)\t([^\t]*)\t([\s\S]*)$/;

const REQUEST_ID_KEYS = [
  'requestId',
  'AWSRequestId',
  'awsRequestId',
  'aws_request_id',
  'function_request_id',
];
const MESSAGE_KEYS = ['message', 'msg'];
const LEVEL_KEYS = ['level', 'levelname', 'severity'];
const TIME_KEYS = ['timestamp', 'time'];

function normalizeLevel(value: unknown): string | null {
  if (typeof value === 'number') return PINO_LEVELS[value] ?? null;
  if (typeof value !== 'string') return null;
  return LEVELS[value.toUpperCase()] ?? null;
}

function requestIdOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== 'undefined' ? value : null;
}

function clip(message: string): string {
  const trimmed = message.endsWith('\n') ? message.slice(0, message.endsWith('\r\n') ? -2 : -1) : message;
  return trimmed.length > MAX_MESSAGE_CHARS ? trimmed.slice(0, MAX_MESSAGE_CHARS) : trimmed;
}

function pick(object: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) if (object[key] !== undefined) return object[key];
  return undefined;
}

function timestampOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  return null;
}

function fromObject(object: Record<string, unknown>): ParsedLogLine {
  const message = pick(object, MESSAGE_KEYS);
  return {
    level: normalizeLevel(pick(object, LEVEL_KEYS)),
    requestId: requestIdOf(pick(object, REQUEST_ID_KEYS)),
    message:
      message === undefined ? null : clip(typeof message === 'string' ? message : JSON.stringify(message)),
    timestamp: timestampOf(pick(object, TIME_KEYS)),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Extracts level, request id, message and timestamp from a `function` or `extension` record.
 * Unknown layouts keep the whole line as the message with a `null` level.
 * @example
 * parseLogLine('2024-01-01T00:00:00.000Z\tabc-123\tINFO\thello\n');
 * // { level: 'INFO', requestId: 'abc-123', message: 'hello', timestamp: '2024-01-01T00:00:00.000Z' }
 */
export function parseLogLine(record: unknown): ParsedLogLine {
  if (isPlainObject(record)) return fromObject(record);
  if (typeof record !== 'string') {
    return {
      level: null,
      requestId: null,
      message: record === undefined ? null : clip(JSON.stringify(record)),
      timestamp: null,
    };
  }
  const node = NODE_TEXT.exec(record);
  if (node) {
    const level = normalizeLevel(node[3]);
    if (level)
      return {
        level,
        requestId: requestIdOf(node[2]),
        message: clip(node[4] ?? ''),
        timestamp: node[1] ?? null,
      };
  }
  const python = PYTHON_TEXT.exec(record);
  if (python) {
    const level = normalizeLevel(python[1]);
    if (level)
      return {
        level,
        requestId: requestIdOf(python[3]),
        message: clip(python[4] ?? ''),
        timestamp: python[2] ?? null,
      };
  }
  const start = record.trimStart();
  if (start.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(record);
      if (isPlainObject(parsed)) return fromObject(parsed);
    } catch {
      // not JSON after all: a text line that starts with a brace
    }
  }
  return { level: null, requestId: null, message: clip(record), timestamp: null };
}
