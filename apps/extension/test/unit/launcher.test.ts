import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The launcher with a stand-in `node` on PATH that prints what it would start with.
const launcher = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../layer/extensions/data-taps-lambda-extension',
);
const bin = mkdtempSync(join(tmpdir(), 'dt-launcher-'));
writeFileSync(
  join(bin, 'node'),
  [
    '#!/bin/sh',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'if [ "${NODE_OPTIONS+set}" = set ]; then echo "NODE_OPTIONS=$NODE_OPTIONS"; else echo "NODE_OPTIONS unset"; fi',
    'echo "args=$*"',
    'echo "malloc=$MALLOC_ARENA_MAX/$MALLOC_MMAP_THRESHOLD_"',
    '',
  ].join('\n'),
);
chmodSync(join(bin, 'node'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function launch(nodeOptions?: string) {
  const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
  if (nodeOptions !== undefined) env['NODE_OPTIONS'] = nodeOptions;
  const run = spawnSync('/bin/sh', [launcher], { env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.split('\n')[0];
}

describe('the launcher and the function’s NODE_OPTIONS', () => {
  it('passes no NODE_OPTIONS when there are none', () => {
    expect(launch()).toBe('NODE_OPTIONS unset');
    expect(launch('')).toBe('NODE_OPTIONS unset');
  });

  it('drops the function’s preloads in every form, by absolute path and file URL included', () => {
    for (const preload of [
      '--require /opt/apm/init.js',
      '--require=/opt/apm/init.js',
      '-r /opt/a.js',
      '--import /opt/preload.mjs',
      '--import=file:///opt/x.mjs',
      '--loader file:///opt/l.mjs',
      '--experimental-loader=/opt/l.mjs',
      '--require ./instrument.js',
      '-r dd-trace/init',
      '--import=@opentelemetry/auto-instrumentations-node/register',
      '--experimental-loader ./l.mjs --loader=ts-node/esm',
      '--require "/opt/with space/a.js"',
    ]) {
      expect(launch(preload), preload).toBe('NODE_OPTIONS unset');
      expect(launch(`--enable-source-maps ${preload} --stack-trace-limit=50`), preload).toBe(
        'NODE_OPTIONS unset',
      );
    }
  });

  it('drops the function’s other options too: they are the function’s, and an invalid one would stop node', () => {
    expect(launch('--enable-source-maps --max-old-space-size=256')).toBe('NODE_OPTIONS unset');
    expect(launch('--no-such-option')).toBe('NODE_OPTIONS unset');
    expect(launch("--title='a b'")).toBe('NODE_OPTIONS unset');
  });

  it('starts the real node with none of them (only its own --no-memory-reducer): an absolute preload does not run, an invalid option does not stop it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-launcher-layer-'));
    try {
      mkdirSync(join(dir, 'extensions'));
      mkdirSync(join(dir, 'data-taps-lambda-extension'));
      copyFileSync(launcher, join(dir, 'extensions', 'data-taps-lambda-extension'));
      // The bundle's stand-in reports what node started with.
      writeFileSync(
        join(dir, 'data-taps-lambda-extension', 'index.cjs'),
        'process.stdout.write(JSON.stringify({ nodeOptions: process.env.NODE_OPTIONS ?? null, preloaded: globalThis.apmLoaded === true, execArgv: process.execArgv, name: process.argv[2] }))\n',
      );
      const apm = join(dir, 'apm-init.js');
      writeFileSync(apm, 'globalThis.apmLoaded = true;\n');
      const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
      for (const nodeOptions of [`--require ${apm}`, `--require=${apm}`, `-r ${apm} --no-such-option`]) {
        const run = spawnSync('/bin/sh', [join(dir, 'extensions', 'data-taps-lambda-extension')], {
          env: { ...env, NODE_OPTIONS: nodeOptions },
          encoding: 'utf8',
        });
        expect(run.stderr, nodeOptions).toBe('');
        expect(run.status, nodeOptions).toBe(0);
        expect(JSON.parse(run.stdout), nodeOptions).toEqual({
          nodeOptions: null,
          preloaded: false,
          execArgv: ['--no-memory-reducer'],
          name: 'data-taps-lambda-extension',
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes node one V8 flag at every memory size, the memory reducer off (heap flags would cost node its code cache), and sets glibc’s malloc', () => {
    const args = (memory?: string) => {
      const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
      if (memory !== undefined) env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = memory;
      const run = spawnSync('/bin/sh', [launcher], { env, encoding: 'utf8' });
      expect(run.status).toBe(0);
      const lines = run.stdout.split('\n');
      return { args: lines[1], malloc: lines[2] };
    };
    for (const memory of ['128', '512', '1024', '10240', undefined]) {
      expect(args(memory).args).toMatch(
        /^args=--no-memory-reducer \S+index\.cjs data-taps-lambda-extension$/,
      );
    }
    expect(args('128').malloc).toBe('malloc=2/65536');
  });

  it('starts the bundle with the launcher’s file name as the extension name', () => {
    const run = spawnSync('/bin/sh', [launcher], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(run.stdout).toContain('data-taps-lambda-extension/index.cjs data-taps-lambda-extension');
  });
});
