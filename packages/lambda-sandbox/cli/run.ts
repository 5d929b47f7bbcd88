import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createLambdaSandbox,
  durationStats,
  type InvokeResult,
  type LambdaSandbox,
  type SandboxReport,
} from '../src/index.js';

/** What the CLI talks to (process.* in `main.ts`, fakes in tests). */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** Resolves when the user asks to stop (SIGINT). */
  interrupted?: Promise<void>;
}

export const USAGE = `Usage: lambda-sandbox run --layer <zip|dir> --handler <file.handler> --events <ndjson file|count>
       [--function-dir <dir>] [--env KEY=VALUE ...] [--log-format Text|JSON] [--report <file.json>]
       [--rate <invocations/s>] [--function-name <name>] [--memory <MB>] [--timeout <ms>] [--no-freeze]
       [--no-memory-limit]

Runs a Node function with a Lambda layer's extensions in a local Lambda execution environment
(Runtime, Extensions and Telemetry APIs on 127.0.0.1), prints a live summary and writes a JSON report.
--events: a file with one JSON event per line, or a number of {"index": i} events.
An environment that crashes, times out or goes over --memory (Runtime.OutOfMemory) is shut down and a
fresh one is started, as Lambda does. --no-memory-limit: measure memory, never end an invocation for it.`;

