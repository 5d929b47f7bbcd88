import type { FileHandle } from 'node:fs/promises';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBufferStore, writeAll } from '../../src/buffer-store.js';
import { listFiles, tempDir } from '../helpers.js';

describe('createBufferStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let clock: number;
  const now = (): number => clock;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    clock = Date.UTC(2024, 0, 1, 0, 0, 0);
  });
  afterEach(() => cleanup());

  it('appends bodies to a file named after the second, adding the missing newline', async () => {
    const store = createBufferStore(dir, now);
    await store.open();
    await store.append(Buffer.from('{"a":1}'));
    await store.append(Buffer.from('{"a":2}\n'));
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ndjson'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^1704067200-[0-9a-f]{8}-1\.ndjson$/);
    expect(await readFile(join(dir, files[0] as string), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(store.pendingBytes()).toBe(16);
    expect(store.oldestAt()).toBe(clock);
    await store.close();
  });

  it('group-commits concurrent appends into the same file, in order', async () => {
    const store = createBufferStore(dir, now);
    await store.open();
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => store.append(Buffer.from(`{"n":${index}}\n`))),
    );
    const [file] = (await readdir(dir)).filter((name) => name.endsWith('.ndjson'));
    const lines = (await readFile(join(dir, file as string), 'utf8')).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 50 }, (_, index) => `{"n":${index}}`));
    await store.close();
  });

  it('starts a new file when the second changes', async () => {
    const store = createBufferStore(dir, now);
    await store.open();
    await store.append(Buffer.from('{"a":1}\n'));
    clock += 1500;
    await store.append(Buffer.from('{"a":2}\n'));
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ndjson')).sort();
    expect(files.map((name) => name.split('-')[0])).toEqual(['1704067200', '1704067201']);
    await store.close();
  });

  it('claims every loose file into a batch folder, dropping empty files, and resets the counters', async () => {
    const store = createBufferStore(dir, now);
    await store.open();
    await writeFile(join(dir, '1700000000-old-1.ndjson'), '{"old":true}\n');
    await writeFile(join(dir, '1700000001-old-2.ndjson'), '');
    await writeFile(join(dir, 'notes.txt'), 'not a buffer file');
    await store.append(Buffer.from('{"new":true}\n'));
    const batch = await store.claim();
    expect(batch?.files.map((file) => file.slice((batch?.dir.length ?? 0) + 1))).toEqual([
      '1700000000-old-1.ndjson',
      expect.stringMatching(/^1704067200-/),
    ]);
    expect(batch?.bytes).toBe(26);
    expect(batch?.dir).toBe(join(dir, 'batches', batch?.id as string));
    expect(store.pendingBytes()).toBe(0);
    expect(store.oldestAt()).toBeUndefined();
    expect(await listFiles(dir)).toEqual(expect.arrayContaining(['notes.txt']));
    expect(await store.claim()).toBeUndefined();
    await store.close();
  });

  it('lists batches claimed earlier, completes and quarantines them', async () => {
    const store = createBufferStore(dir, now);
    await store.open();
    await mkdir(join(dir, 'batches', 'earlier1'));
    await writeFile(join(dir, 'batches', 'earlier1', '1700000000-x-1.ndjson'), '{"a":1}\n');
    await mkdir(join(dir, 'batches', 'earlier2'));
    await writeFile(join(dir, 'batches', 'earlier2', '1700000000-x-2.ndjson'), '{"b":1}\n');
    const batches = await store.claimedBatches();
    expect(batches.map((batch) => [batch.id, batch.bytes])).toEqual([
      ['earlier1', 8],
      ['earlier2', 8],
    ]);
    await store.complete(batches[0] as (typeof batches)[0]);
    const target = await store.quarantine(batches[1] as (typeof batches)[0], new Error('bad clause'));
    expect(target).toBe(join(dir, 'failed', 'earlier2'));
    expect(await listFiles(dir)).toEqual([
      'failed/earlier2/1700000000-x-2.ndjson',
      'failed/earlier2/error.txt',
    ]);
    expect(await readFile(join(target, 'error.txt'), 'utf8')).toBe('Error: bad clause\n');
    await store.close();
  });

  it('rejects the appends of a group whose write failed, and recovers for the next ones', async () => {
    const store = createBufferStore(join(dir, 'missing'), now);
    await expect(store.append(Buffer.from('{"a":1}\n'))).rejects.toThrow(/ENOENT/);
    expect(store.pendingBytes()).toBe(0);
    await store.open();
    await store.append(Buffer.from('{"a":1}\n'));
    expect(store.pendingBytes()).toBe(8);
    await store.close();
  });
});

describe('writeAll', () => {
  it('goes on after partial writes until every byte is written, in order', async () => {
    const written: string[] = [];
    const handle = {
      async writev(buffers: Buffer[]) {
        const all = Buffer.concat(buffers);
        const part = all.subarray(0, Math.min(3, all.length));
        written.push(part.toString());
        return { bytesWritten: part.length, buffers };
      },
    } as unknown as FileHandle;
    await writeAll(handle, [Buffer.from('ab'), Buffer.from('cdef'), Buffer.from('g')]);
    expect(written).toEqual(['abc', 'def', 'g']);
  });
});
