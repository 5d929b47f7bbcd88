// @ts-check
/**
 * Workspace guard. Three rules, each a place where the architecture would silently rot:
 *  1. the dependency graph between workspace packages (package.json dependencies of any kind, plus
 *     imports of workspace packages found in sources) has no cycle;
 *  2. a library (a package under `packages/`) never imports `pino` in `src/`: libraries take a Logger;
 *  3. a library never reads `process.env` in `src/`: only an app's `loadConfig(env)` does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js|tsx)$/;

/**
 * Workspace package folders named by `pnpm-workspace.yaml` (`dir/*` globs and plain folders).
 * @param {string} root
 * @returns {string[]}
 */
export function listWorkspaceDirs(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  /** @type {string[]} */
  const patterns = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const item = /^\s+-\s+['"]?([^'"#]+?)['"]?\s*(?:#.*)?$/.exec(line);
      if (item?.[1]) patterns.push(item[1]);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  /** @type {string[]} */
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).sort()) {
        const dir = join(parent, name);
        if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
      }
    } else if (existsSync(join(root, pattern, 'package.json'))) {
      dirs.push(join(root, pattern));
    }
  }
  return dirs;
}

/**
 * Source files below a folder, skipping dependencies and build output.
 * @param {string} dir
 * @returns {string[]}
 */
export function listSourceFiles(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'coverage') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSourceFiles(path));
    else if (SOURCE_FILE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * The text with comments blanked out (strings are kept), so that a rule mentioned in a comment
 * is not taken for a violation.
 * @param {string} text
 * @returns {string}
 */
export function stripComments(text) {
  let out = '';
  let i = 0;
  /** @type {string | null} */
  let quote = null;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (quote) {
      out += c;
      if (c === '\\') {
        out += next ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i += 1;
    } else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      if (c === '"' || c === "'" || c === '`') quote = c;
      out += c;
      i += 1;
    }
  }
  return out;
}

const PINO_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"`]pino(?:\/[^'"`]*)?['"`]/;
const PROCESS_ENV = [
  /\bprocess\s*(?:\?\.|\.)\s*env\b/,
  /\bprocess\s*(?:\?\.)?\[\s*['"`]env['"`]\s*\]/,
  /\{[^}]*\benv\b[^}]*\}\s*=\s*(?:globalThis\s*\.\s*)?process\b/,
  /\bimport\s*\{[^}]*\benv\b[^}]*\}\s*from\s*['"](?:node:)?process['"]/,
];
const PACKAGE_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"`]((?:@[\w.-]+\/)?[\w.-]+)/g;

/**
 * @typedef {{ name: string, dir: string, deps: Set<string> }} WorkspacePackage
 * @typedef {{ rule: 'cycle' | 'pino' | 'process-env' | 'layering', message: string }} Violation
 */

/**
 * Reads every workspace package with the workspace packages it depends on.
 * @param {string} root
 * @returns {WorkspacePackage[]}
 */
export function readWorkspace(root) {
  const dirs = listWorkspaceDirs(root);
  const packages = dirs.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    /** @type {Set<string>} */
    const deps = new Set();
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) deps.add(dep);
    }
    for (const file of listSourceFiles(join(dir, 'src'))) {
      const text = stripComments(readFileSync(file, 'utf8'));
      for (const match of text.matchAll(PACKAGE_IMPORT)) if (match[1]) deps.add(match[1]);
    }
    return { name: String(manifest.name), dir, deps };
  });
  const names = new Set(packages.map((p) => p.name));
  for (const p of packages) {
    p.deps = new Set([...p.deps].filter((d) => names.has(d) && d !== p.name));
  }
  return packages;
}

/**
 * Every elementary cycle found by a depth-first search, each reported once, as `a -> b -> a`.
 * @param {WorkspacePackage[]} packages
 * @returns {string[][]}
 */
export function findCycles(packages) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  /** @type {string[][]} */
  const cycles = [];
  const seen = new Set();
  /** @type {Map<string, 'visiting' | 'done'>} */
  const state = new Map();
  /** @type {string[]} */
  const stack = [];
  /** @param {string} name */
  const visit = (name) => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of [...(byName.get(name)?.deps ?? [])].sort()) {
      if (state.get(dep) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const p of [...packages].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!state.has(p.name)) visit(p.name);
  }
  return cycles;
}

/**
 * Runs every rule over the workspace at `root`.
 * @param {string} root
 * @returns {Violation[]}
 */
export function checkWorkspace(root) {
  /** @type {Violation[]} */
  const violations = [];
  const packages = readWorkspace(root);
  for (const cycle of findCycles(packages)) {
    violations.push({ rule: 'cycle', message: `dependency cycle: ${cycle.join(' -> ')}` });
  }
  const apps = new Set(packages.filter((p) => isUnder(root, p.dir, 'apps')).map((p) => p.name));
  for (const p of packages) {
    if (!isUnder(root, p.dir, 'packages')) continue;
    for (const dep of p.deps) {
      if (apps.has(dep)) {
        violations.push({ rule: 'layering', message: `${p.name} (a library) depends on the app ${dep}` });
      }
    }
    for (const file of listSourceFiles(join(p.dir, 'src'))) {
      const text = stripComments(readFileSync(file, 'utf8'));
      const where = relative(root, file);
      if (PINO_IMPORT.test(text)) {
        violations.push({
          rule: 'pino',
          message: `${where}: a library imports pino (accept a Logger instead)`,
        });
      }
      if (PROCESS_ENV.some((re) => re.test(text))) {
        violations.push({
          rule: 'process-env',
          message: `${where}: a library reads process.env (only an app's loadConfig(env) may)`,
        });
      }
    }
  }
  return violations;
}

/**
 * @param {string} root
 * @param {string} dir
 * @param {string} top
 */
function isUnder(root, dir, top) {
  return relative(root, dir).split(/[\\/]/)[0] === top;
}
