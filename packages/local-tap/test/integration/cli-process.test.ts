import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalTap } from '../../src/index.js';
import { listFiles, NDJSON, ndjson, send, tempDir } from '../helpers.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const cliDir = join(packageDir, 'node_modules', '.cache', 'local-tap-cli-test');
const cli = join(cliDir, 'main.js');

/** Starts the built CLI and resolves once it printed its URL. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`local-tap exited (${code}): ${stderr}`)));
  });
  return { child, url, output: () => stdout };
}

describe('the local-tap CLI as a real process', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    await build({
      entry: { main: join(packageDir, 'cli', 'main.ts') },
      outDir: cliDir,
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      config: false,
      dts: false,
      silent: true,
    });
  }, 60_000);
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('prints its URL, accepts NDJSON, and on SIGTERM converts everything and prints its stats', async () => {
    const { child, url, output } = await startCli([
      '--dir',
      dir,
      '--port',
      '0',
      '--token',
      't',
      '--stats-every',
      '0',
    ]);
    const response = await send(url, {
      headers: { ...NDJSON, 'x-bd-authorization': 't' },
      body: ndjson([{ a: 1 }, { a: 2 }]),
    });
    expect(response.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const last = output().trim().split('\n').at(-1) as string;
    expect(JSON.parse(last)).toMatchObject({ accepted: 1, rows: 2, files: 1 });
    expect((await listFiles(dir)).filter((file) => file.endsWith('.parquet'))).toHaveLength(1);
  }, 30_000);

  it('loses nothing acknowledged when killed with SIGKILL: the next start converts it', async () => {
    const { child, url } = await startCli(['--dir', dir, '--port', '0', '--stats-every', '0']);
    const bodies = 20;
    for (let index = 0; index < bodies; index++) {
      const response = await send(url, {
        headers: NDJSON,
        body: ndjson([
          { index, line: 0 },
          { index, line: 1 },
        ]),
      });
      expect(response.status).toBe(200);
    }
    child.kill('SIGKILL');
    const [, signal] = await once(child, 'exit');
    expect(signal).toBe('SIGKILL');
    expect((await listFiles(dir)).filter((file) => file.endsWith('.parquet'))).toEqual([]);

    const tap = createLocalTap({ outDir: dir });
    await tap.start();
    await tap.stop();
    expect(tap.stats()).toMatchObject({ recoveredBatches: 1, rows: bodies * 2 });
    const [counts] = await tap.query<{ n: number; distinct_bodies: number }>(
      `SELECT count(*) AS n, count(DISTINCT "index") AS distinct_bodies FROM read_parquet('${tap.outputGlob}')`,
    );
    expect(counts).toEqual({ n: bodies * 2, distinct_bodies: bodies });
  }, 30_000);

  it('exits with 2 and the usage on a bad command line', async () => {
    const child = spawn(process.execPath, [cli, '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--dir <outDir> is required|--port/);
    expect(stderr).toMatch(/Usage: local-tap/);
  }, 30_000);
});
