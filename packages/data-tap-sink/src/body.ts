import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/**
 * A slice of a batch's lines that fits in one request body, or one line too large to ever fit.
 * `start`/`end` are indexes into the batch's `lines` (end exclusive); `bytes` is the body size.
 */
export type BodyPlanItem =
  | { readonly kind: 'body'; readonly start: number; readonly end: number; readonly bytes: number }
  | { readonly kind: 'oversize'; readonly start: number; readonly end: number; readonly bytes: number };

/**
 * The UTF-8 size a line takes in a body: its bytes plus the newline.
 *
 * @example
 * ```ts
 * lineBytes('{"a":"é"}'); // 11
 * ```
 */
export function lineBytes(line: string): number {
  return Buffer.byteLength(line, 'utf8') + 1;
}

/**
 * The body size of each line ({@link lineBytes}), computed once per batch.
 *
 * @example
 * ```ts
 * lineSizes(['{"a":1}', '{}']); // [8, 3]
 * ```
 */
export function lineSizes(lines: readonly string[]): number[] {
  return lines.map(lineBytes);
}

/**
 * Cuts a batch, given its line sizes, into consecutive bodies of at most `maxBodyBytes` each, in
 * order. A line that alone exceeds the limit becomes an `oversize` item of its own.
 *
 * @example
 * ```ts
 * planBodies([8, 8], 1024); // [{ kind: 'body', start: 0, end: 2, bytes: 16 }]
 * ```
 */
export function planBodies(sizes: readonly number[], maxBodyBytes: number): BodyPlanItem[] {
  const plan: BodyPlanItem[] = [];
  let start = 0;
  let bytes = 0;
  for (let index = 0; index < sizes.length; index++) {
    const size = sizes[index] as number;
    if (size > maxBodyBytes || bytes + size > maxBodyBytes) {
      if (index > start) plan.push({ kind: 'body', start, end: index, bytes });
      start = index;
      bytes = 0;
      if (size > maxBodyBytes) {
        plan.push({ kind: 'oversize', start: index, end: index + 1, bytes: size });
        start = index + 1;
        continue;
      }
    }
    bytes += size;
  }
  if (sizes.length > start) plan.push({ kind: 'body', start, end: sizes.length, bytes });
  return plan;
}

/**
 * The request body for `lines[start..end)`: the lines joined with `\n`, plus a final `\n`.
 * `sizes` are the lines' body sizes ({@link lineSizes}): each line is encoded once, straight into
 * a buffer of the exact size, without building the joined string first (ASCII lines are copied).
 *
 * @example
 * ```ts
 * const lines = ['{"a":1}', '{"b":2}'];
 * buildBody(lines, lineSizes(lines), 0, 2).toString(); // '{"a":1}\n{"b":2}\n'
 * ```
 */
export function buildBody(
  lines: readonly string[],
  sizes: readonly number[],
  start: number,
  end: number,
): Buffer {
  let total = 0;
  for (let index = start; index < end; index++) total += sizes[index] as number;
  const body = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let index = start; index < end; index++) {
    const line = lines[index] as string;
    // A line whose UTF-8 size equals its length is ASCII, for which latin1 (a plain copy) gives
    // the same bytes as the slower UTF-8 encoder.
    offset += body.write(line, offset, sizes[index] === line.length + 1 ? 'latin1' : 'utf8');
    body[offset++] = 0x0a;
  }
  return body;
}

/**
 * A stable id for a body, derived from its content (the first 32 hex digits of its SHA-256): a
 * retry of the same body carries the same id, a different body (such as half of a split) its own.
 *
 * @example
 * ```ts
 * batchIdOf(buildBody(lines, 0, lines.length)); // '9f86d081884c7d659a2feaa0c55ad015'
 * ```
 */
export function batchIdOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}
