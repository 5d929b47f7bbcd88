// @ts-check
// The three layers the benchmark runs: the built extension (its zip, unpacked once), the no-op
// extension of apps/extension/bench behind a launcher of the same shape, and an empty layer (the
// function alone).
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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

const LAUNCHER = 'extensions/data-taps-lambda-extension';
const ENTRY = 'data-taps-lambda-extension/index.cjs';
/** The launcher's exec line, where a variant adds node flags. */
const EXEC = 'exec node ';
/** The flag the launcher passes node (apps/extension/layer/extensions/data-taps-lambda-extension). */
const NO_MEMORY_REDUCER = '--no-memory-reducer ';

/**
 * A copy of the built extension's layer (next to it, removed by `cleanup()`) whose launcher starts
 * node with more flags (or without its `--no-memory-reducer`: `memoryReducer: true`), and whose
 * entry makes `v8.setFlagsFromString` ignore some of the flags the extension's run-time GC tuning
 * (apps/extension/src/gc-tuning.ts) sets: `'all'`, or the ones listed (main.cjs takes the patched
 * function when it loads).
 *
 * @example
 * ```js
 * const layer = layerVariant(layers.dataTaps, 'v1', { nodeFlags: '--max-heap-size=48', droppedGcFlags: 'all' });
 * ```
 * @param {string} dataTaps the built layer (`prepareLayers().dataTaps`)
 * @param {string} suffix names the copy
 * @param {{ nodeFlags?: string, memoryReducer?: boolean, droppedGcFlags?: 'all' | readonly string[] }} variant
 * @returns {string} the copy's folder
 */
export function layerVariant(dataTaps, suffix, variant) {
  const layer = `${dataTaps}-${suffix}`;
  cpSync(dataTaps, layer, { recursive: true });
  if (variant.nodeFlags || variant.memoryReducer) {
    let launcher = readFileSync(join(layer, LAUNCHER), 'utf8');
    if (!launcher.includes(EXEC)) throw new Error(`the launcher no longer has "${EXEC}": update layers.mjs`);
    if (variant.memoryReducer) {
      if (!launcher.includes(`${EXEC}${NO_MEMORY_REDUCER}`)) {
        throw new Error(`the launcher no longer passes ${NO_MEMORY_REDUCER}: update layers.mjs`);
      }
      launcher = launcher.replace(`${EXEC}${NO_MEMORY_REDUCER}`, EXEC);
    }
    if (variant.nodeFlags) launcher = launcher.replace(EXEC, `${EXEC}${variant.nodeFlags} `);
    writeFileSync(join(layer, LAUNCHER), launcher);
  }
  const dropped = variant.droppedGcFlags;
  if (dropped !== undefined) {
    const filter =
      dropped === 'all'
        ? "require('node:v8').setFlagsFromString = () => {};"
        : `{const v8=require('node:v8');const set=v8.setFlagsFromString;const dropped=${JSON.stringify(dropped)};v8.setFlagsFromString=(f)=>{if(!dropped.includes(f))set(f)};}`;
    writeFileSync(join(layer, ENTRY), `${filter}\n${readFileSync(join(layer, ENTRY), 'utf8')}`);
  }
  return layer;
}
