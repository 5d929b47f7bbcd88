import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(launch('')).toBe('NODE_OPTIONS='); // empty: node reads nothing from it
  });

  it('keeps options that are not preloads, and preloads given by an absolute path or file URL', () => {
    expect(launch('--enable-source-maps --max-old-space-size=256')).toBe(
      'NODE_OPTIONS=--enable-source-maps --max-old-space-size=256',
    );
    expect(launch('--import /opt/preload.mjs -r /opt/a.js --require=/opt/b.js')).toBe(
      'NODE_OPTIONS=--import /opt/preload.mjs -r /opt/a.js --require=/opt/b.js',
    );
    expect(launch('--import=file:///opt/x.mjs --loader file:///opt/l.mjs')).toBe(
      'NODE_OPTIONS=--import=file:///opt/x.mjs --loader file:///opt/l.mjs',
    );
  });

  it('drops preloads given by a relative path or a package name (meant for the function’s code)', () => {
    expect(launch('--require ./instrument.js')).toBe('NODE_OPTIONS unset');
    expect(launch('-r dd-trace/init --enable-source-maps')).toBe('NODE_OPTIONS=--enable-source-maps');
    expect(
      launch('--import=@opentelemetry/auto-instrumentations-node/register --stack-trace-limit=50 --require'),
    ).toBe('NODE_OPTIONS=--stack-trace-limit=50');
    expect(launch('--experimental-loader ./l.mjs --loader=ts-node/esm --import *')).toBe(
      'NODE_OPTIONS unset',
    );
  });

  it('drops NODE_OPTIONS with quotes whole rather than parse them', () => {
    expect(launch('--require "/opt/with space/a.js"')).toBe('NODE_OPTIONS unset');
    expect(launch("--title='a b'")).toBe('NODE_OPTIONS unset');
  });

  it('passes node no V8 flag at any memory size (they cost node its code cache) and sets glibc’s malloc', () => {
    const args = (memory?: string) => {
      const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
      if (memory !== undefined) env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = memory;
      const run = spawnSync('/bin/sh', [launcher], { env, encoding: 'utf8' });
      expect(run.status).toBe(0);
      const lines = run.stdout.split('\n');
      return { args: lines[1], malloc: lines[2] };
    };
    for (const memory of ['128', '512', '1024', '10240', undefined]) {
      expect(args(memory).args).toMatch(/^args=\S+index\.cjs data-taps-lambda-extension$/);
    }
    expect(args('128').malloc).toBe('malloc=2/65536');
  });

  it('starts the bundle with the launcher’s file name as the extension name', () => {
    const run = spawnSync('/bin/sh', [launcher], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(run.stdout).toContain('data-taps-lambda-extension/index.cjs data-taps-lambda-extension');
  });
});
