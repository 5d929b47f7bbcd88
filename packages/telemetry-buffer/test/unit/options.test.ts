import { describe, expect, it } from 'vitest';
import {
  createTelemetryBuffer,
  TelemetryBufferError,
  TelemetryBufferOptionsError,
  telemetryBufferOptionsSchema,
} from '../../src/index.js';
import { parseOptions } from '../../src/options.js';

const flush = async () => undefined;

describe('options', () => {
  it('fills every default', () => {
    const options = parseOptions({});
    expect(options).toMatchObject({
      maxItems: 1_000,
      maxBytes: 1_048_576,
      maxAgeMs: 1_000,
      capacity: { maxRecords: 50_000, maxBytes: 16_777_216 },
      autoFlush: true,
      backoff: { initialMs: 200, maxMs: 30_000, jitter: true },
      overflow: 'drop',
    });
    expect(options.spool).toBeUndefined();
  });

  it('defaults the overflow policy to spool when a spool is set', () => {
    const options = parseOptions({ spool: { dir: '/tmp/x' } });
    expect(options.overflow).toBe('spool');
    expect(options.spool).toEqual({ dir: '/tmp/x', maxBytes: 104_857_600, segmentBytes: 1_048_576 });
    expect(parseOptions({ spool: { dir: '/tmp/x' }, overflow: 'drop' }).overflow).toBe('drop');
  });

  it('names the option, the value and the range when invalid', () => {
    const error = (() => {
      try {
        createTelemetryBuffer({ maxItems: 0 }, { flush });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TelemetryBufferOptionsError);
    expect(error).toBeInstanceOf(TelemetryBufferError);
    const typed = error as TelemetryBufferOptionsError;
    expect(typed.name).toBe('TelemetryBufferOptionsError');
    expect(typed.code).toBe('INVALID_OPTIONS');
    expect(typed.option).toBe('maxItems');
    expect(typed.message).toMatch(/maxItems/);
    expect(typed.message).toMatch(/>=1/);
    expect(typed.message).toMatch(/got 0/);
  });

  it('rejects unknown options and nested unknown options', () => {
    expect(() => parseOptions({ maxItem: 5 })).toThrow(/maxItem/);
    expect(() => parseOptions({ spool: { dir: '/tmp', size: 1 } })).toThrow(/spool/);
  });

  it('reports a missing nested value as undefined', () => {
    expect(() => parseOptions({ spool: {} })).toThrow(/spool\.dir.*got undefined/);
  });

  it('rejects a capacity smaller than one batch', () => {
    expect(() => parseOptions({ maxItems: 10, capacity: { maxRecords: 5 } })).toThrow(/capacity\.maxRecords/);
    expect(() => parseOptions({ maxBytes: 1000, capacity: { maxBytes: 10 } })).toThrow(/capacity\.maxBytes/);
  });

  it('rejects a backoff maximum below its initial delay', () => {
    expect(() => parseOptions({ backoff: { initialMs: 100, maxMs: 10 } })).toThrow(/backoff\.maxMs/);
  });

  it('rejects the spool policy without a spool', () => {
    expect(() => parseOptions({ overflow: 'spool' })).toThrow(/overflow/);
  });

  it('rejects a non-object', () => {
    expect(() => parseOptions(42)).toThrow(TelemetryBufferOptionsError);
    expect(() => parseOptions(null)).not.toThrow();
  });

  it('requires a flush function', () => {
    // @ts-expect-error flush is missing on purpose
    expect(() => createTelemetryBuffer({}, {})).toThrow(/flush/);
  });

  it('exports the schema', () => {
    expect(telemetryBufferOptionsSchema.parse({}).maxAgeMs).toBe(1_000);
  });
});
