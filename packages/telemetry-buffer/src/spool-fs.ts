import * as fs from 'node:fs';

/**
 * The synchronous file-system calls the spool makes (a subset of `node:fs`). Replaceable through
 * the documented test seam `deps._internal.fs`, to simulate failing disks.
 */
export interface SpoolFs {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  readdirSync(path: string): string[];
  readFileSync(path: string): Buffer;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/** `node:fs` itself, resolved at call time. */
export const nodeFs: SpoolFs = {
  mkdirSync: (path, options) => fs.mkdirSync(path, options),
  readdirSync: (path) => fs.readdirSync(path),
  readFileSync: (path) => fs.readFileSync(path),
  openSync: (path, flags) => fs.openSync(path, flags),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

/** Writes all of `buffer`, looping over short writes. */
export function writeAll(fsApi: SpoolFs, fd: number, buffer: Uint8Array): void {
  let offset = 0;
  while (offset < buffer.length) offset += fsApi.writeSync(fd, buffer, offset, buffer.length - offset);
}
