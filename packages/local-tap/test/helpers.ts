import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Timers } from '../src/index.js';

/** A fresh temporary folder; removed by the returned cleanup. */
export async function tempDir(prefix = 'local-tap-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file under a folder, relative paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: (Record<string, unknown> & { statusCode?: unknown; error?: unknown; message?: unknown }) | undefined;
}

/** A request over loopback with node:http (full control of headers, no automatic encoding). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: RawResponse['json'];
          try {
            json = JSON.parse(body) as RawResponse['json'];
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const NDJSON = { 'content-type': 'application/x-ndjson' };

/** NDJSON text of objects. */
export function ndjson(rows: readonly unknown[]): string {
  return `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
}

/** Manual timers: `fire()` runs due callbacks in order after `advance(ms)`. */
export function manualTimers(): Timers & { advance(ms: number): void; pending(): number; at: number } {
  let at = 0;
  let nextId = 1;
  const scheduled = new Map<number, { due: number; callback: () => void }>();
  return {
    get at() {
      return at;
    },
    setTimeout(callback, ms) {
      const id = nextId++;
      scheduled.set(id, { due: at + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as number);
    },
    advance(ms) {
      at += ms;
      const due = [...scheduled.entries()]
        .filter(([, timer]) => timer.due <= at)
        .sort((a, b) => a[1].due - b[1].due);
      for (const [id, timer] of due) {
        scheduled.delete(id);
        timer.callback();
      }
    },
    pending: () => scheduled.size,
  };
}

/** Waits until `check` is true, polling (no timing assertion: only a generous bound). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
