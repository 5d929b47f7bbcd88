import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { LayerError } from './errors.js';

/** One entry of a zip archive, its data already inflated and checked. */
export interface ZipEntry {
  /** The path inside the archive, `/`-separated; folders end with `/`. */
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  /** Unix permission bits when the archive was made on Unix, else 0o644 (files) / 0o755 (folders). */
  readonly mode: number;
  readonly data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEndOfCentralDirectory(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= min; i -= 1) if (buf.readUInt32LE(i) === EOCD) return i;
  throw new LayerError('not a zip archive: no end of central directory record');
}

/**
 * Reads every entry of a zip archive (stored or deflated; no Zip64, no encryption).
 * Throws {@link LayerError} on a malformed archive or a CRC mismatch.
 *
 * @example
 * ```ts
 * const entries = readZipEntries(await readFile('layer.zip'));
 * entries.filter((e) => e.name.startsWith('extensions/'));
 * ```
 */
export function readZipEntries(buf: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(buf);
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) throw new LayerError('Zip64 archives are not supported');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i += 1) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) {
      throw new LayerError(`malformed zip: central directory entry ${i} not found`);
    }
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const externalAttributes = buf.readUInt32LE(p + 38);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw new LayerError(`encrypted zip entry not supported: ${name}`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new LayerError('Zip64 archives are not supported');
    }
    if (buf.readUInt32LE(localOffset) !== LOCAL)
      throw new LayerError(`malformed zip: no local header for ${name}`);
    const dataStart =
      localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    const raw = buf.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (error) {
        throw new LayerError(`malformed zip: cannot inflate ${name}`, { cause: error });
      }
    } else throw new LayerError(`unsupported zip compression method ${method} for ${name}`);
    if (data.length !== size || crc32(data) !== crc)
      throw new LayerError(`corrupt zip entry (size or CRC): ${name}`);
    const unixMode = madeBy === 3 ? externalAttributes >>> 16 : 0;
    const type = unixMode & 0o170000;
    const isDirectory = name.endsWith('/') || type === 0o040000;
    const kind = type === 0o120000 ? 'symlink' : isDirectory ? 'directory' : 'file';
    const mode = unixMode & 0o777 ? unixMode & 0o777 : isDirectory ? 0o755 : 0o644;
    entries.push({ name, kind, mode, data });
  }
  return entries;
}

function safeTarget(root: string, name: string): string {
  const clean = normalize(name);
  if (isAbsolute(name) || clean === '..' || clean.startsWith(`..${sep}`) || name.includes('\0')) {
    throw new LayerError(`zip entry escapes the target folder: ${name}`);
  }
  return join(root, clean);
}

/**
 * Unpacks a zip archive into a folder, keeping Unix permissions (the executable bit of
 * `extensions/*` matters) and symlinks that stay inside the folder.
 *
 * @example
 * ```ts
 * await extractZip('extension.zip', '/tmp/layer');
 * ```
 */
export async function extractZip(zipPath: string, targetDir: string): Promise<ZipEntry[]> {
  let buf: Buffer;
  try {
    buf = await readFile(zipPath);
  } catch (error) {
    throw new LayerError(`cannot read layer zip ${zipPath}`, { cause: error });
  }
  const entries = readZipEntries(buf);
  await mkdir(targetDir, { recursive: true });
  for (const entry of entries) {
    const target = safeTarget(targetDir, entry.name);
    if (entry.kind === 'directory') {
      await mkdir(target, { recursive: true, mode: entry.mode });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if (entry.kind === 'symlink') {
      const link = entry.data.toString('utf8');
      if (isAbsolute(link)) throw new LayerError(`zip symlink points outside the folder: ${entry.name}`);
      safeTarget(targetDir, join(dirname(entry.name), link));
      await symlink(link, target);
      continue;
    }
    await writeFile(target, entry.data);
    await chmod(target, entry.mode);
  }
  return entries;
}
