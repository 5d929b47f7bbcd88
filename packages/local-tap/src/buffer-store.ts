import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSerialLock } from './serial-lock.js';

/** A set of buffer files claimed for one conversion, moved under `batches/<id>/`. */
export interface Batch {
  id: string;
  dir: string;
  files: string[];
  bytes: number;
}

/** The durable NDJSON buffer of the tap. @internal */
export interface BufferStore {
  /** Creates the folders. */
  open(): Promise<void>;
  /** Appends one body (a newline is added when missing) and fsyncs before resolving. */
  append(data: Buffer): Promise<void>;
  /** Bytes appended and not yet claimed. */
  pendingBytes(): number;
  /** When the oldest unclaimed body was appended (`now()` ms), or undefined. */
  oldestAt(): number | undefined;
  /** Moves every loose buffer file into a new batch folder; undefined when there is none. */
  claim(): Promise<Batch | undefined>;
  /** Batches claimed by an earlier process that never finished them. */
  claimedBatches(): Promise<Batch[]>;
  /** Deletes a converted batch. */
  complete(batch: Batch): Promise<void>;
  /** Moves a batch that failed to convert to `failed/<id>/` with an `error.txt`. */
  quarantine(batch: Batch, error: Error): Promise<string>;
  /** Closes the open buffer file. */
  close(): Promise<void>;
}

const NEWLINE = Buffer.from('\n');
const ignore = (): void => {};

interface Pending {
  buffers: Buffer[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes every buffer, going on after a partial write. @internal */
export async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let remaining = buffers;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining);
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of remaining) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    remaining = rest;
  }
}

async function batchFrom(dir: string, id: string): Promise<Batch> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.ndjson')).sort();
  const files = names.map((name) => join(dir, name));
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;
  return { id, dir, files, bytes };
}

/**
 * The durable buffer: bodies are appended to `<dir>/<unix seconds>-<process id>-<n>.ndjson`
 * (one file per second, so the file name carries `__bd_ts`), group-committed (the bodies that
 * arrive while an fsync runs share the next write and fsync).
 * @internal
 */
export function createBufferStore(dir: string, now: () => number): BufferStore {
  const processId = randomBytes(4).toString('hex');
  const lock = createSerialLock();
  const batchesDir = join(dir, 'batches');
  const failedDir = join(dir, 'failed');
  let queue: Pending[] = [];
  let draining = false;
  let handle: FileHandle | undefined;
  let handleSecond = -1;
  let fileCounter = 0;
  let batchCounter = 0;
  let pending = 0;
  let oldest: number | undefined;

  async function closeHandle(): Promise<void> {
    const current = handle;
    handle = undefined;
    handleSecond = -1;
    if (current) await current.close().catch(ignore);
  }

  async function writeGroup(group: Pending[]): Promise<void> {
    const second = Math.floor(now() / 1000);
    if (!handle || second !== handleSecond) {
      await closeHandle();
      fileCounter++;
      handle = await open(join(dir, `${second}-${processId}-${fileCounter}.ndjson`), 'a');
      handleSecond = second;
      await fsyncDir(dir);
    }
    await writeAll(
      handle,
      group.flatMap((item) => item.buffers),
    );
    await handle.datasync();
    for (const item of group) pending += item.bytes;
    oldest ??= now();
  }

  async function drain(): Promise<void> {
    draining = true;
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await lock.run(() => writeGroup(group));
        for (const item of group) item.resolve();
      } catch (error) {
        await lock.run(closeHandle);
        for (const item of group) item.reject(error);
      }
    }
    draining = false;
  }

  return {
    async open() {
      await mkdir(batchesDir, { recursive: true });
      await mkdir(failedDir, { recursive: true });
    },
    append(data) {
      const buffers = data.length > 0 && data[data.length - 1] !== 0x0a ? [data, NEWLINE] : [data];
      const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      return new Promise<void>((resolve, reject) => {
        queue.push({ buffers, bytes, resolve, reject });
        if (!draining) void drain();
      });
    },
    pendingBytes: () => pending,
    oldestAt: () => oldest,
    claim() {
      return lock.run(async () => {
        await closeHandle();
        pending = 0;
        oldest = undefined;
        const loose: string[] = [];
        for (const name of (await readdir(dir)).sort()) {
          if (!name.endsWith('.ndjson')) continue;
          const file = join(dir, name);
          if ((await stat(file)).size === 0) await rm(file, { force: true });
          else loose.push(name);
        }
        if (loose.length === 0) return undefined;
        batchCounter++;
        const id = `${processId}${batchCounter.toString(36).padStart(4, '0')}`;
        const batchDir = join(batchesDir, id);
        await mkdir(batchDir);
        for (const name of loose) await rename(join(dir, name), join(batchDir, name));
        await fsyncDir(batchDir);
        await fsyncDir(dir);
        return batchFrom(batchDir, id);
      });
    },
    async claimedBatches() {
      const ids = (await readdir(batchesDir)).sort();
      return Promise.all(ids.map((id) => batchFrom(join(batchesDir, id), id)));
    },
    async complete(batch) {
      await rm(batch.dir, { recursive: true, force: true });
    },
    async quarantine(batch, error) {
      const target = join(failedDir, batch.id);
      await rename(batch.dir, target);
      await writeFile(join(target, 'error.txt'), `${error.name}: ${error.message}\n`);
      return target;
    },
    close: () => lock.run(closeHandle),
  };
}
