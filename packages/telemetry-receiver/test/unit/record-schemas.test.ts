import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import {
  extensionRecordSchema,
  functionRecordSchema,
  jsonLogLineSchema,
  knownTelemetryRecordSchema,
  platformExtensionRecordSchema,
  platformInitReportRecordSchema,
  platformInitRuntimeDoneRecordSchema,
  platformInitStartRecordSchema,
  platformLogsDroppedRecordSchema,
  platformReportRecordSchema,
  platformRestoreReportRecordSchema,
  platformRestoreRuntimeDoneRecordSchema,
  platformRestoreStartRecordSchema,
  platformRuntimeDoneRecordSchema,
  platformStartRecordSchema,
  platformTelemetrySubscriptionRecordSchema,
  TELEMETRY_RECORD_TYPES,
  type TelemetryRecordType,
  telemetryRecordSchema,
  unknownTelemetryRecordSchema,
} from '../../src/index.js';
import { FIXTURES, fixture } from '../fixtures/load.js';

const SCHEMAS: Record<TelemetryRecordType, z.ZodMiniType> = {
  'platform.initStart': platformInitStartRecordSchema,
  'platform.initRuntimeDone': platformInitRuntimeDoneRecordSchema,
  'platform.initReport': platformInitReportRecordSchema,
  'platform.start': platformStartRecordSchema,
  'platform.runtimeDone': platformRuntimeDoneRecordSchema,
  'platform.report': platformReportRecordSchema,
  'platform.restoreStart': platformRestoreStartRecordSchema,
  'platform.restoreRuntimeDone': platformRestoreRuntimeDoneRecordSchema,
  'platform.restoreReport': platformRestoreReportRecordSchema,
  'platform.extension': platformExtensionRecordSchema,
  'platform.telemetrySubscription': platformTelemetrySubscriptionRecordSchema,
  'platform.logsDropped': platformLogsDroppedRecordSchema,
  function: functionRecordSchema,
  extension: extensionRecordSchema,
};

/** Required fields of each type's `record` (removing one must fail validation). */
const REQUIRED: Record<TelemetryRecordType, string[]> = {
  'platform.initStart': ['initializationType', 'phase'],
  'platform.initRuntimeDone': ['initializationType', 'phase', 'status'],
  'platform.initReport': ['initializationType', 'phase', 'status', 'metrics'],
  'platform.start': ['requestId'],
  'platform.runtimeDone': ['requestId', 'status'],
  'platform.report': ['requestId', 'status', 'metrics'],
  'platform.restoreStart': [],
  'platform.restoreRuntimeDone': ['status'],
  'platform.restoreReport': ['status', 'metrics'],
  'platform.extension': ['name', 'state', 'events'],
  'platform.telemetrySubscription': ['name', 'state', 'types'],
  'platform.logsDropped': ['droppedBytes', 'droppedRecords', 'reason'],
  function: [],
  extension: [],
};

const all = FIXTURES.flatMap((name) => fixture(name).map((record) => ({ name, record })));
const firstOfType = (type: TelemetryRecordType) => {
  const found = all.find(({ record }) => record['type'] === type);
  if (!found) throw new Error(`no fixture of type ${type}`);
  return structuredClone(found.record);
};

describe('fixtures', () => {
  it('cover every documented record type', () => {
    const seen = new Set(all.map(({ record }) => record['type']));
    expect([...TELEMETRY_RECORD_TYPES].filter((type) => !seen.has(type))).toEqual([]);
  });

  it.each(FIXTURES)('%s: every record matches its own type schema and the union', (name) => {
    for (const record of fixture(name)) {
      const type = record['type'] as TelemetryRecordType;
      expect(SCHEMAS[type].safeParse(record).success, `${name} ${type}`).toBe(true);
      expect(telemetryRecordSchema.safeParse(record).success).toBe(true);
    }
  });

  it('carry function and extension records as strings in text format and under 2022-07-01 JSON', () => {
    for (const name of [
      'schema-2022-07-01-text.json',
      'schema-2022-07-01-json.json',
      'schema-2022-12-13-text.json',
      'schema-2025-01-29-text.json',
    ] as const) {
      const logs = fixture(name).filter((r) => r['type'] === 'function' || r['type'] === 'extension');
      expect(logs.length).toBeGreaterThan(0);
      for (const log of logs) expect(typeof log['record']).toBe('string');
    }
  });

  it('carry function and extension records as objects in JSON format from 2022-12-13', () => {
    for (const name of ['schema-2022-12-13-json.json', 'schema-2025-01-29-json.json'] as const) {
      const logs = fixture(name).filter((r) => r['type'] === 'function' || r['type'] === 'extension');
      expect(logs.length).toBeGreaterThan(0);
      for (const log of logs) expect(jsonLogLineSchema.safeParse(log['record']).success).toBe(true);
    }
  });
});

