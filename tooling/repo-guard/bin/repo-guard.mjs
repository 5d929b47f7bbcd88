#!/usr/bin/env node
// @ts-check
import { resolve } from 'node:path';
import { checkWorkspace } from '../src/guard.mjs';

const root = resolve(process.argv[2] ?? process.cwd());
const violations = checkWorkspace(root);
if (violations.length === 0) {
  console.log('repo-guard: no dependency cycle; no library imports pino or reads process.env');
} else {
  for (const v of violations) console.error(`repo-guard: [${v.rule}] ${v.message}`);
  console.error(`repo-guard: ${violations.length} violation(s)`);
  process.exitCode = 1;
}
