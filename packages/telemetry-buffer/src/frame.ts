import { crc32 } from './crc32.js';

/**
 * Spool framing: each line is written as `<crc32 as 8 lower-case hex digits><space><line>\n`.
 * A torn last write has no newline (or a wrong checksum); a flipped byte fails the checksum. Either
 * is skipped on its own; the other lines of the segment survive.
 */
export const FRAME_OVERHEAD = 10;

const NEWLINE = 0x0a;
const SPACE = 0x20;

const HEX = '0123456789abcdef';

/**
 * Encodes lines into one buffer of frames. Each line is written straight into that buffer (no
 * buffer per line) and its checksum taken there. `sizes`, when given, are the lines' UTF-8 lengths
 * plus one (as the buffer counts them) and size the buffer at once; a wrong size costs a second pass,
 * never a wrong frame.
 */
export function encodeFrames(lines: readonly string[], sizes?: readonly number[]): Buffer {
  const sized = sizes !== undefined && sizes.length === lines.length;
  let total = 0;
  if (sized) for (const size of sizes) total += size - 1 + FRAME_OVERHEAD;
  else for (const line of lines) total += Buffer.byteLength(line, 'utf8') + FRAME_OVERHEAD;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const start = at + 9;
    const room = total - start - 1; // the line and its newline must fit
    const written = room >= 0 ? out.write(line, start, room, 'utf8') : -1;
    // a size that was wrong (a line cut short or room left over): the exact pass
    if (sized && written !== (sizes[i] as number) - 1) return encodeFrames(lines);
    let crc = crc32(out, start, start + written);
    for (let digit = 7; digit >= 0; digit--) {
      out[at + digit] = HEX.charCodeAt(crc & 0xf);
      crc >>>= 4;
    }
    out[at + 8] = SPACE;
    at = start + written;
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
