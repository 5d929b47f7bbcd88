import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTelemetryBatchDetailed, type TelemetryParseError } from '../../src/index.js';
import { splitTopLevelArray } from '../../src/split-array.js';

// Large bodies are parsed element by element. Whatever the bytes, the outcome must be the one
// JSON.parse of the whole body gives: the same records, or the same error.

const bytesOf = (text: string) => Buffer.from(text, 'utf8');
const parts = (text: string) =>
  splitTopLevelArray(bytesOf(text))?.map(([start, end]) => bytesOf(text).toString('utf8', start, end));

/** What parsing the whole body as one string gives (the reference). */
function reference(bytes: Buffer): unknown {
  try {
    return { ok: parseTelemetryBatchDetailed(bytes.toString('utf8')) };
  } catch (error) {
    return { error: (error as TelemetryParseError).message, reason: (error as TelemetryParseError).reason };
  }
}

function actual(bytes: Buffer): unknown {
  try {
    return { ok: parseTelemetryBatchDetailed(bytes) };
  } catch (error) {
    return { error: (error as TelemetryParseError).message, reason: (error as TelemetryParseError).reason };
  }
}

/** Pads a body past the 64 KiB threshold with whitespace that JSON.parse ignores. */
const large = (text: string) => bytesOf(`${text}${' '.repeat(70_000)}`);

describe('splitTopLevelArray', () => {
  it('finds the elements of an array, at commas outside strings and nested values', () => {
    expect(parts('[]')).toEqual([]);
    expect(parts(' [ ] ')).toEqual([]);
    expect(parts('[1]')).toEqual(['1']);
    expect(parts('[ {"a":[1,2],"b":"x,]}\\"\\\\"} , "s,\\"" ,[3]]\n')).toEqual([
      ' {"a":[1,2],"b":"x,]}\\"\\\\"} ',
      ' "s,\\"" ',
      '[3]',
    ]);
    expect(parts('[1,]')).toEqual(['1', '']);
    expect(parts('["é,ü",2]')).toEqual(['"é,ü"', '2']);
  });

  it('gives up on what is not one array', () => {
    for (const text of ['', '{}', '[1', '[1}', '[1]]', '[1] x', '["open', '[{"a":1}}', '{"a":[1]}']) {
      expect(parts(text), text).toBeUndefined();
    }
  });
});

describe('parseTelemetryBatchDetailed on large bodies', () => {
  it('gives the records of a large batch, as the whole body parse does', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      time: '2024-01-01T00:00:00.000Z',
      type: i % 2 === 0 ? 'function' : 'platform.report',
      record: i % 2 === 0 ? `line ${i}\t"quoted" \\ ${'x'.repeat(300)}\n` : { requestId: `r-${i}` },
    }));
    const bytes = bytesOf(JSON.stringify(records));
    expect(bytes.length).toBeGreaterThan(65_536);
    expect(actual(bytes)).toEqual(reference(bytes));
    expect(parseTelemetryBatchDetailed(bytes).records).toEqual(records);
  });

  it('keeps the whole-body errors for malformed large bodies', () => {
    const element = '{"time":"t","type":"function","record":"x"}';
    for (const text of [
      `[${element},]`,
      `[${element} ${element}]`,
      `[${element}`,
      `{"a":[${element}]}`,
      `[${element},1]`,
    ]) {
      const bytes = large(text);
      expect(actual(bytes), text).toEqual(reference(bytes));
      expect(actual(bytes)).toHaveProperty('error');
    }
  });

  it('agrees with the whole-body parse on arbitrary JSON and on broken bytes', () => {
    const element = fc.oneof(
      fc.record({
        time: fc.string(),
        type: fc.constantFrom('function', 'platform.start', 'x'),
        record: fc.jsonValue(),
      }),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 20 }),
        fc.nat(),
        fc.integer({ min: -1, max: 255 }),
        (elements, at, byte) => {
          const json = JSON.stringify(elements);
          const bytes = large(json);
          if (byte >= 0) bytes[at % Buffer.byteLength(json)] = byte; // one byte of the JSON changed (or none)
          expect(actual(bytes)).toEqual(reference(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });
});
