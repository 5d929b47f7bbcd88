import { Buffer } from 'node:buffer';
import { TelemetryParseError } from './errors.js';
import { isRecordValid } from './record-checks.js';
import { splitTopLevelArray } from './split-array.js';
import type { KnownTelemetryRecord, TelemetryRecord, TelemetryRecordType } from './telemetry-record.js';

/**
 * The outcome of {@link parseTelemetryBatchDetailed}.
 *
 * @example
 * ```ts
 * const { records, invalidRecords }: ParsedTelemetryBatch = parseTelemetryBatchDetailed(body);
 * ```
 */
export interface ParsedTelemetryBatch {
  /** Every element of the batch, in order, as sent (nothing dropped, nothing copied). */
  records: TelemetryRecord[];
  /** How many records of a documented type do not match that type's schema (they are in `records`). */
  invalidRecords: number;
  /** The distinct types of those records, in order of first appearance. */
  invalidTypes: string[];
}

/**
 * Parses a Telemetry API batch (the body Lambda POSTs: a JSON array of records), with the count of
 * records of a documented type that do not match their schema. Those are kept in `records`
 * unchanged, as are records of undocumented types and unexpected fields.
 *
 * Bytes are decoded as UTF-8; an invalid sequence becomes U+FFFD instead of failing.
 * The body is parsed with `JSON.parse` (bytes over 64 KiB element by element, which gives the same
 * records and errors while sparing V8 a string of the whole body); each record is then checked by a
 * hand-written structural check equivalent to {@link telemetryRecordSchema}.
 *
 * @throws {TelemetryParseError} when the body is not JSON (`invalid-json`), not an array
 * (`not-an-array`), or an element is not an object with a string `time` and a string `type`
 * (`invalid-envelope`).
 *
 * @example
 * ```ts
 * const { records, invalidRecords } = parseTelemetryBatchDetailed(
 *   '[{"time":"2024-01-01T00:00:00.000Z","type":"platform.start","record":{"requestId":"r-1"}}]',
 * );
 * // records.length === 1, invalidRecords === 0
 * ```
 */
export function parseTelemetryBatchDetailed(body: string | Uint8Array): ParsedTelemetryBatch {
  let parsed: unknown;
  if (typeof body === 'string') parsed = parseWhole(body);
  else {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    parsed =
      (bytes.length > SPLIT_ABOVE_BYTES ? parseByElement(bytes) : undefined) ??
      parseWhole(bytes.toString('utf8'));
  }
  return checkBatch(parsed);
}

/** Bodies larger than this are parsed element by element (see {@link splitTopLevelArray}). */
const SPLIT_ABOVE_BYTES = 65_536;

/**
 * The elements of an array body, parsed in runs of consecutive elements of up to
 * `SPLIT_ABOVE_BYTES` each (one element alone when it is larger); `undefined` when anything is off.
 */
function parseByElement(bytes: Buffer): unknown[] | undefined {
  const ranges = splitTopLevelArray(bytes);
  if (ranges === undefined) return undefined;
  const elements: unknown[] = [];
  try {
    let first = 0;
    while (first < ranges.length) {
      const start = (ranges[first] as readonly [number, number])[0];
      let last = first;
      while (
        last + 1 < ranges.length &&
        (ranges[last + 1] as readonly [number, number])[1] - start <= SPLIT_ABOVE_BYTES
      ) {
        last += 1;
      }
      const end = (ranges[last] as readonly [number, number])[1];
      const run: unknown = JSON.parse(`[${bytes.toString('utf8', start, end)}]`);
      const count = last - first + 1;
      // A run parses to as many elements as it holds: commas were found outside strings only.
      if (!Array.isArray(run) || run.length !== count) return undefined;
      for (const element of run) elements.push(element);
      first = last + 1;
    }
  } catch {
    return undefined; // parsed whole again, for JSON.parse's own message
  }
  return elements;
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TelemetryParseError(
      'invalid-json',
      `Telemetry batch is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function checkBatch(parsed: unknown): ParsedTelemetryBatch {
  if (!Array.isArray(parsed)) {
    throw new TelemetryParseError(
      'not-an-array',
      `Telemetry batch is not a JSON array (got ${parsed === null ? 'null' : typeof parsed})`,
    );
  }
  let invalidRecords = 0;
  let invalidTypes: string[] | undefined;
  for (let index = 0; index < parsed.length; index += 1) {
    const element: unknown = parsed[index];
    if (
      typeof element !== 'object' ||
      element === null ||
      Array.isArray(element) ||
      typeof (element as { time?: unknown }).time !== 'string' ||
      typeof (element as { type?: unknown }).type !== 'string'
    ) {
      throw new TelemetryParseError(
        'invalid-envelope',
        `Telemetry batch element ${index} is not an object with a string "time" and a string "type"`,
        { index },
      );
    }
    const { type, record } = element as { type: string; record?: unknown };
    if (!isRecordValid(type, record)) {
      invalidRecords += 1;
      invalidTypes ??= [];
      if (!invalidTypes.includes(type)) invalidTypes.push(type);
    }
  }
  return { records: parsed as TelemetryRecord[], invalidRecords, invalidTypes: invalidTypes ?? [] };
}

/**
 * Parses a Telemetry API batch into its records; see {@link parseTelemetryBatchDetailed} for the
 * rules (records of a documented type that do not match their schema are kept, not dropped).
 *
 * @throws {TelemetryParseError} when the body is malformed.
 *
 * @example
 * ```ts
 * const records = parseTelemetryBatch(await readBody(request));
 * ```
 */
export function parseTelemetryBatch(body: string | Uint8Array): TelemetryRecord[] {
  return parseTelemetryBatchDetailed(body).records;
}

/**
 * Narrows a record to a documented type, checking that its fields match that type's schema (the
 * same cheap check the parser runs). `false` for another type, or for a record of that type that
 * does not match.
 *
 * @example
 * ```ts
 * for (const record of records) {
 *   if (isTelemetryRecordOfType(record, 'platform.report')) {
 *     console.log(record.record.requestId, record.record.metrics.billedDurationMs);
 *   }
 * }
 * ```
 */
export function isTelemetryRecordOfType<T extends TelemetryRecordType>(
  value: unknown,
  type: T,
): value is Extract<KnownTelemetryRecord, { type: T }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const element = value as { time?: unknown; type?: unknown; record?: unknown };
  return element.type === type && typeof element.time === 'string' && isRecordValid(type, element.record);
}