describe.each(TELEMETRY_RECORD_TYPES)('%s schema', (type) => {
  const schema = SCHEMAS[type];

  it('accepts a fixture record and keeps unexpected fields', () => {
    const record = firstOfType(type);
    record['extra'] = 'kept';
    if (typeof record['record'] === 'object' && record['record'] !== null) {
      (record['record'] as Record<string, unknown>)['newField'] = { nested: 1 };
    }
    const parsed = schema.parse(record) as Record<string, unknown>;
    expect(parsed).toEqual(record);
  });

  it('rejects another type, a missing time and a missing record', () => {
    const record = firstOfType(type);
    expect(schema.safeParse({ ...record, type: 'platform.other' }).success).toBe(false);
    const { time: _time, ...noTime } = record;
    expect(schema.safeParse(noTime).success).toBe(false);
    const { record: _record, ...noRecord } = record;
    expect(schema.safeParse(noRecord).success).toBe(false);
  });

  it.each(REQUIRED[type].map((field) => [field]))('rejects a record without %s', (field) => {
    const record = firstOfType(type);
    delete (record['record'] as Record<string, unknown>)[field];
    expect(schema.safeParse(record).success).toBe(false);
    expect(telemetryRecordSchema.safeParse(record).success).toBe(false);
    expect(knownTelemetryRecordSchema.safeParse(record).success).toBe(false);
  });
});

describe('platform records', () => {
  it('accept every optional field absent', () => {
    expect(
      platformInitStartRecordSchema.safeParse({
        time: 't',
        type: 'platform.initStart',
        record: { initializationType: 'snap-start', phase: 'init' },
      }).success,
    ).toBe(true);
    expect(
      platformRuntimeDoneRecordSchema.safeParse({
        time: 't',
        type: 'platform.runtimeDone',
        record: { requestId: 'r', status: 'success' },
      }).success,
    ).toBe(true);
    expect(
      platformRestoreStartRecordSchema.safeParse({ time: 't', type: 'platform.restoreStart', record: {} })
        .success,
    ).toBe(true);
  });

  it('reject wrongly typed nested fields', () => {
    const report = firstOfType('platform.report');
    (report['record'] as { metrics: Record<string, unknown> }).metrics['billedDurationMs'] = '15';
    expect(platformReportRecordSchema.safeParse(report).success).toBe(false);
    const start = firstOfType('platform.start');
    (start['record'] as Record<string, unknown>)['tracing'] = { type: 'X-Amzn-Trace-Id' };
    expect(platformStartRecordSchema.safeParse(start).success).toBe(false);
    const done = firstOfType('platform.initRuntimeDone');
    (done['record'] as Record<string, unknown>)['spans'] = [{ name: 'x', start: 't' }];
    expect(platformInitRuntimeDoneRecordSchema.safeParse(done).success).toBe(false);
  });

  it('keep new initialization types and statuses as strings', () => {
    const record = {
      time: 't',
      type: 'platform.initReport',
      record: {
        initializationType: 'something-new',
        phase: 'init',
        status: 'new-status',
        metrics: { durationMs: 1 },
      },
    };
    expect(platformInitReportRecordSchema.safeParse(record).success).toBe(true);
  });
});

describe('function and extension records', () => {
  it('accept a text line with tabs and inner newlines', () => {
    const record = { time: 't', type: 'function', record: '2024\tundefined\tINFO\ta\nb\n' };
    expect(functionRecordSchema.parse(record)).toEqual(record);
  });

  it('accept a pino-style object with a numeric level and unknown keys', () => {
    const record = { time: 't', type: 'extension', record: { level: 30, msg: 'x', pid: 1 } };
    expect(extensionRecordSchema.parse(record)).toEqual(record);
  });

  it('reject a number, an array, null, and a non-string stack trace', () => {
    for (const value of [42, ['a'], null, { stackTrace: 'at x' }, { level: true }]) {
      expect(functionRecordSchema.safeParse({ time: 't', type: 'function', record: value }).success).toBe(
        false,
      );
    }
  });
});

describe('unknown records', () => {
  it('pass an undocumented type with any record, or none', () => {
    expect(telemetryRecordSchema.safeParse({ time: 't', type: 'platform.future', record: [1] }).success).toBe(
      true,
    );
    expect(unknownTelemetryRecordSchema.safeParse({ time: 't', type: 'x' }).success).toBe(true);
  });

  it('do not let a documented type escape its schema through the unknown variant', () => {
    expect(unknownTelemetryRecordSchema.safeParse({ time: 't', type: 'platform.report' }).success).toBe(
      false,
    );
    expect(telemetryRecordSchema.safeParse({ time: 't', type: 'platform.report', record: {} }).success).toBe(
      false,
    );
  });

  it('need a string time and type', () => {
    expect(telemetryRecordSchema.safeParse({ type: 'x' }).success).toBe(false);
    expect(telemetryRecordSchema.safeParse({ time: 1, type: 'x' }).success).toBe(false);
  });
});
