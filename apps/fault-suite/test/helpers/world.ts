/**
 * A world for one fault case: a local Data Tap (DuckDB, Parquet) on loopback with a fault hook, a
 * temporary folder (tap output, spool, unpacked layers), and any number of Lambda environments
 * running the built extension zip in the sandbox, one after another, sharing the spool folder as
 * Lambda's `/tmp` would be shared by consecutive environments of one instance.
 *
 * A world is either faulty or healthy: in a healthy world every fault call (`setFaults`, `tapDown`,
 * `tapUp`) is a no-op, so one script gives the case and its healthy twin, whose durations are the
 * baseline the faulty run is compared with.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLambdaSandbox,
  type InitResult,
  type InvokeResult,
  type LambdaSandbox,
  type LambdaSandboxOptions,
  type ShutdownResult,
  type TelemetryRecordEmitted,
} from '@data-taps/lambda-sandbox';
import {
  createLocalTap,
  type FaultHook,
  type LocalTap,
  type LocalTapStats,
  type TokenCheck,
} from '@data-taps/local-tap';

/** The tap token of every world: a secret, so the suite also checks it never shows. */
export const TOKEN = 'tok-FAULT-SUITE-secret-0123456789';
/** The extension's name (the executable in the layer's `extensions/`). */
export const EXTENSION_NAME = 'data-taps-lambda-extension';

const here = dirname(fileURLToPath(import.meta.url));
/** The function every case runs. */
export const FUNCTION_DIR = join(here, '..', 'fixtures', 'function');

/** The built layer, found through the `@data-taps/extension` dependency. */
export function layerZip(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@data-taps/extension/package.json');
  const zip = join(dirname(manifest), 'dist', 'extension.zip');
  if (!existsSync(zip)) {
    throw new Error(`${zip} is missing: build it first with \`pnpm --filter @data-taps/extension build\``);
  }
  return zip;
}

/**
 * The extension's variables in every case, unless a case overrides them. The listener binds
 * `sandbox.localdomain` (127.0.0.1 through the sandbox's resolver preload) rather than 0.0.0.0, so
 * nothing listens beyond loopback. Short Telemetry API batching and request timeouts keep the cases
 * quick; they are the documented knobs, within their documented ranges.
 */
export const BASE_ENV: Readonly<Record<string, string>> = {
  BD_TAP_CLIENT_TOKEN: TOKEN,
  RECEIVER_ADDRESS: 'sandbox.localdomain',
  RECEIVER_PORT: '0',
  TIMEOUT_MS: '100',
  DATA_TAPS_REQUEST_TIMEOUT_MS: '1000',
  DATA_TAPS_LOG_LEVEL: 'info',
};

/** One Lambda environment of a world. */
export interface Environment {
  readonly sandbox: LambdaSandbox;
  readonly init: InitResult;
  readonly invocations: InvokeResult[];
  shutdownResult: ShutdownResult | undefined;
  /** `emitted()` length when the environment was killed: records produced later reach no one. */
  killedAt: number | undefined;
  /** The variables the extension was given. */
  readonly env: Readonly<Record<string, string>>;
  invoke(event?: unknown): Promise<InvokeResult>;
  shutdown(reason?: 'spindown' | 'timeout' | 'failure'): Promise<ShutdownResult>;
  /** SIGKILL of every process (Lambda killing the environment); records produced after it are lost to all. */
  kill(): Promise<void>;
  /** The extension's own log, parsed (pino JSON lines it wrote to stdout). */
  logLines(): Record<string, unknown>[];
  /** The extension's own log as raw text lines (anything it wrote to stdout or stderr). */
  logText(): string[];
}

export interface EnvironmentOptions {
  /** The extension's variables, over {@link BASE_ENV} and the world's tap URL and spool. */
  env?: Record<string, string>;
  /** Variables to remove from the defaults. */
  unset?: string[];
  /** Sandbox options over the world's defaults. */
  sandbox?: Partial<LambdaSandboxOptions>;
}

/** A row the tap wrote (the envelope's columns the suite reads). */
export interface TapRow {
  id: string;
  type: string;
  record: string;
}

export interface WorldOptions {
  /** Folder name prefix, for debugging. */
  name: string;
  /** False for the healthy twin: fault calls do nothing. */
  faulty: boolean;
  /**
   * What the tap accepts in `x-bd-authorization`: a fixed token (default {@link TOKEN}) or a check,
   * such as a `createJwtIssuer(...)`'s `check` for tokens that expire mid-run.
   */
  token?: string | TokenCheck;
}

