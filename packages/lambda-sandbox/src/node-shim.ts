import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A folder holding the sandbox's `node` (see {@link createNodeShim}). */
export interface NodeShim {
  /** The folder to put first on `PATH`. */
  readonly dir: string;
  /** Removes the folder. */
  cleanup(): Promise<void>;
}

/** One shell word, single-quoted. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Writes a `node` that runs `node` with the `preload` imported first, in a fresh temporary folder.
 * Put first on an extension's `PATH`, it makes the preload (the `sandbox.localdomain` resolver) run
 * in every node the extension starts by name, whatever the extension's launcher does with
 * `NODE_OPTIONS` (a launcher may drop the function's whole), as Lambda's `/etc/hosts` serves every
 * process.
 *
 * @example
 * ```ts
 * const shim = await createNodeShim(process.execPath, '/pkg/runtime/sandbox-hosts.mjs');
 * env.PATH = `${shim.dir}:${env.PATH}`;
 * await shim.cleanup();
 * ```
 */
export async function createNodeShim(node: string, preload: string, tmpRoot?: string): Promise<NodeShim> {
  const dir = await mkdtemp(join(tmpRoot ?? tmpdir(), 'lambda-sandbox-bin-'));
  const path = join(dir, 'node');
  const importFlag = `--import=${pathToFileURL(preload).href}`;
  await writeFile(path, `#!/bin/sh\nexec ${shellQuote(node)} ${shellQuote(importFlag)} "$@"\n`);
  await chmod(path, 0o755);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