async function loadEvents(spec: string, cwd: string): Promise<unknown[]> {
  if (/^\d+$/.test(spec)) return Array.from({ length: Number(spec) }, (_, index) => ({ index }));
  const text = await readFile(resolve(cwd, spec), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`--events ${spec}: line ${i + 1} is not JSON`);
      }
    });
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--env ${pair}: expected KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} ${value}: expected a positive number`);
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        layer: { type: 'string' },
        handler: { type: 'string' },
        'function-dir': { type: 'string' },
        events: { type: 'string' },
        env: { type: 'string', multiple: true },
        'log-format': { type: 'string' },
        report: { type: 'string' },
        rate: { type: 'string' },
        'function-name': { type: 'string' },
        memory: { type: 'string' },
        timeout: { type: 'string' },
        'no-freeze': { type: 'boolean' },
        'no-memory-limit': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    io.err(`lambda-sandbox: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'run' || !values.layer || !values.handler || !values.events) {
    io.err(`lambda-sandbox: "run", --layer, --handler and --events are required\n${USAGE}\n`);
    return 2;
  }
  let events: unknown[];
  let env: Record<string, string>;
  let rate: number | undefined;
  let memorySizeMb: number | undefined;
  let timeoutMs: number | undefined;
  try {
    events = await loadEvents(values.events, io.cwd);
    env = parseEnv(values.env ?? []);
    rate = numberOption('rate', values.rate);
    memorySizeMb = numberOption('memory', values.memory);
    timeoutMs = numberOption('timeout', values.timeout);
    if (
      values['log-format'] !== undefined &&
      values['log-format'] !== 'Text' &&
      values['log-format'] !== 'JSON'
    ) {
      throw new Error(`--log-format ${values['log-format']}: expected Text or JSON`);
    }
  } catch (error) {
    io.err(`lambda-sandbox: ${(error as Error).message}\n`);
    return 2;
  }

  const options = {
    layer: resolve(io.cwd, values.layer),
    handler: values.handler,
    functionDir: resolve(io.cwd, values['function-dir'] ?? '.'),
    env,
    hostEnv: io.env,
    ...(values['log-format'] ? { logFormat: values['log-format'] as 'Text' | 'JSON' } : {}),
    ...(values['function-name'] ? { functionName: values['function-name'] } : {}),
    ...(memorySizeMb ? { memorySizeMb } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    freeze: !values['no-freeze'],
    enforceMemoryLimit: !values['no-memory-limit'],
  };

  const environments: SandboxReport[] = [];
  const results: InvokeResult[] = [];
  let sandbox: LambdaSandbox | undefined;
  let stopped = false;
  void io.interrupted?.then(() => {
    stopped = true;
    io.err('\nlambda-sandbox: interrupted, stopping\n');
    void sandbox?.kill();
  });

  const started = Date.now();
  const status = (final: boolean): void => {
    const ok = results.filter((r) => r.status === 'success').length;
    const durations = durationStats(results.map((r) => r.durationMs));
    const overhead = durationStats(results.map((r) => r.postRuntimeExtensionsDurationMs));
    const current = sandbox?.report();
    const records = environments.reduce((a, e) => a + e.records.total, 0) + (current?.records.total ?? 0);
    const dropped = environments.reduce((a, e) => a + e.dropped.records, 0) + (current?.dropped.records ?? 0);
    const line =
      `invocations ${results.length}/${events.length}  ok ${ok}  failed ${results.length - ok}  ` +
      `duration p50 ${durations.p50} ms p95 ${durations.p95} ms  ` +
      `extension overhead p50 ${overhead.p50} ms p95 ${overhead.p95} ms  ` +
      `records ${records}  dropped ${dropped}  environments ${environments.length + (current ? 1 : 0)}`;
    if (io.isTTY) io.err(`\r${line}${final ? '\n' : ''}`);
    else if (final || results.length % Math.max(1, Math.ceil(events.length / 10)) === 0) io.err(`${line}\n`);
  };

  const startEnvironment = async (): Promise<boolean> => {
    sandbox = createLambdaSandbox(options);
    const init = await sandbox.init();
    io.err(
      `lambda-sandbox: Init ${init.status}${init.errorType ? ` (${init.errorType})` : ''} in ${init.durationMs} ms; ` +
        `extensions: ${init.extensions.map((e) => e.name).join(', ') || 'none'}; API ${init.runtimeApi}\n`,
    );
    if (init.status !== 'success') {
      const shutdown = await sandbox.shutdown('failure');
      environments.push(sandbox.report());
      io.err(`lambda-sandbox: environment shut down (killed: ${shutdown.killed.join(', ') || 'none'})\n`);
      sandbox = undefined;
      return false;
    }
    return true;
  };

  let exitCode = 0;
  try {
    if (!(await startEnvironment())) exitCode = 1;
    for (let i = 0; i < events.length && exitCode === 0 && !stopped; i += 1) {
      if (rate) {
        const due = started + (i * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      if (!sandbox && !(await startEnvironment())) {
        exitCode = 1;
        break;
      }
      const result = await (sandbox as LambdaSandbox).invoke(events[i]);
      results.push(result);
      status(false);
      if (result.status === 'timeout' || result.status === 'failure') {
        const reason = result.status === 'timeout' ? 'timeout' : 'failure';
        io.err(`\nlambda-sandbox: ${result.error?.errorType ?? reason}: resetting the environment\n`);
        await (sandbox as LambdaSandbox).shutdown(reason);
        environments.push((sandbox as LambdaSandbox).report());
        sandbox = undefined;
      }
    }
    if (sandbox && !stopped) {
      const shutdown = await sandbox.shutdown('spindown');
      io.err(
        `\nlambda-sandbox: Shutdown in ${shutdown.durationMs} ms; killed: ${shutdown.killed.join(', ') || 'none'}\n`,
      );
    }
  } catch (error) {
    if (!stopped) {
      io.err(`lambda-sandbox: ${(error as Error).stack ?? error}\n`);
      await sandbox?.kill();
      exitCode = 1;
    }
  }
  if (sandbox) environments.push(sandbox.report());
  sandbox = undefined;
  status(true);
  const report = {
    invocations: results.length,
    byStatus: results.reduce<Record<string, number>>((a, r) => {
      a[r.status] = (a[r.status] ?? 0) + 1;
      return a;
    }, {}),
    durationMs: durationStats(results.map((r) => r.durationMs)),
    overheadMs: durationStats(results.map((r) => r.postRuntimeExtensionsDurationMs)),
    wallClockMs: Date.now() - started,
    environments,
  };
  if (values.report) {
    await writeFile(resolve(io.cwd, values.report), `${JSON.stringify(report, null, 2)}\n`);
    io.err(`lambda-sandbox: report written to ${values.report}\n`);
  } else io.out(`${JSON.stringify(report, null, 2)}\n`);
  return stopped ? 130 : exitCode;
}
