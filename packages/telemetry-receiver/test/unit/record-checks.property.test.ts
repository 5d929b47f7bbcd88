import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isTelemetryRecordOfType,
  knownTelemetryRecordSchema,
  parseTelemetryBatchDetailed,
  TELEMETRY_RECORD_TYPES,
  telemetryRecordSchema,
} from '../../src/index.js';
import { FIXTURES, fixture } from '../fixtures/load.js';

// The parser's hand-written checks must agree with the exported zod schemas on every input:
// a record counted invalid by the parser is exactly one the zod union rejects.

const samples = [...FIXTURES, 'passthrough.json' as const].flatMap((name) => fixture(name));

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((key) => paths((value as Record<string | number, unknown>)[key], [...prefix, key])),
  ];
}

/** Replaces (or deletes, with `undefined`) the value at `path`; the path must not be the root. */
function mutate(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

const jsonValue = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.array(fc.record({ name: fc.string(), start: fc.string(), durationMs: fc.integer() }), { maxLength: 2 }),
  fc.record({ type: fc.string(), value: fc.string() }),
  fc.record({ durationMs: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  fc.constantFrom('platform.report', 'function', 'extension', 'platform.start', 'platform.unknown'),
);

// Pick a type first, so that rare types are mutated as often as common ones.
const byType = new Map<unknown, Record<string, unknown>[]>();
for (const sample of samples) byType.set(sample['type'], [...(byType.get(sample['type']) ?? []), sample]);
const groups = [...byType.values()];

const mutated = fc
  .record({ group: fc.constantFrom(...groups), which: fc.nat(), pick: fc.nat(), replacement: jsonValue })
  .map(({ group, which, pick, replacement }) => {
    const sample = group[which % group.length];
    const candidates = paths(sample).filter((path) => path.length > 0);
    return mutate(sample, candidates[pick % candidates.length] as Path, replacement);
  });

function parserSaysValid(record: unknown): boolean | 'malformed' {
  try {
    return parseTelemetryBatchDetailed(JSON.stringify([record])).invalidRecords === 0;
  } catch {
    return 'malformed';
  }
}

describe('hand-written record checks', () => {
  it('agree with telemetryRecordSchema on mutated fixture records', () => {
    fc.assert(
      fc.property(mutated, (record) => {
        const zodValid = telemetryRecordSchema.safeParse(record).success;
        const parser = parserSaysValid(record);
        if (parser === 'malformed') {
          // only an envelope without a string time/type is malformed, and zod rejects it too
          expect(zodValid).toBe(false);
        } else {
          expect(parser).toBe(zodValid);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('agree with isTelemetryRecordOfType on every documented type', () => {
    fc.assert(
      fc.property(mutated, fc.constantFrom(...TELEMETRY_RECORD_TYPES), (record, type) => {
        const expected =
          (record as { type?: unknown }).type === type &&
          knownTelemetryRecordSchema.safeParse(record).success;
        expect(isTelemetryRecordOfType(record, type)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