export interface World {
  readonly faulty: boolean;
  readonly dir: string;
  readonly spoolDir: string;
  /** The tap's URL (the same across `tapDown`/`tapUp`). */
  readonly url: string;
  readonly environments: Environment[];
  /** Values that must show in no tap row and no log line: {@link TOKEN} and those added with `addSecret`. */
  readonly secrets: readonly string[];
  /** Adds a value to {@link World.secrets} (a token issued during the case, a fake AWS secret key). */
  addSecret(value: string): void;
  /** Replaces the tap's fault hook (faulty worlds only); undefined for none. */
  setFaults(hook: FaultHook | undefined): void;
  /** Stops the tap: connections are refused until `tapUp` (faulty worlds only). */
  tapDown(): Promise<void>;
  /** Starts a tap again on the same port and folder. */
  tapUp(): Promise<void>;
  /** Starts a new environment (Init) with the same spool folder as the ones before. */
  environment(options?: EnvironmentOptions): Promise<Environment>;
  /** Stops the tap (converting everything) and reads every row it wrote. */
  finish(): Promise<{ rows: TapRow[]; tapStats: LocalTapStats[] }>;
  /** Lines left in the spool folder (records neither delivered nor dropped: a next environment would send them). */
  spoolLines(): number;
  /** Kills what is left and removes the folder. */
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates a world and starts its tap. */
export async function createWorld(options: WorldOptions): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `fault-${options.name}-`));
  const outDir = join(dir, 'tap-out');
  const spoolDir = join(dir, 'spool');
  const layersDir = join(dir, 'layers');
  mkdirSync(layersDir);
  const zip = layerZip();
  let hook: FaultHook | undefined;
  const faults: FaultHook = (request) => (options.faulty ? hook?.(request) : undefined);
  const stats: LocalTapStats[] = [];
  const makeTap = (port: number) =>
    createLocalTap({ outDir, token: options.token ?? TOKEN, thresholdMs: 3_600_000, port }, { faults });
  let tap: LocalTap | undefined = makeTap(0);
  const { url, port } = await tap.start();
  const environments: Environment[] = [];
  let lastTap: LocalTap = tap;
  const secrets: string[] = [TOKEN];

  const stopTap = async () => {
    if (!tap) return;
    const current = tap;
    tap = undefined;
    await current.stop();
    stats.push(current.stats());
    lastTap = current;
  };

  const world: World = {
    faulty: options.faulty,
    dir,
    spoolDir,
    url,
    environments,
    secrets,
    addSecret(value) {
      if (value !== '' && !secrets.includes(value)) secrets.push(value);
    },
    setFaults(next) {
      hook = next;
    },
    async tapDown() {
      if (options.faulty) await stopTap();
    },
    async tapUp() {
      if (tap) return;
      // The port was ours a moment ago; if the kernel is slow to release it, try again briefly.
      for (let attempt = 0; ; attempt++) {
        const next = makeTap(port);
        try {
          await next.start();
          tap = next;
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await sleep(100);
        }
      }
    },
    async environment(envOptions = {}) {
      const env: Record<string, string> = {
        ...BASE_ENV,
        BD_DATA_TAP_URL: url,
        DATA_TAPS_SPOOL_DIR: spoolDir,
        ...envOptions.env,
      };
      for (const name of envOptions.unset ?? []) delete env[name];
      const tmpDir = join(layersDir, String(environments.length));
      mkdirSync(tmpDir);
      const sandbox = createLambdaSandbox({
        layer: zip,
        handler: 'index.handler',
        functionDir: FUNCTION_DIR,
        functionName: 'fault-suite',
        env,
        hostEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: tmpdir() },
        tmpDir,
        ...envOptions.sandbox,
      });
      const init = await sandbox.init();
      const ownLines = () =>
        sandbox
          .emitted()
          .filter((r) => r.type === 'extension' && r.source === EXTENSION_NAME)
          .map((r) =>
            (r.text ?? (typeof r.record === 'string' ? r.record : JSON.stringify(r.record))).trimEnd(),
          );
      const environment: Environment = {
        sandbox,
        init,
        invocations: [],
        shutdownResult: undefined,
        killedAt: undefined,
        env,
        async invoke(event) {
          const result = await sandbox.invoke(event);
          environment.invocations.push(result);
          return result;
        },
        async shutdown(reason = 'spindown') {
          environment.shutdownResult = await sandbox.shutdown(reason);
          return environment.shutdownResult;
        },
        async kill() {
          environment.killedAt = sandbox.emitted().length;
          await sandbox.kill();
        },
        logText: ownLines,
        logLines: () =>
          ownLines().flatMap((line) => {
            try {
              const parsed: unknown = JSON.parse(line);
              return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
            } catch {
              return [];
            }
          }),
      };
      environments.push(environment);
      return environment;
    },
    async finish() {
      for (const environment of environments) {
        if (environment.shutdownResult === undefined && environment.killedAt === undefined) {
          await environment.shutdown();
        }
      }
      await world.tapUp();
      await stopTap();
      const rows = hasParquet(outDir)
        ? await lastTap.query<TapRow>(
            `SELECT id, type, CAST(record AS VARCHAR) AS record FROM read_parquet('${lastTap.outputGlob}', union_by_name=true)`,
          )
        : [];
      return { rows, tapStats: stats };
    },
    spoolLines() {
      if (!existsSync(spoolDir)) return 0;
      let lines = 0;
      for (const name of readdirSync(spoolDir)) {
        if (!name.endsWith('.ndjson')) continue;
        lines += readFileSync(join(spoolDir, name), 'utf8').split('\n').filter(Boolean).length;
      }
      return lines;
    },
    async dispose() {
      for (const environment of environments) {
        if (environment.shutdownResult === undefined) await environment.sandbox.kill().catch(() => undefined);
      }
      await stopTap().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

function hasParquet(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).some((name) => name.endsWith('.parquet'));
}

/** A file where a folder is expected: every fs call under it fails with ENOTDIR, even for root. */
export function blockedPath(world: World): string {
  const file = join(world.dir, 'not-a-folder');
  writeFileSync(file, 'a file, so nothing can be created below it\n');
  return join(file, 'spool');
}

/** The key a record is matched by: its type and its original record as text (as the envelope keeps it). */
export function recordKey(type: string, record: unknown): string {
  return `${type}\u0000${typeof record === 'string' ? record : JSON.stringify(record)}`;
}

/** True for an `extension` record that is one of the extension's own log lines (kept out of the tap). */
export function isOwnLine(record: TelemetryRecordEmitted): boolean {
  if (record.type !== 'extension') return false;
  const text =
    record.text ?? (typeof record.record === 'string' ? record.record : JSON.stringify(record.record));
  return text.includes('"logger":"data-taps"');
}
