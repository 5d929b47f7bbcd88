/**
 * Finds the elements of a top-level JSON array in its bytes, without decoding them, so that a large
 * batch is parsed element by element. V8 puts strings over ~128 KB in its large-object space, where
 * each allocation costs a fresh memory mapping: decoding a 256 KB batch into one string runs at a
 * few hundred MB/s, while decoding it element by element runs at several GB/s.
 *
 * The scan only tracks strings (with their escapes) and nesting; it does not validate JSON. The
 * caller parses every element with `JSON.parse`, which does. Splitting happens only at ASCII bytes
 * outside strings, which never occur inside a UTF-8 sequence, so decoding the parts gives the same
 * text as decoding the whole.
 *
 * @returns `[start, end)` byte ranges of the elements, or `undefined` when the bytes do not look
 * like one array (the caller then parses the whole body, for the exact `JSON.parse` error).
 */
export function splitTopLevelArray(bytes: Buffer): Array<readonly [number, number]> | undefined {
  const length = bytes.length;
  let index = skipSpace(bytes, 0);
  if (bytes[index] !== OPEN_ARRAY) return undefined;
  index += 1;
  const ranges: Array<readonly [number, number]> = [];
  let start = index;
  let depth = 1;
  while (index < length) {
    const byte = bytes[index] as number;
    if (byte === QUOTE) {
      index = endOfString(bytes, index + 1);
      if (index < 0) return undefined;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth += 1;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth -= 1;
      if (depth === 0) {
        if (byte !== CLOSE_ARRAY) return undefined;
        if (ranges.length > 0 || skipSpace(bytes, start) < index) ranges.push([start, index]);
        return skipSpace(bytes, index + 1) === length ? ranges : undefined;
      }
    } else if (byte === COMMA && depth === 1) {
      ranges.push([start, index]);
      start = index + 1;
    }
    index += 1;
  }
  return undefined;
}

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function skipSpace(bytes: Buffer, from: number): number {
  let index = from;
  while (index < bytes.length) {
    const byte = bytes[index];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
    index += 1;
  }
  return index;
}

/** The index of the quote that closes the string whose content starts at `from`, or -1. */
function endOfString(bytes: Buffer, from: number): number {
  let index = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, index);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}
