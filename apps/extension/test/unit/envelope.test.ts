import { describe, expect, it } from 'vitest';
import { batchIdOfEnvelopeLines, createEnvelopeFactory, type Envelope } from '../../src/envelope.js';

const context = {
  functionName: 'orders',
  functionVersion: '$LATEST',
  region: 'eu-west-1',
  logGroup: '/aws/lambda/orders',
  logStream: '',
};

function typesOf(envelope: Envelope) {
  return Object.fromEntries(Object.entries(envelope).map(([k, v]) => [k, v === null ? 'null' : typeof v]));
}

describe('createEnvelopeFactory', () => {
  it('wraps a text function log line, keeping it whole', () => {
    const factory = createEnvelopeFactory(context, { environmentId: 'env1' });
    const line = '2024-01-01T00:00:00.000Z\treq-1\tINFO\thello\n';
    expect(
      factory.fromTelemetry({ time: '2024-01-01T00:00:00.001Z', type: 'function', record: line }),
    ).toEqual({
      v: 1,
      id: 'env1-0',
      time: '2024-01-01T00:00:00.001Z',
      type: 'function',
      functionName: 'orders',
      version: '$LATEST',
      region: 'eu-west-1',
      logGroup: '/aws/lambda/orders',
      logStream: '',
      requestId: 'req-1',
      level: 'INFO',
      message: 'hello',
      status: null,
      durationMs: null,
      billedDurationMs: null,
      maxMemoryUsedMB: null,
      initDurationMs: null,
      recordFormat: 'text',
      record: line,
    });
  });

  it('flattens platform.report metrics and keeps the original record as JSON', () => {
    const factory = createEnvelopeFactory(context, { environmentId: 'env1' });
    const record = {
      requestId: 'req-1',
      status: 'success',
      metrics: {
        durationMs: 12.5,
        billedDurationMs: 13,
        memorySizeMB: 128,
        maxMemoryUsedMB: 70,
        initDurationMs: 150.2,
      },
    };
    const envelope = factory.fromTelemetry({
      time: '2024-01-01T00:00:01.000Z',
      type: 'platform.report',
      record,
    });
    expect(envelope).toMatchObject({
      requestId: 'req-1',
      status: 'success',
      level: 'INFO',
      durationMs: 12.5,
      billedDurationMs: 13,
      maxMemoryUsedMB: 70,
      initDurationMs: 150.2,
      recordFormat: 'json',
    });
    expect(JSON.parse(envelope.record)).toEqual(record);
  });

  it('marks failed platform records and logsDropped with a level and a message', () => {
    const factory = createEnvelopeFactory(context);
    expect(
      factory.fromTelemetry({
        time: 't',
        type: 'platform.runtimeDone',
        record: { requestId: 'r', status: 'error', errorType: 'Runtime.Unknown' },
      }),
    ).toMatchObject({ level: 'ERROR', message: 'Runtime.Unknown', status: 'error' });
    expect(
      factory.fromTelemetry({
        time: 't',
        type: 'platform.logsDropped',
        record: { droppedBytes: 10, droppedRecords: 2, reason: 'slow' },
      }),
    ).toMatchObject({ level: 'WARN', message: 'slow', status: null, requestId: null });
  });

  it('gives every record a unique id and keeps one JSON type per key whatever the record', () => {
    const factory = createEnvelopeFactory(context, { environmentId: 'e' });
    const envelopes = [
      factory.fromTelemetry({ time: 't', type: 'function', record: 'text\n' }),
      factory.fromTelemetry({
        time: 't',
        type: 'function',
        record: { level: 'INFO', message: 'json', requestId: 'r' },
      }),
      factory.fromTelemetry({ time: 't', type: 'extension', record: 'ext line\n' }),
      factory.fromTelemetry({
        time: 't',
        type: 'platform.initStart',
        record: { initializationType: 'on-demand', phase: 'init' },
      }),
      factory.fromTelemetry({ time: 't', type: 'platform.future', record: [1, 2] }),
      factory.fromTelemetry({ time: 't', type: 'platform.report', record: { metrics: { durationMs: 'x' } } }),
      factory.own('dataTaps.stats', 'INFO', 'stats', { sent: 1 }, new Date(0)),
    ];
    expect(new Set(envelopes.map((e) => e.id)).size).toBe(envelopes.length);
    expect(envelopes.map((e) => e.id).slice(0, 3)).toEqual(['e-0', 'e-1', 'e-2']);
    const stringKeys = [
      'id',
      'time',
      'type',
      'functionName',
      'version',
      'region',
      'logGroup',
      'logStream',
      'recordFormat',
      'record',
    ];
    for (const envelope of envelopes) {
      const types = typesOf(envelope);
      expect(Object.keys(envelope)).toEqual(Object.keys(envelopes[0] as Envelope));
      for (const key of stringKeys) expect(types[key]).toBe('string');
      for (const key of ['requestId', 'level', 'message', 'status'])
        expect(['string', 'null']).toContain(types[key]);
      for (const key of ['durationMs', 'billedDurationMs', 'maxMemoryUsedMB', 'initDurationMs'])
        expect(['number', 'null']).toContain(types[key]);
    }
  });

  it('stamps a record without a time with the current time, and a missing record as null JSON', () => {
    const factory = createEnvelopeFactory(context);
    const envelope = factory.fromTelemetry({ type: 'platform.x' });
    expect(Number.isNaN(Date.parse(envelope.time))).toBe(false);
    expect(envelope.record).toBe('null');
    expect('environmentId' in envelope).toBe(false);
    expect(factory.environmentId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives function lines without a request id the one of the invocation that started last', () => {
    const factory = createEnvelopeFactory(context);
    expect(
      factory.fromTelemetry({ type: 'function', record: 'before any invocation\n' }).requestId,
    ).toBeNull();
    factory.fromTelemetry({ type: 'platform.start', record: { requestId: 'r-1' } });
    expect(factory.fromTelemetry({ type: 'function', record: 'plain line\n' }).requestId).toBe('r-1');
    expect(factory.fromTelemetry({ type: 'extension', record: 'plain line\n' }).requestId).toBeNull();
    const own = factory.fromTelemetry({
      type: 'function',
      record: { timestamp: 't', level: 'INFO', requestId: 'r-other', message: 'm' },
    });
    expect(own.requestId).toBe('r-other');
    factory.fromTelemetry({ type: 'platform.start', record: { requestId: 'r-2' } });
    expect(factory.fromTelemetry({ type: 'function', record: 'next\n' }).requestId).toBe('r-2');
  });

  it('builds own records with the current time by default', () => {
    const own = createEnvelopeFactory(context).own('dataTaps.stats', 'INFO', 'm', { a: 1 });
    expect(own).toMatchObject({
      type: 'dataTaps.stats',
      level: 'INFO',
      message: 'm',
      record: '{"a":1}',
      recordFormat: 'json',
    });
  });
});

describe('batchIdOfEnvelopeLines', () => {
  const factory = createEnvelopeFactory(context, { environmentId: 'env9' });
  const lines = Array.from({ length: 4 }, (_, n) =>
    JSON.stringify(
      factory.fromTelemetry({ time: '2024-01-01T00:00:00.000Z', type: 'function', record: `line ${n}\n` }),
    ),
  );

  it('names the lines by their record ids: the same for the same lines, another for others or another order', () => {
    const id = batchIdOfEnvelopeLines(lines);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(batchIdOfEnvelopeLines([...lines])).toBe(id);
    expect(batchIdOfEnvelopeLines(lines.slice(0, 3))).not.toBe(id);
    expect(batchIdOfEnvelopeLines([lines[1], lines[0], lines[2], lines[3]] as string[])).not.toBe(id);
  });

  it('gives no id when a line is not an envelope of this version', () => {
    expect(batchIdOfEnvelopeLines([...lines, '{"v":0,"id":"old-1"}'])).toBeUndefined();
    expect(batchIdOfEnvelopeLines(['{"v":1,"id":'])).toBeUndefined();
  });
});
