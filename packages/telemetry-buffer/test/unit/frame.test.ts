import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/crc32.js';
import { decodeFrames, encodeFrames } from '../../src/frame.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
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
