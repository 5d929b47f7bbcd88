/**
 * End to end, record by record: the real layer zip (apps/extension/dist/extension.zip, built by
 * turbo before this package's tests) runs in the local Lambda sandbox with the demo's function,
 * shipping to the local Data Tap; then every row of the Parquet output is matched against what the
 * sandbox emitted (`sandbox.emitted()`), both ways. And `pnpm demo`'s script itself, as a child process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLambdaSandbox,
  type InvokeResult,
  type ShutdownResult,
  type TelemetryRecordEmitted,
} from '@data-taps/lambda-sandbox';
import { createLocalTap } from '@data-taps/local-tap';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const zipPath = resolve(appDir, '../extension/dist/extension.zip');
const EXTENSION_NAME = 'data-taps-lambda-extension';
const TOKEN = `e2e-token-${randomBytes(12).toString('hex')}`;
const INVOCATIONS = 30;
const ERROR_AT = 15;

/** One row of the tap's Parquet output (the envelope's columns the checks read). */
interface Row {
  id: string;
  type: string;
  requestId: string | null;
  level: string | null;
  message: string | null;
  status: string | null;
  durationMs: number | null;
  recordFormat: string;
  record: string;
}

interface Run {
  emitted: readonly TelemetryRecordEmitted[];
  rows: Row[];
  results: InvokeResult[];
  shutdown: ShutdownResult;
}

const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  if (!existsSync(zipPath)) {
    throw new Error(
      `${zipPath} is missing: run \`pnpm build\` (turbo builds it before this package's tests)`,
    );
  }
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The demo's mix: one in three invocations logs JSON lines, one throws, the rest log text. */
function eventFor(i: number) {
  const kind = i === ERROR_AT ? 'error' : i % 3 === 1 ? 'json' : 'text';
  return { kind, orderId: `order-${i + 1}`, items: (i % 4) + 1 };
}

