import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { categoryOf, platformRecords, span } from '../../src/records.js';

const examples = JSON.parse(
  readFileSync(new URL('../fixtures/aws-examples/platform-records.json', import.meta.url), 'utf8'),
) as Record<string, { time: string; type: string; record: Record<string, unknown> }>;

/** The JSON type of every leaf, keyed by path: two records agree in shape when these agree. */
function shape(value: unknown, path = ''): Record<string, string> {
  if (Array.isArray(value)) return value.length === 0 ? { [path]: 'array' } : shape(value[0], `${path}[]`);
  if (value !== null && typeof value === 'object') {
    return Object.assign({}, ...Object.entries(value).map(([k, v]) => shape(v, path ? `${path}.${k}` : k)));
  }
  return { [path]: value === null ? 'null' : typeof value };
}

const at = Date.parse('2022-10-12T00:00:15.064Z');
const tracing = {
  spanId: '54565fb41ac79632',
  type: 'X-Amzn-Trace-Id' as const,
  value: 'Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1',
};

describe('platformRecords against AWS documented examples', () => {
  it('builds platform.initStart', () => {
    const r = platformRecords.initStart(at, {
      initializationType: 'on-demand',
      phase: 'init',
      runtimeVersion: 'nodejs-14.v3',
      functionName: 'myFunction',
      functionVersion: '$LATEST',
    });
    const { runtimeVersionArn: _, ...expected } = examples['platform.initStart']?.record ?? {};
    expect(r).toEqual({ ...examples['platform.initStart'], record: expected });
  });

  it('builds platform.initRuntimeDone and platform.initReport', () => {
    const done = platformRecords.initRuntimeDone(at, {
      initializationType: 'on-demand',
      phase: 'init',
      status: 'success',
    });
    expect(done.record).toEqual(examples['platform.initRuntimeDone']?.record);
    const report = platformRecords.initReport(at, {
      initializationType: 'on-demand',
      phase: 'init',
      status: 'success',
      durationMs: 125.33,
    });
    expect(report.record).toEqual(examples['platform.initReport']?.record);
    const failed = platformRecords.initReport(at, {
      initializationType: 'on-demand',
      phase: 'init',
      status: 'error',
      errorType: 'Runtime.ImportModuleError',
      durationMs: 1,
    });
    expect(failed.record).toMatchObject({ status: 'error', errorType: 'Runtime.ImportModuleError' });
  });

  it('builds platform.start, runtimeDone and report with the documented shapes', () => {
    const start = platformRecords.start(at, {
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      version: '$LATEST',
      tracing,
    });
    expect(start).toEqual(examples['platform.start']);
    const done = platformRecords.runtimeDone(at, {
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      status: 'success',
      durationMs: 200,
      producedBytes: 15,
      spans: [span('responseLatency', at, 23.0204), span('responseDuration', at, 20)],
      tracing,
    });
    expect(shape(done.record)).toEqual(shape(examples['platform.runtimeDone']?.record));
    const report = platformRecords.report(at, {
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      status: 'success',
      durationMs: 693.9211,
      billedDurationMs: 694,
      memorySizeMB: 128,
      maxMemoryUsedMB: 84,
      initDurationMs: 397.6812,
      tracing,
    });
    expect(shape(report.record)).toEqual(shape(examples['platform.report']?.record));
    expect((report.record as { metrics: unknown }).metrics).toEqual({
      durationMs: 693.921,
      billedDurationMs: 694,
      memorySizeMB: 128,
      maxMemoryUsedMB: 84,
      initDurationMs: 397.681,
    });
  });

  it('leaves optional fields out instead of writing undefined', () => {
    const report = platformRecords.report(at, {
      requestId: 'r',
      status: 'timeout',
      durationMs: 3000,
      billedDurationMs: 3000,
      memorySizeMB: 128,
      maxMemoryUsedMB: 60,
    });
    expect(JSON.stringify(report.record)).not.toContain('initDurationMs');
    expect(Object.keys(report.record as object)).toEqual(['requestId', 'status', 'metrics']);
  });

  it('builds platform.extension, telemetrySubscription and logsDropped', () => {
    for (const type of [
      'platform.extension',
      'platform.telemetrySubscription',
      'platform.logsDropped',
    ] as const) {
      const example = examples[type] as unknown as { time: string; record: never };
      const built =
        type === 'platform.extension'
          ? platformRecords.extension(Date.parse(example.time), example.record)
          : type === 'platform.telemetrySubscription'
            ? platformRecords.telemetrySubscription(Date.parse(example.time), example.record)
            : platformRecords.logsDropped(Date.parse(example.time), example.record);
      expect(built).toEqual(example);
    }
  });

  it('maps record types to subscription categories', () => {
    expect(categoryOf('function')).toBe('function');
    expect(categoryOf('extension')).toBe('extension');
    expect(categoryOf('platform.report')).toBe('platform');
  });
});
