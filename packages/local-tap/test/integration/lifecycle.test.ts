import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap, LocalTapStateError, type Logger } from '../../src/index.js';
import { eventually, NDJSON, ndjson, send, tempDir } from '../helpers.js';

function recordingLogger(): Logger & { entries: Array<[string, string]> } {
  const entries: Array<[string, string]> = [];
  const log = (level: string) => (message: string) => {
    entries.push([level, message]);
  };
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('local tap lifecycle', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('refuses stop() while starting and start() twice; stop() before start() is a no-op', async () => {
    const idle = createLocalTap({ outDir: dir });
    await idle.stop();
    await expect(idle.start()).rejects.toThrow(LocalTapStateError);
    await expect(idle.flush()).rejects.toMatchObject({ state: 'stopped' });

    const tap = createLocalTap({ outDir: dir });
    const starting = tap.start();
    await expect(tap.stop()).rejects.toMatchObject({ name: 'LocalTapStateError', state: 'starting' });
    await starting;
    await expect(tap.start()).rejects.toMatchObject({ state: 'running' });
    await tap.stop();
  });

  it('answers queries before start and after stop', async () => {
    const tap = createLocalTap({ outDir: dir });
    expect(await tap.query('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    await tap.start();
    expect(await tap.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await tap.stop();
    expect(await tap.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('counts a client that leaves before its body is complete, and stores nothing', async () => {
    const tap = createLocalTap({ outDir: dir });
    const { url } = await tap.start();
    const req = request(url, {
      method: 'POST',
      headers: { ...NDJSON, 'content-length': '100' },
      agent: false,
    });
    req.on('error', () => {});
    req.write('{"a":');
    await eventually(() => tap.stats().requests === 1);
    req.destroy();
    await eventually(() => tap.stats().aborted === 1);
    await tap.stop();
    expect(tap.stats()).toMatchObject({ accepted: 0, rows: 0 });
  });

  it('answers 503 to a body that completes after stop() began, and stops cleanly', async () => {
    const tap = createLocalTap({ outDir: dir });
    const { url } = await tap.start();
    const body = ndjson([{ a: 1 }]);
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { ...NDJSON, 'content-length': String(body.length) }, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 3));
      void eventually(() => tap.stats().requests === 1).then(() => {
        const stopping = tap.stop();
        req.end(body.slice(3));
        return stopping;
      });
    });
    expect(await answer).toBe(503);
    await tap.stop();
    expect(tap.stats()).toMatchObject({ accepted: 0, rejected: { stopping: 1 } });
  });

  it('answers 500 when the buffer cannot be written, and reports failing conversions', async () => {
    const logger = recordingLogger();
    const tap = createLocalTap({ outDir: dir, thresholdBytes: 1 }, { logger });
    const { url } = await tap.start();
    await rm(tap.bufferDir, { recursive: true, force: true });
    const response = await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({ statusCode: 500, error: 'InternalServerError' });
    expect(tap.stats().rejected.internal).toBe(1);
    expect(logger.entries).toContainEqual(['error', 'local-tap: could not buffer a body']);
    await expect(tap.flush()).rejects.toThrow(/ENOENT/);
    await expect(tap.stop()).rejects.toThrow(/ENOENT/);
    await expect(tap.flush()).rejects.toThrow(LocalTapStateError);
  });

  it('logs a failing background conversion and keeps serving', async () => {
    const logger = recordingLogger();
    const tap = createLocalTap({ outDir: dir, thresholdBytes: 1 }, { logger });
    const { url } = await tap.start();
    const { readdir } = await import('node:fs/promises');
    const names = async (): Promise<string[]> => (await readdir(tap.bufferDir)).sort();
    expect(await names()).toEqual(['batches', 'failed']);
    await rm(`${tap.bufferDir}/batches`, { recursive: true, force: true });
    const response = await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    expect(response.status).toBe(200);
    await eventually(() =>
      logger.entries.some(([level, message]) => level === 'error' && /conversion failed/.test(message)),
    );
    await rm(tap.bufferDir, { recursive: true, force: true });
    await expect(tap.stop()).rejects.toThrow(/ENOENT/);
  });

  it('drops the connection when the fault hook throws', async () => {
    const logger = recordingLogger();
    const tap = createLocalTap(
      { outDir: dir },
      {
        logger,
        faults: () => {
          throw new Error('hook bug');
        },
      },
    );
    const { url } = await tap.start();
    await expect(send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(logger.entries).toContainEqual(['error', 'local-tap: request handling failed']);
    await tap.stop();
  });
});
