import { Buffer } from 'node:buffer';

/** Room beyond the batch's length estimate: lines up to ~21k characters never need a second pass. */
const SLACK_BYTES = 64 * 1024;
/** The kept buffer grows in steps of this many bytes (so batches a few bytes longer reuse it). */
const GROWTH_STEP = 64 * 1024;

/**
 * A batch's lines encoded once as NDJSON: each line's UTF-8 bytes followed by `\n`, in order.
 * Every request body of the batch is a view of these bytes (no copy), retries and the halves of a
 * split included.
 */
export interface EncodedBatch {
  /** The whole batch as NDJSON. */
  readonly bytes: Buffer;
  /** The body size of each line: its UTF-8 bytes plus the newline. */
  readonly sizes: readonly number[];
  /** The body of `lines[start..end)` (end exclusive): a view of {@link EncodedBatch.bytes}. */
  body(start: number, end: number): Buffer;
}

/**
 * Encodes batches into one kept buffer, reused from one send to the next.
 *
 * Why keep a buffer: a fresh multi-megabyte buffer per request costs more than encoding the lines
 * into it. The memory allocator returns such sizes to the system when they are freed and maps new
 * pages for the next one, each faulted in on its first write (measured: ~2 ms per 3.5 MB body,
 * five times the encoding). Writing every batch into the same buffer touches pages already mapped.
 * Why encode the whole batch at once: the bytes written give each line's size, so no separate
 * pass measures the lines, and each body is then a slice.
 */
export interface BatchEncoder {
  /**
   * Encodes `lines` into the kept buffer when no other send holds it and the batch fits in it,
   * otherwise into a fresh buffer. Hand the result back with {@link BatchEncoder.release} once no
   * request reads it any more.
   */
  encode(lines: readonly string[]): EncodedBatch;
  /** Ends the use of an encoded batch: the kept buffer may be written again. */
  release(batch: EncodedBatch): void;
  /** Forgets the kept buffer (its memory goes with the next garbage collection). */
  clear(): void;
  /** The size of the kept buffer in bytes (0 when there is none). */
  keptBytes(): number;
}

/**
 * Creates a {@link BatchEncoder} that keeps one buffer for batches of up to about `maxKeptBytes`
 * (the sink passes its `maxBodyBytes`): the buffer grows on demand to at most `maxKeptBytes` plus
 * 128 KiB and is then reused; larger batches, and batches encoded while another is in use, get a
 * fresh buffer. The bytes are the same as `Buffer.from(lines.join('\n') + '\n')` (a lone surrogate
 * becomes U+FFFD, as `Buffer.from` does).
 *
 * The caller must not let anything read a batch after releasing it. The sink releases a batch when
 * its send ends, after the answer to its last request was read: the Fetch standard's `fetch` copies
 * a byte body when called, and a node:http request has written its body, or been destroyed, by
 * then (a server that answers before reading the body has no use for the rest of it).
 *
 * @example
 * ```ts
 * const encoder = createBatchEncoder(4 * 1024 * 1024);
 * const batch = encoder.encode(['{"a":1}', '{"b":2}']);
 * batch.body(0, 2).toString(); // '{"a":1}\n{"b":2}\n'
 * encoder.release(batch);
 * ```
 */
export function createBatchEncoder(maxKeptBytes: number): BatchEncoder {
  const keepLimit = roundUp(maxKeptBytes + SLACK_BYTES) + GROWTH_STEP;
  let kept: Buffer | undefined;
  let inUse = false;

  return {
    encode(lines) {
      // A first guess of the size: exact for ASCII (one byte per character).
      let estimate = 0;
      for (const line of lines) estimate += line.length + 1;
      const wanted = estimate + SLACK_BYTES;
      let target: Buffer;
      if (!inUse && wanted <= keepLimit) {
        if (kept === undefined || kept.byteLength < wanted) {
          kept = Buffer.allocUnsafeSlow(roundUp(wanted));
        }
        inUse = true;
        target = kept;
      } else {
        target = Buffer.allocUnsafeSlow(wanted);
      }

      const offsets = new Array<number>(lines.length + 1);
      let offset = 0;
      let exact = false;
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index] as string;
        // At most 3 bytes per UTF-16 unit: with this much room the write cannot be cut short.
        if (!exact && target.byteLength - offset < line.length * 3 + 1) {
          // Non-ASCII text took more than the guess: measure the rest exactly, grow if needed.
          let needed = offset;
          for (let rest = index; rest < lines.length; rest++) {
            needed += Buffer.byteLength(lines[rest] as string, 'utf8') + 1;
          }
          if (needed > target.byteLength) {
            const keep = target === kept && needed <= keepLimit;
            const larger = Buffer.allocUnsafeSlow(keep ? roundUp(needed) : needed);
            target.copy(larger, 0, 0, offset);
            if (keep) kept = larger;
            else if (target === kept) inUse = false;
            target = larger;
          }
          exact = true;
        }
        offsets[index] = offset;
        offset += target.write(line, offset, 'utf8');
        target[offset++] = 0x0a;
      }
      offsets[lines.length] = offset;

      const bytes = target.subarray(0, offset);
      const sizes = new Array<number>(lines.length);
      for (let index = 0; index < lines.length; index++) {
        sizes[index] = (offsets[index + 1] as number) - (offsets[index] as number);
      }
      return {
        bytes,
        sizes,
        body: (start, end) => bytes.subarray(offsets[start], offsets[end]),
      };
    },
    release(batch) {
      if (kept !== undefined && batch.bytes.buffer === kept.buffer) inUse = false;
    },
    clear() {
      kept = undefined;
      inUse = false;
    },
    keptBytes() {
      return kept?.byteLength ?? 0;
    },
  };
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / GROWTH_STEP) * GROWTH_STEP;
}
