import { constants } from 'node:fs';
import { access, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayerError } from './errors.js';
import { extractZip } from './zip-reader.js';

/** An external extension found in the layer's `extensions/` folder. */
export interface LayerExtension {
  /** The file name: the `Lambda-Extension-Name` it must register with. */
  readonly name: string;
  readonly path: string;
  readonly executable: boolean;
}

/** A layer ready to run: a folder (unpacked when a zip was given). */
export interface PreparedLayer {
  /** The folder playing `/opt`. */
  readonly dir: string;
  readonly extensions: readonly LayerExtension[];
  /** Removes the unpacked copy (a no-op for a folder layer). */
  cleanup(): Promise<void>;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens a layer: a folder is used in place, a zip is unpacked to a fresh temporary folder.
 * Lists `extensions/*` (regular files, symlinks followed), sorted by name.
 *
 * @example
 * ```ts
 * const layer = await prepareLayer('extension.zip');
 * layer.extensions.map((e) => e.name);
 * await layer.cleanup();
 * ```
 */
export async function prepareLayer(layer: string, tmpRoot?: string): Promise<PreparedLayer> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(layer);
  } catch (error) {
    throw new LayerError(`layer not found: ${layer}`, { cause: error });
  }
  let dir = layer;
  let cleanup = async (): Promise<void> => {};
  if (!info.isDirectory()) {
    const tmp = await mkdtemp(join(tmpRoot ?? tmpdir(), 'lambda-sandbox-layer-'));
    cleanup = () => rm(tmp, { recursive: true, force: true });
    try {
      await extractZip(layer, tmp);
    } catch (error) {
      await cleanup();
      throw error;
    }
    dir = tmp;
  }
  const extensionsDir = join(dir, 'extensions');
  const names = await readdir(extensionsDir).catch(() => [] as string[]);
  const extensions: LayerExtension[] = [];
  for (const name of names.sort()) {
    const path = join(extensionsDir, name);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) continue;
    extensions.push({ name, path, executable: await isExecutable(path) });
  }
  return { dir, extensions, cleanup };
}
