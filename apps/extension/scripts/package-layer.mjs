#!/usr/bin/env node
// @ts-check
/**
 * Packages the built bundle into the layer zip, apps/extension/dist/extension.zip:
 *   extensions/data-taps-lambda-extension        the launcher (0755); its file name is the extension name
 *   data-taps-lambda-extension/index.cjs         the bundle (0644)
 * and checks the bundle: it may require only Node.js built-ins, and must stay within its size budget.
 * The zip is reproducible and architecture-independent (pure JavaScript).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createZip } from './zip.mjs';

export const BUNDLE_BUDGET_BYTES = 150_000;

/**
 * Every module specifier the bundle loads (require, import, dynamic import).
 * @param {string} code
 */
export function findSpecifiers(code) {
  const found = new Set();
  const patterns = [
    /\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\bfrom\s*["'`]([^"'`]+)["'`]/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.add(m[1]);
  return [...found].sort();
}

/** @param {string} specifier */
export function isBuiltin(specifier) {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return builtinModules.includes(bare);
}

/** Files next to the bundle that it requires lazily (see tsup.config.ts). */
export const LAZY_FILES = ['token-aws.cjs', 'token-boilingdata.cjs'];

/**
 * @param {string} appDir
 * @returns {{ zipPath: string, zipBytes: number, bundleBytes: number, specifiers: string[] }}
 */
export function packageLayer(appDir) {
  const bundlePath = join(appDir, 'dist/layer/data-taps-lambda-extension/index.cjs');
  const launcherPath = join(appDir, 'layer/extensions/data-taps-lambda-extension');
  const bundle = readFileSync(bundlePath);
  const bundleDir = dirname(bundlePath);
  // The token sources that renew tokens are files of their own, required only when configured.
  const lazyFiles = LAZY_FILES.filter((name) => existsSync(join(bundleDir, name)));
  const specifiers = [bundle, ...lazyFiles.map((name) => readFileSync(join(bundleDir, name)))].flatMap(
    (code) => findSpecifiers(code.toString('utf8')),
  );
  const foreign = [...new Set(specifiers)].filter(
    (s) => !isBuiltin(s) && !lazyFiles.includes(s.replace(/^\.\//, '')),
  );
  if (foreign.length > 0) {
    throw new Error(`the bundle loads modules that are not Node.js built-ins: ${foreign.join(', ')}`);
  }
  if (bundle.length > BUNDLE_BUDGET_BYTES) {
    // A target, reported by the build and by `pnpm bench`; not a build failure.
    console.warn(
      `warning: the bundle is ${bundle.length} bytes, over its ${BUNDLE_BUDGET_BYTES}-byte target (see bench/)`,
    );
  }
  const zip = createZip([
    { name: 'extensions/data-taps-lambda-extension', data: readFileSync(launcherPath), mode: 0o755 },
    { name: 'data-taps-lambda-extension/index.cjs', data: bundle, mode: 0o644 },
    ...lazyFiles.map((name) => ({
      name: `data-taps-lambda-extension/${name}`,
      data: readFileSync(join(bundleDir, name)),
      mode: 0o644,
    })),
  ]);
  const zipPath = join(appDir, 'dist/extension.zip');
  writeFileSync(zipPath, zip);
  return { zipPath, zipBytes: zip.length, bundleBytes: bundle.length, specifiers };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const result = packageLayer(appDir);
  console.log(
    `layer: ${result.zipPath} (${result.zipBytes} bytes); bundle ${result.bundleBytes} bytes of ${BUNDLE_BUDGET_BYTES} budget; loads only built-ins: ${result.specifiers.join(', ')}`,
  );
}
