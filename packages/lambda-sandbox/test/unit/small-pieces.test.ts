import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extensionEnvironment, RUNTIME_ONLY_VARIABLES, runtimeEnvironment } from '../../src/environment.js';
import { SandboxOptionsError } from '../../src/errors.js';
import { prepareLayer } from '../../src/layer.js';
import { createLineSplitter } from '../../src/line-splitter.js';
import { lambdaSandboxOptionsSchema, parseSandboxOptions } from '../../src/options.js';
import { signalGroup } from '../../src/process-tree.js';
import { durationStats } from '../../src/report.js';

describe('createLineSplitter', () => {
  it('splits across chunks, keeps the newline and multi-byte characters', () => {
    const lines: string[] = [];
    const s = createLineSplitter((l) => lines.push(l));
    const euro = Buffer.from('€');
    s.push('a\nb');
    s.push(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('\nd\ne\n')]));
    s.push('tail');
    s.end();
    s.end();
    expect(lines).toEqual(['a\n', 'bc€\n', 'd\n', 'e\n', 'tail\n']);
  });
});

describe('options', () => {
  const base = { layer: 'l', handler: 'index.handler', functionDir: 'f' };

  it('applies Lambda defaults', () => {
    expect(parseSandboxOptions(base)).toMatchObject({
      functionName: 'sandbox-function',
      functionVersion: '$LATEST',
      memorySizeMb: 128,
      enforceMemoryLimit: true,
      memoryAccounting: 'cgroup',
      memorySampleIntervalMs: 20,
      timeoutMs: 3000,
      region: 'us-east-1',
      logFormat: 'Text',
      initTimeoutMs: 10000,
      shutdownTimeoutMs: 2000,
      freeze: true,
      env: {},
      hostEnv: {},
    });
    expect(lambdaSandboxOptionsSchema).toBeDefined();
  });

  it('copies only string values of hostEnv', () => {
    expect(parseSandboxOptions({ ...base, hostEnv: { PATH: '/bin', NOPE: undefined } }).hostEnv).toEqual({
      PATH: '/bin',
    });
  });

  it('names the option, the value and the range', () => {
    expect(() => parseSandboxOptions({ ...base, memorySizeMb: 64 })).toThrow(SandboxOptionsError);
    expect(() => parseSandboxOptions({ ...base, memorySizeMb: 64 })).toThrow(
      /memorySizeMb: .*128.*\(got 64\)/,
    );
    expect(() => parseSandboxOptions({ ...base, handler: 'index' })).toThrow(
      /handler: expected "<module path>/,
    );
    expect(() => parseSandboxOptions({ ...base, hostEnv: 'x' })).toThrow(/hostEnv/);
    expect(() => parseSandboxOptions({ ...base, surprise: 1 })).toThrow(/surprise|\(options\)/);
    expect(() => parseSandboxOptions(null)).toThrow(/\(options\).*got null/);
  });
});

describe('environment', () => {
  const opts = parseSandboxOptions({
    layer: '/layer',
    handler: 'index.handler',
    functionDir: '/fn',
    env: { MY_VAR: '1', _PRIVATE: 'x', NODE_OPTIONS: '--max-old-space-size=100', _HANDLER: 'evil' },
    hostEnv: { PATH: '/usr/bin', HOME: '/home/me', NODE_OPTIONS: '--ignored', TMPDIR: '/t' },
  });
  const ctx = {
    runtimeApi: '127.0.0.1:1234',
    layerDir: '/layer',
    nodePath: '/node/bin/node',
    logStreamName: 's',
    hostsPreload: '/p/hosts.mjs',
  };

  it('gives extensions the shared Lambda variables and none of the runtime-only ones', () => {
    const env = extensionEnvironment(opts, ctx);
    expect(env).toMatchObject({
      MY_VAR: '1',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1234',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'sandbox-function',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/node/bin:/layer/bin:/usr/bin',
      HOME: '/home/me',
      TMPDIR: '/t',
      NODE_OPTIONS: '--import=file:///p/hosts.mjs --max-old-space-size=100',
    });
    for (const name of [...RUNTIME_ONLY_VARIABLES, '_PRIVATE']) expect(env).not.toHaveProperty(name);
  });

  it('puts the sandbox’s bin folder (its node with the hosts preload) first on PATH when there is one', () => {
    expect(extensionEnvironment(opts, { ...ctx, binDir: '/sandbox/bin' })['PATH']).toBe(
      '/sandbox/bin:/node/bin:/layer/bin:/usr/bin',
    );
  });

  it('gives the runtime the runtime-only variables and the function underscore variables', () => {
    const env = runtimeEnvironment(opts, ctx);
    expect(env).toMatchObject({
      _HANDLER: 'index.handler',
      _PRIVATE: 'x',
      LAMBDA_TASK_ROOT: '/fn',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/sandbox-function',
      AWS_LAMBDA_LOG_STREAM_NAME: 's',
      AWS_LAMBDA_LOG_FORMAT: 'Text',
    });
    expect(env['AWS_EXECUTION_ENV']).toMatch(/^AWS_Lambda_nodejs\d+\.x$/);
  });

  it('uses the host NODE_OPTIONS when the function sets none, and a default PATH', () => {
    const o = parseSandboxOptions({
      layer: 'l',
      handler: 'a.b',
      functionDir: 'f',
      hostEnv: { NODE_OPTIONS: '--x' },
    });
    expect(extensionEnvironment(o, { ...ctx, hostsPreload: undefined })).toMatchObject({
      NODE_OPTIONS: '--x',
      PATH: '/node/bin:/layer/bin:/usr/local/bin:/usr/bin:/bin',
    });
    const none = parseSandboxOptions({ layer: 'l', handler: 'a.b', functionDir: 'f' });
    expect(extensionEnvironment(none, { ...ctx, hostsPreload: undefined })).not.toHaveProperty(
      'NODE_OPTIONS',
    );
  });
});

describe('durationStats', () => {
  it('computes nearest-rank percentiles', () => {
    const s = durationStats(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(durationStats([])).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('signalGroup', () => {
  it('signalGroup reports a group that is gone', () => {
    expect(signalGroup(2 ** 30, 'SIGCONT')).toBe(false);
  });
});

describe('prepareLayer', () => {
  it('takes a folder in place, lists only regular files of extensions/, and copes without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'layer-unit-'));
    try {
      expect((await prepareLayer(dir)).extensions).toEqual([]);
      await mkdir(join(dir, 'extensions/sub'), { recursive: true });
      await writeFile(join(dir, 'extensions/b-ext'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(join(dir, 'extensions/a-ext'), 'x', { mode: 0o644 });
      await symlink(join(dir, 'missing'), join(dir, 'extensions/dangling'));
      const layer = await prepareLayer(dir);
      expect(layer.dir).toBe(dir);
      expect(layer.extensions.map((e) => [e.name, e.executable])).toEqual([
        ['a-ext', false],
        ['b-ext', true],
      ]);
      await layer.cleanup();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
