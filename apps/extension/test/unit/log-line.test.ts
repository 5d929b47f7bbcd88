import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, parseLogLine } from '../../src/log-line.js';

describe('parseLogLine', () => {
  it('parses the Node.js runtime text layout', () => {
    expect(
      parseLogLine('2024-01-01T00:00:00.000Z\t6f7f0961f83442118a7af6fe80b88d56\tINFO\thello world\n'),
    ).toEqual({
      level: 'INFO',
      requestId: '6f7f0961f83442118a7af6fe80b88d56',
      message: 'hello world',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
  });

  it('keeps tabs and inner newlines of a Node message, and reads "undefined" during Init as no request id', () => {
    expect(
      parseLogLine('2024-01-01T00:00:00.000Z\tundefined\tERROR\tboom\n    at f (index.js:1:1)\tx\n'),
    ).toEqual({
      level: 'ERROR',
      requestId: null,
      message: 'boom\n    at f (index.js:1:1)\tx',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
  });

  it('parses the Python runtime text layout and maps WARNING and CRITICAL', () => {
    expect(parseLogLine('[WARNING]\t2024-01-01T00:00:00.000Z\tabc-1\tcareful\n')).toEqual({
      level: 'WARN',
      requestId: 'abc-1',
      message: 'careful',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
    expect(parseLogLine('[CRITICAL]\t2024-01-01T00:00:00.000Z\tabc-1\tdown\r\n').level).toBe('FATAL');
  });

  it('reads an object in JSON log format', () => {
    expect(
      parseLogLine({
        timestamp: '2024-01-01T00:00:00.000Z',
        level: 'ERROR',
        requestId: 'r-1',
        message: 'failed',
        errorType: 'Error',
      }),
    ).toEqual({ level: 'ERROR', requestId: 'r-1', message: 'failed', timestamp: '2024-01-01T00:00:00.000Z' });
  });

  it('stringifies a non-string message of a JSON log object', () => {
    expect(parseLogLine({ level: 'info', message: { a: 1 } }).message).toBe('{"a":1}');
  });

  it('reads a JSON log line that arrived as a string (schema 2022-07-01)', () => {
    expect(
      parseLogLine(
        '{"timestamp":"2024-01-01T00:00:00.000Z","level":"DEBUG","requestId":"r-2","message":"m"}',
      ),
    ).toEqual({
      level: 'DEBUG',
      requestId: 'r-2',
      message: 'm',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
  });

  it('reads a pino line: numeric level, msg, epoch time', () => {
    expect(parseLogLine('{"level":50,"time":1704067200000,"pid":1,"msg":"db down"}\n')).toEqual({
      level: 'ERROR',
      requestId: null,
      message: 'db down',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
    expect(parseLogLine('{"level":35,"time":1e300,"msg":"x"}')).toMatchObject({
      level: null,
      timestamp: null,
    });
  });

  it('reads a Powertools line: function_request_id', () => {
    expect(
      parseLogLine(
        '{"level":"INFO","message":"order placed","timestamp":"2024-01-01T00:00:00.000Z","service":"orders","function_request_id":"c6af9ac6"}',
      ),
    ).toEqual({
      level: 'INFO',
      requestId: 'c6af9ac6',
      message: 'order placed',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
  });

  it('keeps an unknown layout whole, with no level', () => {
    expect(parseLogLine('just some text\n')).toEqual({
      level: null,
      requestId: null,
      message: 'just some text',
      timestamp: null,
    });
    expect(parseLogLine('{not json')).toEqual({
      level: null,
      requestId: null,
      message: '{not json',
      timestamp: null,
    });
    expect(parseLogLine('[1,2]').message).toBe('[1,2]');
    expect(parseLogLine('2024-01-01T00:00:00.000Z\tid\tNOTALEVEL\tx').level).toBeNull();
    expect(parseLogLine('[NOTALEVEL]\t2024-01-01T00:00:00.000Z\tid\tx').level).toBeNull();
  });

  it('handles records that are neither strings nor objects', () => {
    expect(parseLogLine(undefined)).toEqual({ level: null, requestId: null, message: null, timestamp: null });
    expect(parseLogLine(42).message).toBe('42');
    expect(parseLogLine({ other: true })).toEqual({
      level: null,
      requestId: null,
      message: null,
      timestamp: null,
    });
  });

  it('caps the message column, never the record', () => {
    const huge = `2024-01-01T00:00:00.000Z\tr\tINFO\t${'x'.repeat(300_000)}\n`;
    expect(parseLogLine(huge).message).toHaveLength(MAX_MESSAGE_CHARS);
  });
});
