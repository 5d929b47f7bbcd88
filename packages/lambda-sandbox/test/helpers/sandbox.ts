import { readFile } from 'node:fs/promises';
import {
  createLambdaSandbox,
  type LambdaSandbox,
  type LambdaSandboxDeps,
  type LambdaSandboxOptions,
} from '../../src/index.js';
import { functionDir, makeLayer, tempFile } from './layer.js';

export type ExtOutput = { ext: string; kind: string; data: Record<string, unknown> };

/**
 * The lines the fixture extensions wrote so far. Only complete lines: an extension may be writing
 * the next one while a test polls (a half-written line is read on the next poll).
 */
export async function readOutput(file: string): Promise<ExtOutput[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ExtOutput);
}

export function receivedRecords(
  out: ExtOutput[],
  ext?: string,
): { time: string; type: string; record: unknown }[] {
  return out
    .filter((o) => o.kind === 'batch' && (ext === undefined || o.ext === ext))
    .flatMap((o) => o.data['records'] as { time: string; type: string; record: unknown }[]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor: condition not met');
    await sleep(25);
  }
}

/** A sandbox with the given extension fixtures, an output file, and cleanup. */
export async function startSandbox(
  extensions: Record<string, string>,
  options: Partial<LambdaSandboxOptions> = {},
  deps: LambdaSandboxDeps = {},
): Promise<{ sandbox: LambdaSandbox; out: string; layerDir: string; cleanup(): Promise<void> }> {
  const layer = await makeLayer(extensions);
  const out = await tempFile('out.ndjson');
  const sandbox = createLambdaSandbox(
    {
      layer: layer.dir,
      handler: 'index.handler',
      functionDir,
      hostEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
      ...options,
      env: { EXT_OUT: out, ...options.env },
    },
    deps,
  );
  return {
    sandbox,
    out,
    layerDir: layer.dir,
    cleanup: async () => {
      await sandbox.kill();
      await layer.cleanup();
    },
  };
}

export async function procState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}
