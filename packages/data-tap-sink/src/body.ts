import type { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';

/**
 * A slice of a batch's lines that fits in one request body, or one line too large to ever fit.
 * `start`/`end` are indexes into the batch's `lines` (end exclusive); `bytes` is the body size.
 */
export type BodyPlanItem =
  | { readonly kind: 'body'; readonly start: number; readonly end: number; readonly bytes: number }
  | { readonly kind: 'oversize'; readonly start: number; readonly end: number; readonly bytes: number };

/**
 * Cuts a batch, given its line sizes (UTF-8 bytes plus the newline), into consecutive bodies of
 * at most `maxBodyBytes` each, in order. A line that alone exceeds the limit becomes an `oversize` item of its own.
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
 * A stable id for a body, derived from its content (the first 32 hex digits of its SHA-256): a
 * retry of the same body carries the same id, a different body (such as half of a split) its own.
 *
 * @example
 * ```ts
 * batchIdOf(Buffer.from('{"a":1}\n')); // 32 hex digits
 * ```
 */
export function batchIdOf(body: Buffer): string {
  // The one-shot `hash` (Node >= 20.12) spares a Hash object per body: a quarter of the id's cost
  // for the small bodies a busy function sends many of.
  return hash('sha256', body, 'hex').slice(0, 32);
}

/** What a caller-given batch id may be: 1 to 128 visible ASCII characters, no spaces. */
const CALLER_ID = /^[\x21-\x7e]{1,128}$/;

/** True when `id` can be sent as a caller-given batch id (see `SendBatch.id`). */
export function isValidBatchId(id: unknown): id is string {
  return typeof id === 'string' && CALLER_ID.test(id);
}

/**
 * The id of the body holding lines `[start, end)` of a batch of `count` lines whose caller gave it
 * `batchId`: the batch id itself for a body of the whole batch, else the id and the line range, so
 * that bodies (and the halves of a body split after a 413) have ids of their own, the same on retry.
 *
 * @example
 * ```ts
 * bodyIdOf('b7', 0, 10, 10); // 'b7'
 * bodyIdOf('b7', 0, 5, 10); // 'b7:0-5'
 * ```
 */
export function bodyIdOf(batchId: string, start: number, end: number, count: number): string {
  return start === 0 && end === count ? batchId : `${batchId}:${start}-${end}`;
}
