import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type CliIo, parseCliArgs, runCli, USAGE } from '../../src/cli.js';
import { LocalTapError } from '../../src/errors.js';
import { NDJSON, ndjson, send, tempDir } from '../helpers.js';

function fakeIo(): CliIo & { lines: string[]; errors: string[]; stop(signal: string): void; tick(): void } {
  let stopHandler: ((signal: string) => void) | undefined;
  let intervalCallback: (() => void) | undefined;
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    onStopSignal(handler) {
      stopHandler = handler;
    },
    setInterval(callback) {
      intervalCallback = callback;
      return 1;
    },
    clearInterval() {
      intervalCallback = undefined;
    },
    stop: (signal) => stopHandler?.(signal),
    tick: () => intervalCallback?.(),
  };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('parseCliArgs', () => {
  it('maps the flags to options, with port 8080 by default', () => {
    expect(
      parseCliArgs([
        '--dir',
        'out',
        '--token',
        't',
        '--threshold-bytes',
        '100',
        '--threshold-ms',
        '200',
        '--sql',
        'WHERE a = 1',
        '--max-body-bytes',
        '300',
        '--buffer-dir',
        'buf',
        '--verbose',
      ]),
    ).toEqual({
      options: {
        outDir: 'out',
        port: 8080,
        token: 't',
        thresholdBytes: 100,
        thresholdMs: 200,
        sql: 'WHERE a = 1',
        maxBodyBytes: 300,
        bufferDir: 'buf',
      },
      statsEveryMs: 10_000,
      verbose: true,
      help: false,
    });
  });

  it('names the flag of a bad number, an unknown flag, or the missing --dir', () => {
    expect(() => parseCliArgs(['--dir', 'x', '--port=-1'])).toThrow(/--port: expected a whole number/);
    expect(() => parseCliArgs(['--dir', 'x', '--stats-every', '1.5'])).toThrow(/--stats-every/);
    expect(() => parseCliArgs(['--dir', 'x', '--colour'])).toThrow(LocalTapError);
    expect(() => parseCliArgs([])).toThrow(/--dir <outDir> is required/);
    expect(parseCliArgs(['--help']).help).toBe(true);
  });
});

describe('runCli', () => {
  it('prints the usage for --help', async () => {
    const io = fakeIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.lines).toEqual([USAGE]);
  });

  it('answers 2 with the usage for bad options', async () => {
    const io = fakeIo();
    expect(await runCli(['--dir', 'x', '--threshold-ms', '0'], io)).toBe(2);
    expect(io.errors[0]).toMatch(/thresholdMs/);
  });

  it('answers 1 when the tap cannot start', async () => {
    const io = fakeIo();
    expect(await runCli(['--dir', '/tmp/x', '--port', '0', '--sql', 'WHERE ('], io)).toBe(1);
    expect(io.errors.join('\n')).toMatch(/could not start: sql/);
  });

  it('prints the URL, the stats while they change, and the final stats after a stop signal', async () => {
    const { dir, cleanup } = await tempDir();
    const io = fakeIo();
    const running = runCli(['--dir', dir, '--port', '0', '--stats-every', '1000', '--verbose'], io);
    await until(() => io.lines.some((line) => line.includes('listening on')));
    const url = /http:\S+/.exec(io.lines[0] as string)?.[0] as string;
    io.tick();
    expect(io.lines.filter((line) => line.startsWith('stats:'))).toEqual([]);
    await send(url, { headers: NDJSON, body: ndjson([{ a: 1 }]) });
    await send(url, { headers: { 'content-type': 'text/plain' }, body: 'x' });
    io.tick();
    io.tick();
    expect(io.lines.filter((line) => line.startsWith('stats:'))).toEqual([
      'stats: requests=2 accepted=1 rejected=1 buffered=8B rows=0 files=0 ignoredLines=0 conversionErrors=0',
    ]);
    io.stop('SIGINT');
    expect(await running).toBe(0);
    expect(io.lines).toContain('local-tap: SIGINT, stopping (converting what is buffered)');
    expect(JSON.parse(io.lines.at(-1) as string)).toMatchObject({ accepted: 1, rows: 1 });
    expect(io.errors.some((line) => line.startsWith('debug '))).toBe(true);
    expect(io.errors.some((line) => line.startsWith('info local-tap: converted a batch'))).toBe(true);
    await cleanup();
  });

  it('answers 1 when the stop fails (the buffer folder was removed under it)', async () => {
    const { dir, cleanup } = await tempDir();
    const io = fakeIo();
    const running = runCli(['--dir', dir, '--port', '0', '--buffer-dir', `${dir}/buffer`], io);
    await until(() => io.lines.some((line) => line.includes('listening on')));
    await rm(`${dir}/buffer`, { recursive: true, force: true });
    io.stop('SIGTERM');
    expect(await running).toBe(1);
    expect(io.errors.at(-1)).toMatch(/stop failed: .*ENOENT/);
    await cleanup();
  });

  it('prints no stats with --stats-every 0', async () => {
    const { dir, cleanup } = await tempDir();
    const io = fakeIo();
    const running = runCli(['--dir', dir, '--port', '0', '--stats-every', '0'], io);
    await until(() => io.lines.some((line) => line.includes('listening on')));
    io.stop('SIGTERM');
    expect(await running).toBe(0);
    expect(io.lines.filter((line) => line.startsWith('stats:'))).toEqual([]);
    await cleanup();
  });
});
