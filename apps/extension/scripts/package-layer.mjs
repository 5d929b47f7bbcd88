#!/usr/bin/env node
// @ts-check
/**
 * Packages the built files into the layer zip, apps/extension/dist/extension.zip:
 *   extensions/data-taps-lambda-extension             the launcher (0755); its file name is the extension name
 *   data-taps-lambda-extension/index.cjs              the eager entry: registers, then requires main.cjs
 *   data-taps-lambda-extension/main.cjs               the rest of the extension
 *   data-taps-lambda-extension/token-aws.cjs          token sources that renew tokens, required by
 *   data-taps-lambda-extension/token-boilingdata.cjs  main.cjs only when configured
 * (all 0644) and checks each file: what it may load, and its size budget. The zip is reproducible and
 * architecture-independent (pure JavaScript).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createZip } from './zip.mjs';

/**
 * @typedef {object} LayerFile
 * @property {string} name file name next to the launcher's target
 * @property {number} budgetBytes size budget
 * @property {boolean} strict whether going over the budget fails the build (else: a warning)
 * @property {boolean} prefixedOnly whether built-ins must be loaded with their `node:` prefix
 * @property {string[]} siblings files of the layer it may require (`./name`)
 * @property {string} role what it is, for the build's report
 */

/**
 * Every file of the layer beside the launcher, in load order.
 * - `index.cjs` runs before the registration is sent: it may load only `node:` built-ins and
 *   `./main.cjs`, and going over its 4,000-byte budget fails the build (every byte is compiled before
 *   Lambda can start the runtime).
 * - `main.cjs` is loaded while the registration is in flight: 150,000 bytes, a target reported by the
 *   build and by `pnpm bench` (a warning, not a failure).
 * - the token sources, required only when configured: 50,000 bytes each (a warning).
 * @type {LayerFile[]}
 */
export const LAYER_FILES = [
  {
    name: 'index.cjs',
    budgetBytes: 4_000,
    strict: true,
    prefixedOnly: true,
    siblings: ['main.cjs'],
    role: 'eager entry',
  },
  {
    name: 'main.cjs',
    budgetBytes: 150_000,
    strict: false,
    prefixedOnly: false,
    siblings: ['token-aws.cjs', 'token-boilingdata.cjs'],
    role: 'the rest',
  },
  {
    name: 'token-aws.cjs',
    budgetBytes: 50_000,
    strict: false,
    prefixedOnly: false,
    siblings: [],
    role: 'lazy token source',
  },
  {
    name: 'token-boilingdata.cjs',
    budgetBytes: 50_000,
    strict: false,
    prefixedOnly: false,
    siblings: [],
    role: 'lazy token source',
  },
];

/**
 * Every module specifier a file loads (require, import, dynamic import).
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

/**
 * What in `code` breaks the rules of `file`: specifiers it may not load, and a size over a strict budget.
 * @param {LayerFile} file
 * @param {Buffer} code
 * @returns {{ problems: string[], overBudget: boolean, specifiers: string[] }}
 */
export function checkLayerFile(file, code) {
  const specifiers = findSpecifiers(code.toString('utf8'));
  const allowed = (/** @type {string} */ s) =>
    s.startsWith('./')
      ? file.siblings.includes(s.slice(2))
      : isBuiltin(s) && (!file.prefixedOnly || s.startsWith('node:'));
  const foreign = specifiers.filter((s) => !allowed(s));
  const problems = foreign.map(
    (s) =>
      `${file.name} loads ${s}: only ${file.prefixedOnly ? '`node:` ' : 'Node.js '}built-ins${file.siblings.length > 0 ? ` and ${file.siblings.map((n) => `./${n}`).join(', ')}` : ''} are allowed`,
  );
  const overBudget = code.length > file.budgetBytes;
  if (overBudget && file.strict) {
    problems.push(`${file.name} is ${code.length} bytes, over its ${file.budgetBytes}-byte budget`);
  }
  return { problems, overBudget, specifiers };
}

/**
 * @param {string} appDir
 * @returns {{ zipPath: string, zipBytes: number, files: { name: string, bytes: number, budgetBytes: number, specifiers: string[] }[] }}
 */
export function packageLayer(appDir) {
  const dir = join(appDir, 'dist/layer/data-taps-lambda-extension');
  const launcherPath = join(appDir, 'layer/extensions/data-taps-lambda-extension');
  const problems = [];
  const files = [];
  const entries = [
    { name: 'extensions/data-taps-lambda-extension', data: readFileSync(launcherPath), mode: 0o755 },
  ];
  for (const file of LAYER_FILES) {
    const code = readFileSync(join(dir, file.name));
    const checked = checkLayerFile(file, code);
    problems.push(...checked.problems);
    if (checked.overBudget && !file.strict) {
      // A target, reported by the build and by `pnpm bench`; not a build failure.
      console.warn(
        `warning: ${file.name} is ${code.length} bytes, over its ${file.budgetBytes}-byte target (see bench/)`,
      );
    }
    files.push({
      name: file.name,
      bytes: code.length,
      budgetBytes: file.budgetBytes,
      specifiers: checked.specifiers,
    });
    entries.push({ name: `data-taps-lambda-extension/${file.name}`, data: code, mode: 0o644 });
  }
  if (problems.length > 0)
    throw new Error(`the layer's files break their rules:\n  ${problems.join('\n  ')}`);
  const zip = createZip(entries);
  const zipPath = join(appDir, 'dist/extension.zip');
  writeFileSync(zipPath, zip);
  return { zipPath, zipBytes: zip.length, files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const result = packageLayer(appDir);
  console.log(`layer: ${result.zipPath} (${result.zipBytes} bytes)`);
  for (const file of result.files) {
    console.log(
      `  ${file.name}: ${file.bytes} bytes of ${file.budgetBytes} budget; loads ${file.specifiers.join(', ')}`,
    );
  }
}
