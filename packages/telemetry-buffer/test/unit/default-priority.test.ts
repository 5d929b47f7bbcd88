import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPriority } from '../../src/index.js';

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/telemetry-records.json', import.meta.url), 'utf8'),
) as Array<{ type: string }>;

describe('defaultPriority', () => {
  it('ranks platform records over error logs over the rest (real Telemetry API records)', () => {
    expect(fixtures.map((record) => defaultPriority(record))).toEqual([2, 2, 0, 1, 0, 1, 1, 2, 2]);
  });

  it('recognises error levels on flat records and JSON strings', () => {
    expect(defaultPriority({ level: 'fatal' })).toBe(1);
    expect(defaultPriority({ level: 50 })).toBe(1);
    expect(defaultPriority({ level: 30 })).toBe(0);
    expect(defaultPriority({ severity: 'CRITICAL' })).toBe(1);
    expect(defaultPriority({ levelname: 'ERROR' })).toBe(1);
    expect(defaultPriority({ errorType: 'TypeError' })).toBe(1);
    expect(defaultPriority({ type: 'function', record: '{"level":"error","msg":"x"}' })).toBe(1);
    expect(defaultPriority('[FATAL]\t2024-01-01T00:00:00.000Z\tid\tdown')).toBe(1);
    expect(defaultPriority('just text')).toBe(0);
  });

  it('gives 0 to anything else', () => {
    expect(defaultPriority(null)).toBe(0);
    expect(defaultPriority(42)).toBe(0);
    expect(defaultPriority({ type: 'function', record: null })).toBe(0);
    expect(defaultPriority({ type: 'function' })).toBe(0);
    expect(defaultPriority({ type: 7, record: { level: 'info' } })).toBe(0);
  });
});
