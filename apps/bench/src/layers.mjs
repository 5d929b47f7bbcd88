// @ts-check
// The three layers the benchmark runs: the built extension (its zip, unpacked once), the no-op
// extension of apps/extension/bench behind a launcher of the same shape, and an empty layer (the
// function alone).
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extractZip } from '@data-taps/lambda-sandbox';

const require = createRequire(import.meta.url);

/** The folder of the `@data-taps/extension` workspace package. */
export const extensionAppDir = dirname(require.resolve('@data-taps/extension/package.json'));
/** The layer zip `pnpm --filter @data-taps/extension build` writes. */
export const extensionZip = join(extensionAppDir, 'dist/extension.zip');
const noopSource = join(extensionAppDir, 'bench/noop-extension.mjs');

/**
 * @typedef {{ dataTaps: string, noop: string, empty: string, cleanup(): void }} BenchLayers
 */

/**
 * Prepares the three layer folders under one temporary folder.
 *
 * @example
 * ```js
 * const layers = await prepareLayers();
 * createLambdaSandbox({ layer: layers.dataTaps, ... });
 * layers.cleanup();
 * ```
 * @returns {Promise<BenchLayers>}
 */
export async function prepareLayers() {
  if (!existsSync(extensionZip)) {
    throw new Error(`${extensionZip} is missing: run \`pnpm --filter @data-taps/extension build\` first`);
  }
  const root = mkdtempSync(join(tmpdir(), 'data-taps-bench-layers-'));
  const dataTaps = join(root, 'data-taps');
  mkdirSync(dataTaps);
  await extractZip(extensionZip, dataTaps);

  const noop = join(root, 'noop');
  mkdirSync(join(noop, 'extensions'), { recursive: true });
  mkdirSync(join(noop, 'noop-extension'));
  copyFileSync(noopSource, join(noop, 'noop-extension/index.mjs'));
  // the same launcher shape as the extension's: sh, then exec node on the script
  const launcher = join(noop, 'extensions/noop-extension');
  writeFileSync(launcher, '#!/bin/sh\nexec node "$(dirname "$0")/../noop-extension/index.mjs" "$@"\n');
  chmodSync(launcher, 0o755);

  const empty = join(root, 'empty');
  mkdirSync(join(empty, 'extensions'), { recursive: true });

  return { dataTaps, noop, empty, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
