import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkWorkspace, findCycles, listWorkspaceDirs, stripComments } from '../../src/guard.mjs';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/repo-guard.mjs');

let root: string;

function writePackage(
  dir: string,
  name: string,
  deps: Record<string, string> = {},
  files: Record<string, string> = {},
) {
  mkdirSync(join(root, dir, 'src'), { recursive: true });
  writeFileSync(join(root, dir, 'package.json'), JSON.stringify({ name, dependencies: deps }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, dir, file)), { recursive: true });
    writeFileSync(join(root, dir, file), text);
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'repo-guard-'));
  writeFileSync(
    join(root, 'pnpm-workspace.yaml'),
    "packages:\n  - packages/*\n  - 'apps/*' # apps\n  - tooling/single\n  - missing/*\ncatalog:\n  zod: 4.0.0\n",
  );
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('listWorkspaceDirs', () => {
  it('expands dir/* globs and plain folders that hold a package.json', () => {
    writePackage('packages/a', '@x/a');
    writePackage('apps/app', '@x/app');
    writePackage('tooling/single', '@x/single');
    mkdirSync(join(root, 'packages/not-a-package'));
    const dirs = listWorkspaceDirs(root).map((d) => d.slice(root.length + 1));
    expect(dirs).toEqual(['packages/a', 'apps/app', 'tooling/single']);
  });
});

describe('checkWorkspace', () => {
  it('passes a clean workspace', () => {
    writePackage('packages/a', '@x/a', { zod: '1' }, { 'src/index.ts': "import { z } from 'zod';\n" });
    writePackage('packages/b', '@x/b', {}, { 'src/index.ts': 'export const b = 1;\n' });
    writePackage(
      'apps/app',
      '@x/app',
      { '@x/a': 'workspace:^', pino: '1' },
      { 'src/main.ts': "import pino from 'pino';\nconst e = process.env;\n" },
    );
    expect(checkWorkspace(root)).toEqual([]);
  });

  it('fails on a dependency cycle declared in package.json', () => {
    writePackage('packages/a', '@x/a', { '@x/b': 'workspace:^' });
    writePackage('packages/b', '@x/b', { '@x/c': 'workspace:^' });
    writePackage('packages/c', '@x/c', { '@x/a': 'workspace:^' });
    const violations = checkWorkspace(root);
    expect(violations).toEqual([
      { rule: 'cycle', message: 'dependency cycle: @x/a -> @x/b -> @x/c -> @x/a' },
    ]);
  });

  it('fails on a cycle made by a source import that package.json does not declare', () => {
    writePackage('packages/a', '@x/a', { '@x/b': 'workspace:^' });
    writePackage('packages/b', '@x/b', {}, { 'src/index.ts': "export { a } from '@x/a';\n" });
    expect(checkWorkspace(root).map((v) => v.rule)).toEqual(['cycle']);
  });

  it('fails when a library imports pino, in any import form', () => {
    for (const [i, line] of [
      "import pino from 'pino';",
      'import { pino } from "pino";',
      "const p = await import('pino');",
      "const p = require('pino/file');",
      "import 'pino';",
    ].entries()) {
      writePackage(`packages/p${i}`, `@x/p${i}`, {}, { 'src/log.ts': `${line}\n` });
    }
    const violations = checkWorkspace(root);
    expect(violations).toHaveLength(5);
    expect(violations.every((v) => v.rule === 'pino')).toBe(true);
    expect(violations[0]?.message).toContain('packages/p0/src/log.ts');
  });

  it('fails when a library reads process.env, in any form', () => {
    for (const [i, line] of [
      'const url = process.env.URL;',
      "const url = process['env'];",
      'const { env } = process;',
      "import { env } from 'node:process';",
      'const x = globalThis.process?.env;',
    ].entries()) {
      writePackage(`packages/e${i}`, `@x/e${i}`, {}, { 'src/config.ts': `${line}\n` });
    }
    const violations = checkWorkspace(root);
    expect(violations.map((v) => v.rule)).toEqual(Array(5).fill('process-env'));
  });

  it('ignores pino and process.env mentioned in comments, and test files', () => {
    writePackage(
      'packages/a',
      '@x/a',
      {},
      {
        'src/index.ts':
          "// never read process.env here\n/* import pino from 'pino' */\nexport const url = 'http://x';\n",
        'test/a.test.ts': "import pino from 'pino';\nprocess.env.X;\n",
      },
    );
    expect(checkWorkspace(root)).toEqual([]);
  });

  it('fails when a library depends on an app', () => {
    writePackage('apps/app', '@x/app');
    writePackage('packages/a', '@x/a', { '@x/app': 'workspace:^' });
    expect(checkWorkspace(root)).toEqual([
      { rule: 'layering', message: '@x/a (a library) depends on the app @x/app' },
    ]);
  });
});

describe('findCycles', () => {
  it('reports each cycle once, including a self-loop through two packages', () => {
    const cycles = findCycles([
      { name: 'a', dir: '', deps: new Set(['b']) },
      { name: 'b', dir: '', deps: new Set(['a', 'c']) },
      { name: 'c', dir: '', deps: new Set() },
    ]);
    expect(cycles).toEqual([['a', 'b', 'a']]);
  });
});

describe('stripComments', () => {
  it('keeps strings that contain comment markers and escaped quotes', () => {
    const text =
      'const a = \'http://x\'; // gone\nconst b = "it\\"s /* kept */"; /* gone\ntoo */ const c = `//`;';
    expect(stripComments(text)).toBe(
      'const a = \'http://x\'; \nconst b = "it\\"s /* kept */";        \n       const c = `//`;',
    );
  });
});

describe('repo-guard CLI', () => {
  it('exits 0 on a clean workspace and 1 with one line per violation', () => {
    writePackage('packages/a', '@x/a');
    expect(execFileSync(process.execPath, [BIN, root], { encoding: 'utf8' })).toContain(
      'no dependency cycle',
    );
    writePackage('packages/b', '@x/b', {}, { 'src/index.ts': "import pino from 'pino';\n" });
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [BIN, root], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain('[pino] packages/b/src/index.ts');
  });
});
