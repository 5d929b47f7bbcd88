import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, createZip } from '../../scripts/zip.mjs';

/** Reads a zip's central directory: name, Unix mode, data (inflated and CRC-checked). */
function readZip(zip: Buffer) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: { name: string; mode: number; data: Buffer }[] = [];
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const mode = (zip.readUInt32LE(at + 38) >>> 16) & 0o7777;
    const offset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const localNameLength = zip.readUInt16LE(offset + 26);
    const dataStart = offset + 30 + localNameLength;
    const data = inflateRawSync(zip.subarray(dataStart, dataStart + size));
    expect(crc32(data)).toBe(crc);
    entries.push({ name, mode, data });
    at += 46 + nameLength;
  }
  return entries;
}

describe('createZip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('writes entries sorted by name with their Unix modes, readable back', () => {
    const zip = createZip([
      { name: 'z/index.cjs', data: Buffer.from('console.log(1)'), mode: 0o644 },
      { name: 'extensions/run', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    expect(readZip(zip)).toEqual([
      { name: 'extensions/run', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
      { name: 'z/index.cjs', mode: 0o644, data: Buffer.from('console.log(1)') },
    ]);
  });

  it('is reproducible: the same input gives the same bytes, whatever the order', () => {
    const a = { name: 'a', data: Buffer.from('x'.repeat(1000)), mode: 0o644 };
    const b = { name: 'b', data: Buffer.from('y'), mode: 0o755 };
    expect(createZip([a, b]).equals(createZip([b, a]))).toBe(true);
  });
});
