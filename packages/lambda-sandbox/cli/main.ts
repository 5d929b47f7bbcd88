#!/usr/bin/env node
import { runCli } from './run.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  interrupted,
}).then(
  (code) => {
    process.exitCode = code;
    process.exit();
  },
  (error: unknown) => {
    process.stderr.write(`lambda-sandbox: ${String(error)}\n`);
    process.exit(1);
  },
);
