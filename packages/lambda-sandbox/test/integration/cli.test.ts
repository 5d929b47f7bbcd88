import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliIo, runCli, USAGE } from '../../cli/run.js';
import { functionDir, makeLayer, tempFile } from '../helpers/layer.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function io(cwd: string): CliIo & { stdout: string; stderr: string } {
  const self = {
    env: { PATH: process.env['PATH'] },
    cwd,
    stdout: '',
    stderr: '',
    isTTY: false,
    out: (t: string) => {
      self.stdout += t;
    },
    err: (t: string) => {
      self.stderr += t;
    },
  };
  return self;
}

describe('lambda-sandbox run', () => {
  it('runs NDJSON events, resets the environment after a crash, and writes a JSON report', async () => {
    const layer = await makeLayer({ 'cli-ext': 'telemetry-extension.mjs' });
    cleanups.push(layer.cleanup);
    const events = await tempFile('events.ndjson');
    await writeFile(events, '{"log":2}\n\n{"throw":"nope"}\n{"exit":3}\n{"echo":4}\n');
    const reportFile = `${dirname(events)}/report.json`;
    const console = io(dirname(events));
    const code = await runCli(
      [
        'run',
        '--layer',
        layer.dir,
        '--handler',
        'index.handler',
        '--function-dir',
        functionDir,
        '--events',
        'events.ndjson',
        '--env',
        `EXT_OUT=${dirname(events)}/out.ndjson`,
        '--log-format',
        'JSON',
        '--report',
        'report.json',
        '--rate',
        '200',
        '--memory',
        '256',
        '--timeout',
        '5000',
        '--function-name',
        'cli-fn',
      ],
      console,
    );
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).toMatchObject({ invocations: 4, byStatus: { success: 2, error: 1, failure: 1 } });
    expect(report.environments).toHaveLength(2);
    expect(report.environments[0]).toMatchObject({
      functionName: 'cli-fn',
      memorySizeMB: 256,
      logFormat: 'JSON',
      crashes: [{ name: 'runtime', errorType: 'Runtime.ExitError' }],
      shutdown: { reason: 'failure' },
    });
    expect(report.environments[1].shutdown).toMatchObject({ reason: 'spindown', killed: [] });
    expect(console.stderr).toContain('Init success');
    expect(console.stderr).toContain('Runtime.ExitError: resetting the environment');
    expect(console.stderr).toMatch(/invocations 4\/4 {2}ok 2 {2}failed 2 .*environments 2\n/);
  });

  it('resets an environment that went over --memory and serves the next invocation in a fresh one', async () => {
    const layer = await makeLayer({ 'cli-ext': 'idle-extension.mjs' });
    cleanups.push(layer.cleanup);
    const events = await tempFile('events.ndjson');
    await writeFile(events, '{"echo":1}\n{"allocateMb":300}\n{"echo":3}\n');
    const console = io(dirname(events));
    const args = ['run', '--layer', layer.dir, '--handler', 'index.handler', '--function-dir', functionDir];
    const code = await runCli([...args, '--events', 'events.ndjson', '--timeout', '60000'], console);
    expect(code).toBe(0);
    const report = JSON.parse(console.stdout);
    expect(report).toMatchObject({ invocations: 3, byStatus: { success: 2, failure: 1 } });
    expect(report.environments).toHaveLength(2);
    expect(report.environments[0]).toMatchObject({
      crashes: [{ name: 'runtime', errorType: 'Runtime.OutOfMemory' }],
      invocations: { list: [{ status: 'success' }, { status: 'error', errorType: 'Runtime.OutOfMemory' }] },
      shutdown: { reason: 'failure' },
    });
    expect(report.environments[1]).toMatchObject({
      invocations: { list: [{ status: 'success' }] },
      crashes: [],
      memory: { enforced: true },
    });
    expect(console.stderr).toContain('Runtime.OutOfMemory: resetting the environment');

    // with the limit off, the same events run in one environment
    const off = io(dirname(events));
    expect(await runCli([...args, '--events', 'events.ndjson', '--no-memory-limit'], off)).toBe(0);
    const offReport = JSON.parse(off.stdout);
    expect(offReport).toMatchObject({ invocations: 3, byStatus: { success: 3 } });
    expect(offReport.environments).toHaveLength(1);
    expect(offReport.environments[0].maxMemoryUsedMB).toBeGreaterThan(300);
  });

  it('takes a count of events and prints the report when no file is given', async () => {
    const layer = await makeLayer({});
    cleanups.push(layer.cleanup);
    const console = io(functionDir);
    const code = await runCli(
      ['run', '--layer', layer.dir, '--handler', 'index.handler', '--events', '3', '--no-freeze'],
      console,
    );
    expect(code).toBe(0);
    expect(JSON.parse(console.stdout)).toMatchObject({ invocations: 3, byStatus: { success: 3 } });
  });

  it('exits 1 when Init fails', async () => {
    const layer = await makeLayer({});
    cleanups.push(layer.cleanup);
    const console = io(functionDir);
    const code = await runCli(
      ['run', '--layer', layer.dir, '--handler', 'broken.handler', '--events', '1'],
      console,
    );
    expect(code).toBe(1);
    expect(console.stderr).toContain('Init error (Runtime.ImportModuleError)');
  });

  it.each([
    [['--help'], 0, USAGE],
    [['run'], 2, '"run", --layer, --handler and --events are required'],
    [['run', '--bogus'], 2, "Unknown option '--bogus'"],
    [['run', '--layer', 'l', '--handler', 'h.h', '--events', 'missing.ndjson'], 2, 'ENOENT'],
    [
      ['run', '--layer', 'l', '--handler', 'h.h', '--events', '1', '--env', 'NOEQUALS'],
      2,
      'expected KEY=VALUE',
    ],
    [
      ['run', '--layer', 'l', '--handler', 'h.h', '--events', '1', '--rate', 'fast'],
      2,
      'expected a positive number',
    ],
    [
      ['run', '--layer', 'l', '--handler', 'h.h', '--events', '1', '--log-format', 'XML'],
      2,
      'expected Text or JSON',
    ],
  ])('handles %j', async (args, expected, message) => {
    const console = io(functionDir);
    expect(await runCli(args, console)).toBe(expected);
    expect(console.stdout + console.stderr).toContain(message);
  });

  it('reports events that are not JSON', async () => {
    const events = await tempFile('bad.ndjson');
    await writeFile(events, '{"ok":1}\nnot json\n');
    const console = io(dirname(events));
    expect(await runCli(['run', '--layer', 'l', '--handler', 'h.h', '--events', 'bad.ndjson'], console)).toBe(
      2,
    );
    expect(console.stderr).toContain('line 2 is not JSON');
  });
});
