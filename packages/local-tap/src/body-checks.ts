import { isUtf8 } from 'node:buffer';

/**
 * The length of a body once Lambda has put it into the Function URL event as a JSON string:
 * `"` and `\` and the short control escapes (`\n`, `\r`, `\t`, `\b`, `\f`) take two bytes, other
 * control characters six (`\u00XX`).
 * @internal
 */
export function jsonEscapedLength(body: Buffer): number {
  let length = body.length;
  for (let index = 0; index < body.length; index++) {
    const byte = body[index] as number;
    if (byte === 0x22 || byte === 0x5c || byte === 0x0a || byte === 0x0d || byte === 0x09) length += 1;
    else if (byte === 0x08 || byte === 0x0c) length += 1;
    else if (byte < 0x20) length += 5;
  }
  return length;
}

/**
 * The length of a binary body once base64-encoded into the Function URL event.
 * @internal
 */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** What scanning a body's lines found. */
export interface LineScan {
  /** Lines with something else than whitespace. */
  lines: number;
  /** Whether at least one line is a JSON object. */
  hasObject: boolean;
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/**
 * Counts the non-blank lines of an NDJSON body and checks that at least one is a JSON object.
 * Only lines starting with `{` are parsed, and parsing stops at the first object.
 * @internal
 */
export function scanNdjson(body: Buffer): LineScan {
  let lines = 0;
  let hasObject = false;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    let first = start;
    let last = end;
    while (first < last && isBlank(body[first] as number)) first++;
    while (last > first && isBlank(body[last - 1] as number)) last--;
    if (last > first) {
      lines++;
      if (!hasObject && body[first] === 0x7b) hasObject = isJsonObject(body.toString('utf8', first, last));
    }
    start = end + 1;
  }
  return { lines, hasObject };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Whether the body is valid UTF-8.
 * @internal
 */
export function isValidUtf8(body: Buffer): boolean {
  return isUtf8(body);
}

/**
 * The media type of a `Content-Type` header, lower case, without parameters.
 * @internal
 */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
