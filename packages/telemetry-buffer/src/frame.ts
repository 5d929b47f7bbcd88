import { crc32 } from './crc32.js';

/**
 * Spool framing: each line is written as `<crc32 as 8 lower-case hex digits><space><line>\n`.
 * A torn last write has no newline (or a wrong checksum); a flipped byte fails the checksum. Either
 * is skipped on its own; the other lines of the segment survive.
 */
export const FRAME_OVERHEAD = 10;

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** Encodes lines into one buffer of frames. */
export function encodeFrames(lines: readonly string[]): Buffer {
  const bodies = lines.map((line) => Buffer.from(line, 'utf8'));
  let total = 0;
  for (const body of bodies) total += body.length + FRAME_OVERHEAD;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const body of bodies) {
    out.write(crc32(body).toString(16).padStart(8, '0'), at, 'latin1');
    out[at + 8] = SPACE;
    body.copy(out, at + 9);
    at += 9 + body.length;
    out[at] = NEWLINE;
    at += 1;
  }
  return out;
}

/** The frames found in one segment file. */
export interface DecodedSegment {
  lines: string[];
  /** Bytes of each line as the buffer counts them (UTF-8 length + 1). */
  sizes: number[];
  /** Torn or corrupt fragments skipped. */
  corrupt: number;
  /** Bytes of those fragments. */
  corruptBytes: number;
}

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66);
}

function validFrame(data: Buffer, start: number, end: number): boolean {
  if (end - start < 9 || data[start + 8] !== SPACE) return false;
  for (let i = start; i < start + 8; i++) if (!isHex(data[i] as number)) return false;
  const expected = Number.parseInt(data.toString('latin1', start, start + 8), 16);
  return crc32(data, start + 9, end) === expected;
}

/** Decodes a segment file's bytes, skipping (and counting) torn and corrupt fragments. */
export function decodeFrames(data: Buffer): DecodedSegment {
  const result: DecodedSegment = { lines: [], sizes: [], corrupt: 0, corruptBytes: 0 };
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(NEWLINE, start);
    const torn = end === -1;
    if (torn) end = data.length;
    if (end > start) {
      if (!torn && validFrame(data, start, end)) {
        result.lines.push(data.toString('utf8', start + 9, end));
        result.sizes.push(end - start - 9 + 1);
      } else {
        result.corrupt += 1;
        result.corruptBytes += end - start;
      }
    }
    start = end + 1;
  }
  return result;
}
