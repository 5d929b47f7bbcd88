import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/crc32.js';
import { LayerError } from '../../src/errors.js';
import { extractZip, readZipEntries } from '../../src/zip-reader.js';
import { writeZip } from '../helpers/zip-writer.js';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zip-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('readZipEntries', () => {
  it('reads stored and deflated entries with their Unix modes', () => {
    const big = 'hello extension\n'.repeat(500);
    const zip = writeZip([
      { name: 'extensions/', mode: 0o040755 },
      { name: 'extensions/my-ext', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'lib/big.txt', data: big, mode: 0o100644, deflate: true },
      { name: 'dos.txt', data: 'no unix mode' },
    ]);
    const entries = readZipEntries(zip);
    expect(entries.map((e) => [e.name, e.kind, e.mode.toString(8)])).toEqual([
      ['extensions/', 'directory', '755'],
      ['extensions/my-ext', 'file', '755'],
      ['lib/big.txt', 'file', '644'],
      ['dos.txt', 'file', '644'],
    ]);
    expect(entries[2]?.data.toString()).toBe(big);
  });

  it('rejects a buffer that is not a zip', () => {
    expect(() => readZipEntries(Buffer.from('not a zip at all, not even close'))).toThrow(LayerError);
  });

  it('rejects a CRC mismatch', () => {
    const zip = writeZip([{ name: 'a.txt', data: 'abc', mode: 0o100644 }], { corruptCrcOf: 'a.txt' });
    expect(() => readZipEntries(zip)).toThrow(/CRC/);
  });

  it('rejects an unsupported compression method', () => {
    const zip = writeZip([{ name: 'a.txt', data: 'abc' }], { method: 12 });
    expect(() => readZipEntries(zip)).toThrow(/compression method 12/);
  });

  it('rejects encrypted entries and truncated central directories', () => {
    const zip = writeZip([{ name: 'a.txt', data: 'abc' }]);
    const encrypted = Buffer.from(zip);
    const cd = encrypted.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    encrypted.writeUInt16LE(1, cd + 8);
    expect(() => readZipEntries(encrypted)).toThrow(/encrypted/);
    const truncated = Buffer.from(zip);
    const eocd = truncated.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    truncated.writeUInt16LE(2, eocd + 10);
    expect(() => readZipEntries(truncated)).toThrow(/central directory entry 1/);
  });

  it('rejects Zip64 archives and bad local headers', () => {
    const zip = writeZip([{ name: 'a.txt', data: 'abc' }]);
    const z64 = Buffer.from(zip);
    z64.writeUInt32LE(0xffffffff, z64.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 16);
    expect(() => readZipEntries(z64)).toThrow(/Zip64/);
    const sizes = Buffer.from(zip);
    sizes.writeUInt32LE(0xffffffff, sizes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 20);
    expect(() => readZipEntries(sizes)).toThrow(/Zip64/);
    const local = Buffer.from(zip);
    local.writeUInt32LE(0, 0);
    expect(() => readZipEntries(local)).toThrow(/local header/);
  });

  it('reports a deflate stream that does not inflate', () => {
    const zip = writeZip([{ name: 'a.txt', data: 'abc' }], { method: 8 });
    expect(() => readZipEntries(zip)).toThrow(/cannot inflate/);
  });
});

describe('extractZip', () => {
  it('unpacks files keeping the executable bit, folders and inner symlinks', async () => {
    const dir = await tmp();
    const zipPath = join(dir, 'layer.zip');
    await writeFile(
      zipPath,
      writeZip([
        { name: 'extensions/', mode: 0o040755 },
        { name: 'extensions/my-ext', data: '#!/bin/sh\n', mode: 0o100755 },
        { name: 'lib/a.txt', data: 'A', mode: 0o100600, deflate: true },
        { name: 'lib/link', data: 'a.txt', mode: 0o120777 },
      ]),
    );
    const out = join(dir, 'out');
    await extractZip(zipPath, out);
    expect((await stat(join(out, 'extensions/my-ext'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(out, 'lib/a.txt'))).mode & 0o777).toBe(0o600);
    expect((await lstat(join(out, 'lib/link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(out, 'lib/link'))).toBe('a.txt');
    expect(await readFile(join(out, 'lib/link'), 'utf8')).toBe('A');
  });

  it('refuses entries and symlinks escaping the folder', async () => {
    const dir = await tmp();
    for (const [i, entries] of [
      [{ name: '../evil', data: 'x', mode: 0o100644 }],
      [{ name: '/abs', data: 'x', mode: 0o100644 }],
      [{ name: 'link', data: '/etc/passwd', mode: 0o120777 }],
      [{ name: 'link', data: '../../x', mode: 0o120777 }],
    ].entries()) {
      const zipPath = join(dir, `bad${i}.zip`);
      await writeFile(zipPath, writeZip(entries));
      await expect(extractZip(zipPath, join(dir, `out${i}`))).rejects.toThrow(LayerError);
    }
  });

  it('reports a missing file', async () => {
    await expect(extractZip(join(await tmp(), 'missing.zip'), '/nonexistent')).rejects.toThrow(/cannot read/);
  });
});
