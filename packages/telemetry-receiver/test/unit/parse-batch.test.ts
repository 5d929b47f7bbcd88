import { describe, expect, it } from 'vitest';
import {
  isTelemetryRecordOfType,
  parseTelemetryBatch,
  parseTelemetryBatchDetailed,
  TelemetryParseError,
} from '../../src/index.js';
import { FIXTURES, fixture, fixtureText } from '../fixtures/load.js';

function parseError(body: string | Uint8Array): TelemetryParseError {
  try {
    parseTelemetryBatch(body);
  } catch (error) {
    if (error instanceof TelemetryParseError) return error;
    throw error;
  }
  throw new Error('expected a TelemetryParseError');
}

describe('parseTelemetryBatch', () => {
  it.each(FIXTURES)('returns every record of %s, as sent, with none invalid', (name) => {
    const result = parseTelemetryBatchDetailed(fixtureText(name));
    expect(result.records).toEqual(fixture(name));
    expect(result.invalidRecords).toBe(0);
    expect(result.invalidTypes).toEqual([]);
  });

  it('parses bytes, honouring the view offset', () => {
    const text = fixtureText('schema-2022-12-13-json.json');
    const bytes = new TextEncoder().encode(`xx${text}yy`).subarray(2, -2);
    expect(parseTelemetryBatch(bytes)).toEqual(fixture('schema-2022-12-13-json.json'));
  });

  it('passes through unknown types, extra fields and invalid documented records, counting the latter', () => {
    const result = parseTelemetryBatchDetailed(fixtureText('passthrough.json'));
    expect(result.records).toEqual(fixture('passthrough.json'));
    expect(result.invalidRecords).toBe(3);
    expect(result.invalidTypes).toEqual(['platform.report', 'function', 'platform.logsDropped']);
  });

  it('lists an invalid type once however many records have it', () => {
    const bad = { time: 't', type: 'platform.start', record: {} };
    const result = parseTelemetryBatchDetailed(JSON.stringify([bad, bad, bad]));
    expect(result).toMatchObject({ invalidRecords: 3, invalidTypes: ['platform.start'] });
  });

  it('accepts an empty batch', () => {
    expect(parseTelemetryBatch('[]')).toEqual([]);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    const head = new TextEncoder().encode('[{"time":"t","type":"function","record":"bad ');
    const tail = new TextEncoder().encode('"}]');
    const body = new Uint8Array([...head, 0xff, 0xfe, ...tail]);
    expect(parseTelemetryBatch(body)).toEqual([{ time: 't', type: 'function', record: 'bad \ufffd\ufffd' }]);
  });

  it.each([
    ['truncated JSON', '[{"time":"2024-01-01T00:00:00Z","type":"func'],
    ['an empty body', ''],
    ['garbage', 'hello'],
  ])('rejects %s as invalid-json', (_label, body) => {
    const error = parseError(body);
    expect(error.reason).toBe('invalid-json');
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.name).toBe('TelemetryParseError');
  });

  it.each([
    ['an object', '{"time":"t","type":"x"}', 'object'],
    ['null', 'null', 'null'],
    ['a number', '3', 'number'],
  ])('rejects %s as not-an-array', (_label, body, shown) => {
    const error = parseError(body);
    expect(error.reason).toBe('not-an-array');
    expect(error.message).toContain(shown);
  });

  it.each([
    ['a number element', '[{"time":"t","type":"x"},1]', 1],
    ['a null element', '[null]', 0],
    ['an array element', '[[]]', 0],
    ['a missing time', '[{"type":"function","record":"x"}]', 0],
    ['a numeric type', '[{"time":"t","type":1}]', 0],
  ])('rejects %s as invalid-envelope with its index', (_label, body, index) => {
    const error = parseError(body);
    expect(error.reason).toBe('invalid-envelope');
    expect(error.index).toBe(index);
  });
});

describe('isTelemetryRecordOfType', () => {
  const report = fixture('schema-2022-12-13-text.json').find((r) => r['type'] === 'platform.report');

  it('narrows a valid record of the type', () => {
    expect(isTelemetryRecordOfType(report, 'platform.report')).toBe(true);
    if (isTelemetryRecordOfType(report, 'platform.report'))
      expect(report.record.metrics.memorySizeMB).toBe(128);
  });

  it('refuses another type, a record not matching the schema, and non-records', () => {
    expect(isTelemetryRecordOfType(report, 'platform.start')).toBe(false);
    expect(
      isTelemetryRecordOfType({ time: 't', type: 'platform.report', record: {} }, 'platform.report'),
    ).toBe(false);
    expect(isTelemetryRecordOfType({ type: 'function', record: 'x' }, 'function')).toBe(false);
    expect(isTelemetryRecordOfType(null, 'function')).toBe(false);
    expect(isTelemetryRecordOfType(['function'], 'function')).toBe(false);
    expect(isTelemetryRecordOfType('function', 'function')).toBe(false);
  });
});
