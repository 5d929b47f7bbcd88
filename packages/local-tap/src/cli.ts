import { parseArgs } from 'node:util';
import { LocalTapError } from './errors.js';
import { createLocalTap, type LocalTap } from './local-tap.js';
import type { Logger } from './logger.js';
import type { LocalTapOptions } from './options.js';

/** What the CLI writes to and listens for; `cli/main.ts` binds it to the process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Registers the clean-stop handler for SIGINT and SIGTERM. */
  onStopSignal(handler: (signal: string) => void): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The parsed command line. */
export interface CliArgs {
  options: LocalTapOptions;
  statsEveryMs: number;
  verbose: boolean;
  help: boolean;
}

/** The `local-tap --help` text. */
export const USAGE = `Usage: local-tap --dir <outDir> [options]

A local Boiling Data Tap: POST NDJSON to it, get hive-partitioned ZSTD Parquet in <outDir>.

Options:
  --dir <path>             folder the Parquet files are written under (required)
  --port <n>               port on 127.0.0.1 (default 8080; 0 = any free port)
  --token <t>              required x-bd-authorization value (default: no check)
  --threshold-bytes <n>    convert past this many buffered bytes (default 10485760)
  --threshold-ms <n>       convert once the oldest buffered body is this old (default 60000)
  --sql "<clause>"         SQL over the relation "incoming", e.g. "WHERE level = 'ERROR'"
  --max-body-bytes <n>     request limit (default 6291456)
  --buffer-dir <path>      buffer folder (default <outDir>/.local-tap-buffer)
  --stats-every <ms>       print the counters when they changed, every <ms> (default 10000; 0 = never)
  --verbose                print debug diagnostics
  --help                   this text

SIGINT or SIGTERM stops cleanly: everything accepted is converted before exit.`;

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new LocalTapError(`--${flag}: expected a whole number >= 0 (got ${JSON.stringify(value)})`);
  }
  return parsed;
}

/**
 * Parses the command line of `local-tap`; throws {@link LocalTapError} naming the flag.
 * @internal
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let values: Record<string, string | boolean | undefined> & { help?: boolean; verbose?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        dir: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string' },
        'threshold-bytes': { type: 'string' },
        'threshold-ms': { type: 'string' },
        sql: { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'buffer-dir': { type: 'string' },
        'stats-every': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new LocalTapError((error as Error).message, { cause: error });
  }
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const help = values.help === true;
  const dir = text('dir');
  if (dir === undefined && !help) throw new LocalTapError('--dir <outDir> is required');
  const options: LocalTapOptions = { outDir: dir ?? '.', port: integer('port', text('port')) ?? 8080 };
  const optional: Array<[keyof LocalTapOptions, unknown]> = [
    ['token', text('token')],
    ['thresholdBytes', integer('threshold-bytes', text('threshold-bytes'))],
    ['thresholdMs', integer('threshold-ms', text('threshold-ms'))],
    ['sql', text('sql')],
    ['maxBodyBytes', integer('max-body-bytes', text('max-body-bytes'))],
    ['bufferDir', text('buffer-dir')],
  ];
  for (const [key, value] of optional) {
    if (value !== undefined) (options as Record<string, unknown>)[key] = value;
  }
  return {
    options,
    statsEveryMs: integer('stats-every', text('stats-every')) ?? 10_000,
    verbose: values.verbose === true,
    help,
  };
}

function cliLogger(io: CliIo, verbose: boolean): Logger {
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      io.err(`${level} ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
  return {
    debug: verbose ? line('debug') : () => {},
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
}

function statsLine(tap: LocalTap): string {
  const s = tap.stats();
  const rejected = Object.values(s.rejected).reduce((sum, count) => sum + count, 0);
  return (
    `stats: requests=${s.requests} accepted=${s.accepted} rejected=${rejected} buffered=${s.bufferedBytes}B ` +
    `rows=${s.rows} files=${s.files} ignoredLines=${s.ignoredLines} conversionErrors=${s.conversionErrors}`
  );
}

/**
 * Runs `local-tap`: starts the tap, prints its URL, prints the counters while they change, stops
 * cleanly on SIGINT/SIGTERM and prints the final counters as JSON. Resolves with the exit code.
 * @internal
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  let tap: LocalTap;
  try {
    args = parseCliArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    tap = createLocalTap(args.options, { logger: cliLogger(io, args.verbose) });
  } catch (error) {
    io.err(`local-tap: ${(error as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  try {
    const { url } = await tap.start();
    io.out(`local-tap listening on ${url}`);
    io.out(
      `writing Parquet under ${args.options.outDir}; query it with: SELECT * FROM read_parquet('${tap.outputGlob}', hive_partitioning=true)`,
    );
  } catch (error) {
    io.err(`local-tap: could not start: ${(error as Error).message}`);
    return 1;
  }
  let last = statsLine(tap);
  const interval =
    args.statsEveryMs > 0
      ? io.setInterval(() => {
          const current = statsLine(tap);
          if (current !== last) io.out(current);
          last = current;
        }, args.statsEveryMs)
      : undefined;
  const signal = await new Promise<string>((resolve) => io.onStopSignal(resolve));
  if (interval !== undefined) io.clearInterval(interval);
  io.out(`local-tap: ${signal}, stopping (converting what is buffered)`);
  try {
    await tap.stop();
  } catch (error) {
    io.err(`local-tap: stop failed: ${(error as Error).message}`);
    return 1;
  }
  io.out(JSON.stringify(tap.stats()));
  return 0;
}
