import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/crc32.js';
import { decodeFrames, encodeFrames } from '../../src/frame.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('gives the byte-at-a-time values at every length and offset (the 8-byte steps and the tail)', () => {
    const reference = (bytes: Uint8Array, start: number, end: number) => {
      let crc = 0xffffffff;
      for (let i = start; i < end; i++) {
        crc ^= bytes[i] as number;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    const bytes = Buffer.alloc(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 13) {
        expect(crc32(bytes, start, end)).toBe(reference(bytes, start, end));
      }
    }
    expect(crc32(bytes)).toBe(reference(bytes, 0, bytes.length));
  });
});

describe('frames', () => {
  const lines = ['{"a":1}', '{"msg":"héllo ✓"}', '{}'];

  it('round-trips lines and counts their bytes as the buffer does', () => {
    const decoded = decodeFrames(encodeFrames(lines));
    expect(decoded.lines).toEqual(lines);
    expect(decoded.sizes).toEqual(lines.map((l) => Buffer.byteLength(l) + 1));
    expect(decoded.corrupt).toBe(0);
  });

  it("writes the same bytes with the lines' sizes given, and with sizes that are wrong", () => {
    const sizes = lines.map((l) => Buffer.byteLength(l) + 1);
    const exact = encodeFrames(lines);
    expect(encodeFrames(lines, sizes).equals(exact)).toBe(true);
    expect(
      encodeFrames(
        lines,
        sizes.map((size) => size + 3),
      ).equals(exact),
    ).toBe(true);
    expect(
      encodeFrames(
        lines,
        sizes.map((size) => size - 1),
      ).equals(exact),
    ).toBe(true);
    expect(encodeFrames(lines, [1]).equals(exact)).toBe(true); // not one size per line: ignored
    const lone = ['\ud800 lone surrogate', 'x'];
    expect(
      decodeFrames(
        encodeFrames(
          lone,
          lone.map((l) => Buffer.byteLength(l) + 1),
        ),
      ).lines,
    ).toEqual(['\ufffd lone surrogate', 'x']);
    // the frame: 8 hex digits of the CRC-32 of the line's bytes, a space, the line, a newline
    const one = encodeFrames(['{"a":1}']);
    expect(one.toString('latin1')).toBe(
      `${crc32(Buffer.from('{"a":1}')).toString(16).padStart(8, '0')} {"a":1}\n`,
    );
  });

  it('skips a torn last frame (kill mid-write) and keeps the rest', () => {
    const data = encodeFrames(lines);
    const torn = data.subarray(0, data.length - 3);
    const decoded = decodeFrames(torn);
    expect(decoded.lines).toEqual(lines.slice(0, 2));
    expect(decoded.corrupt).toBe(1);
  });

  it('skips a frame whose bytes were flipped', () => {
    const data = Buffer.from(encodeFrames(lines));
    const second = data.indexOf('héllo');
    data[second] = 'j'.charCodeAt(0);
    const decoded = decodeFrames(data);
    expect(decoded.lines).toEqual([lines[0], lines[2]]);
    expect(decoded.corrupt).toBe(1);
    expect(decoded.corruptBytes).toBeGreaterThan(0);
  });

  it('skips frames with a bad prefix, short fragments and plain NDJSON, ignores empty lines', () => {
    const good = encodeFrames(['{"ok":true}']);
    const data = Buffer.concat([
      Buffer.from('zzzzzzzz {"a":1}\n'),
      Buffer.from('12345678x{"a":1}\n'),
      Buffer.from('abc\n'),
      Buffer.from('\n\n'),
      Buffer.from('{"plain":"json line, no frame"}\n'),
      good,
    ]);
    const decoded = decodeFrames(data);
    expect(decoded.lines).toEqual(['{"ok":true}']);
    expect(decoded.corrupt).toBe(4);
  });
});