async function runPipeline(options: { logFormat: 'Text' | 'JSON'; schemaVersion?: string }): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
  const tap = createLocalTap({ outDir: join(dir, 'tap'), token: TOKEN, thresholdMs: 60_000 });
  const { url } = await tap.start();
  const env: Record<string, string> = {
    BD_TAP_CLIENT_TOKEN: TOKEN,
    BD_DATA_TAP_URL: url,
    RECEIVER_PORT: '0',
    // Our own spool folder: a shared /tmp/data-taps-spool could replay another run's records here.
    DATA_TAPS_SPOOL_DIR: join(dir, 'spool'),
  };
  if (options.schemaVersion) env['AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION'] = options.schemaVersion;
  const sandbox = createLambdaSandbox({
    layer: zipPath,
    handler: 'index.handler',
    functionDir: join(appDir, 'function'),
    functionName: 'demo-e2e',
    logFormat: options.logFormat,
    env,
    hostEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: process.env['TMPDIR'] },
  });
  cleanups.push(async () => {
    await sandbox.kill();
    await tap.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const init = await sandbox.init();
  expect(init.status, `Init failed: ${init.errorType}`).toBe('success');
  const results: InvokeResult[] = [];
  for (let i = 0; i < INVOCATIONS; i++) results.push(await sandbox.invoke(eventFor(i)));
  const shutdown = await sandbox.shutdown();
  await tap.stop();
  const glob = join(dir, 'tap', '**', '*.parquet');
  const rows = await tap.query<Row>(
    'SELECT id, type, CAST(requestId AS VARCHAR) AS requestId, level, message, status, durationMs, recordFormat, record ' +
      `FROM read_parquet('${glob}', hive_partitioning=true, union_by_name=true)`,
  );
  return { emitted: sandbox.emitted(), rows, results, shutdown };
}

/** The extension's own log lines (pino JSON with `"logger":"data-taps"`), kept out of the tap by design. */
function isOwnLogLine(record: TelemetryRecordEmitted): boolean {
  if (record.type !== 'extension' || typeof record.record !== 'string') return false;
  try {
    return (JSON.parse(record.record) as { logger?: unknown }).logger === 'data-taps';
  } catch {
    return false;
  }
}

/** The records the extension must ship: all it was sent, but its own log lines. */
function toShip(run: Run): TelemetryRecordEmitted[] {
  return run.emitted.filter(
    (r) => (r.subscriber === undefined || r.subscriber === EXTENSION_NAME) && !isOwnLogLine(r),
  );
}

/**
 * The record as the extension received it, as text: schema 2022-07-01 gets JSON log lines as the
 * line the runtime wrote (`text`, without its newline), newer schemas the object.
 */
function deliveredText(record: TelemetryRecordEmitted, schemaVersion: string): string {
  if (record.type === 'function' && schemaVersion === '2022-07-01' && typeof record.record !== 'string') {
    return (record.text ?? '').replace(/\n$/, '');
  }
  return typeof record.record === 'string' ? record.record : JSON.stringify(record.record);
}

type LogLine = { requestId: string | null; level: string | null; message: string | null };

function fromObject(object: Record<string, unknown>): LogLine {
  const requestId = object['requestId'] ?? object['function_request_id'];
  return {
    requestId: typeof requestId === 'string' ? requestId : null,
    level: typeof object['level'] === 'string' ? object['level'].toUpperCase() : null,
    message: typeof object['message'] === 'string' ? object['message'] : null,
  };
}

/**
 * What a function log line says, read here independently of the extension: Node's text layout
 * (`time\trequestId\tLEVEL\tmessage\n`, request id `undefined` during Init), a raw JSON line
 * (Powertools' shape), or a JSON log format object.
 */
function expectedLine(record: TelemetryRecordEmitted): LogLine {
  if (typeof record.record !== 'string') return fromObject(record.record as Record<string, unknown>);
  const text = /^\d{4}-\d\d-\d\dT[\d:.]+Z\t([^\t]*)\t([A-Z]+)\t([\s\S]*)\n$/.exec(record.record);
  if (text) {
    return {
      requestId: text[1] === 'undefined' ? null : (text[1] ?? null),
      level: text[2] ?? null,
      message: text[3] ?? null,
    };
  }
  return fromObject(JSON.parse(record.record) as Record<string, unknown>);
}

const lineKey = (l: LogLine) => JSON.stringify([l.requestId, l.level, l.message]);

/** Checks one run record by record; returns the function lines it matched, for extra assertions. */
function checkRecordByRecord(run: Run, schemaVersion = '2022-12-13') {
  const expected = toShip(run);
  const unique = new Map<string, Row>();
  for (const row of run.rows) {
    const first = unique.get(row.id);
    // A retried request may deliver a batch twice; copies carry the same id and the same content.
    if (first) expect(row, `row ${row.id} seen twice with different content`).toEqual(first);
    else unique.set(row.id, row);
  }
  const rows = [...unique.values()];
  const ours = rows.filter((r) => r.type.startsWith('dataTaps.'));
  const retries = Math.max(
    0,
    ...ours.map((r) => Number((JSON.parse(r.record) as { retries?: number }).retries ?? 0)),
  );
  if (retries === 0)
    expect(run.rows.length, 'duplicate rows although the extension retried nothing').toBe(rows.length);

  // Every function log line emitted arrived, matched by requestId + level + message.
  const emittedLines = expected.filter((r) => r.type === 'function').map((r) => lineKey(expectedLine(r)));
  const landedLines = rows.filter((r) => r.type === 'function').map((r) => lineKey(r));
  expect(landedLines.sort()).toEqual(emittedLines.sort());

  // Every platform.report arrived, matched by requestId, with its status and duration.
  const emittedReports = expected
    .filter((r) => r.type === 'platform.report')
    .map((r) => {
      const record = r.record as { requestId: string; status: string; metrics: { durationMs: number } };
      return [record.requestId, record.status, record.metrics.durationMs];
    });
  const landedReports = rows
    .filter((r) => r.type === 'platform.report')
    .map((r) => [r.requestId, r.status, r.durationMs]);
  expect(landedReports.sort()).toEqual(emittedReports.sort());
  expect(emittedReports.map(([requestId]) => requestId).sort()).toEqual(
    run.results.map((r) => r.requestId).sort(),
  );

  // Both ways, every type: each row is one emitted record (the original kept losslessly in `record`)
  // or one of the extension's own dataTaps.* records; each record to ship is one row.
  const pending = new Map<string, TelemetryRecordEmitted[]>();
  for (const record of expected) {
    const key = `${record.type}\u0000${deliveredText(record, schemaVersion)}`;
    pending.set(key, [...(pending.get(key) ?? []), record]);
  }
  const extra: Row[] = [];
  for (const row of rows) {
    if (row.type.startsWith('dataTaps.')) continue;
    const matches = pending.get(`${row.type}\u0000${row.record}`);
    if (matches && matches.length > 0) matches.shift();
    else extra.push(row);
  }
  const missing = [...pending.values()].flat().map((r) => `#${r.seq} ${r.type}`);
  expect(missing, 'emitted records that are not in Parquet').toEqual([]);
  expect(
    extra.map((r) => `${r.type} ${r.record.slice(0, 200)}`),
    'rows that match no emitted record',
  ).toEqual([]);
  expect(ours.length).toBeGreaterThan(0);
  expect(ours.every((r) => r.type === 'dataTaps.stats' || r.type === 'dataTaps.dropped')).toBe(true);

  // The secret never lands anywhere.
  expect(run.rows.filter((r) => JSON.stringify(r).includes(TOKEN))).toEqual([]);
  expect(run.emitted.filter((r) => JSON.stringify(r).includes(TOKEN)).map((r) => r.seq)).toEqual([]);
  return rows;
}

function checkLifecycle(run: Run) {
  expect(run.results.map((r) => r.status)).toEqual(
    Array.from({ length: INVOCATIONS }, (_, i) => (i === ERROR_AT ? 'error' : 'success')),
  );
  expect(run.shutdown.extensions).toEqual([
    expect.objectContaining({ name: EXTENSION_NAME, outcome: 'exited', code: 0 }),
  ]);
  expect(run.shutdown.killed).toEqual([]);
  expect(run.emitted.filter((r) => r.type === 'platform.logsDropped')).toEqual([]);
}

/** The lines a reader would look for, by what the function wrote. */
function checkSamples(run: Run, rows: Row[]) {
  const fn = rows.filter((r) => r.type === 'function');
  expect(fn.filter((r) => r.message === 'order service loaded')).toEqual([
    expect.objectContaining({ requestId: null, level: 'INFO' }),
  ]);
  const second = run.results[1]?.requestId;
  expect(fn.filter((r) => r.message === 'order placed').length).toBe(10);
  expect(fn.find((r) => r.message === 'order placed' && r.requestId === second)).toEqual(
    expect.objectContaining({ level: 'INFO' }),
  );
  const failed = run.results[ERROR_AT]?.requestId;
  expect(
    fn.filter((r) => r.requestId === failed).map((r) => [r.level, r.message?.split('\t')[0]?.trim()]),
  ).toEqual([
    ['ERROR', `order order-${ERROR_AT + 1}: payment provider unavailable`],
    ['ERROR', 'Invoke Error'],
  ]);
  expect(rows.find((r) => r.type === 'platform.report' && r.requestId === failed)).toEqual(
    expect.objectContaining({ status: 'error', level: 'ERROR', message: 'Error' }),
  );
}

describe('the layer zip in the sandbox, shipping to the local tap', () => {
  it('ships every record of a Text log format function once, and nothing else', async () => {
    const run = await runPipeline({ logFormat: 'Text' });
    checkLifecycle(run);
    const rows = checkRecordByRecord(run);
    checkSamples(run, rows);
    expect(rows.filter((r) => r.type === 'function' && r.recordFormat === 'text').length).toBeGreaterThan(0);
  });

  it('ships every record of a JSON log format function once, and nothing else', async () => {
    const run = await runPipeline({ logFormat: 'JSON' });
    checkLifecycle(run);
    const rows = checkRecordByRecord(run);
    checkSamples(run, rows);
    expect(rows.filter((r) => r.type === 'function').every((r) => r.recordFormat === 'json')).toBe(true);
  });

  it('ships JSON log lines received as strings under telemetry schema 2022-07-01', async () => {
    const run = await runPipeline({ logFormat: 'JSON', schemaVersion: '2022-07-01' });
    checkLifecycle(run);
    const rows = checkRecordByRecord(run, '2022-07-01');
    checkSamples(run, rows);
    expect(rows.filter((r) => r.type === 'function').every((r) => r.recordFormat === 'text')).toBe(true);
  });
});

function runDemo(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(appDir, 'src/demo.mjs'), ...args], {
      cwd: appDir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('pnpm demo (src/demo.mjs)', () => {
  it('runs the pipeline, says everything arrived, shows rows and how to query them, exits 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-out-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const { code, stdout, stderr } = await runDemo(['--invocations', '12', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/invocations 12\/12 \(success 11, error 1\)/);
    expect(stdout).toMatch(/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/[^ ]+\.parquet {2}\d+ rows/);
    expect(stdout).toMatch(/platform\.report +12 +12 +12/);
    expect(stdout).toMatch(/Everything arrived: all \d+ records the extension had to ship are in Parquet/);
    expect(stdout).toContain('order service loaded');
    expect(stdout).toContain('payment provider unavailable');
    expect(stdout).toContain(`duckdb -c "SELECT type, count(*) AS n FROM read_parquet('${join(out, 'tap')}`);
  });

  it('reports lost records and exits 1 when the tap loses a request it acknowledged', async () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-out-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const { code, stdout, stderr } = await runDemo([
      '--invocations',
      '6',
      '--out',
      out,
      '--lose-first-request',
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/LOST: \d+ of \d+ records emitted by the sandbox are not in Parquet/);
    expect(stdout).toContain('platform.initStart');
    expect(stdout).not.toContain('Everything arrived');
    expect(stderr).toMatch(/record\(s\) lost/);
  });

  it('tells the user to run pnpm build when the layer zip is missing', async () => {
    const { code, stderr } = await runDemo(['--layer', join(tmpdir(), 'no-such-layer.zip')]);
    expect(code).toBe(1);
    expect(stderr).toContain('no-such-layer.zip is missing');
    expect(stderr).toContain('`pnpm build`');
  });

  it('refuses to empty an output folder it did not make', async () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-out-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    mkdirSync(join(out, 'keep'));
    writeFileSync(join(out, 'keep', 'notes.txt'), 'mine');
    const { code, stderr } = await runDemo(['--invocations', '1', '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toContain('was not made by the demo');
    expect(existsSync(join(out, 'keep', 'notes.txt'))).toBe(true);
  });
});
