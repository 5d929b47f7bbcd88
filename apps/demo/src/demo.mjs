#!/usr/bin/env node
// @ts-check
/**
 * `pnpm demo`: the extension layer (apps/extension/dist/extension.zip) in the local Lambda sandbox,
 * shipping to the local Data Tap, end to end. It runs the sample function (function/index.mjs) a few
 * hundred times, shuts the environment down, stops the tap, then shows what landed in Parquet and
 * whether every record the sandbox emitted arrived. Exit code 0 when everything arrived, 1 when a
 * record was lost or the environment failed, 2 for a bad command line.
 *
 * Options: --invocations <n> (default 300), --log-format Text|JSON (default Text),
 * --out <folder> (default apps/demo/.demo-out), --layer <zip|folder> (default the built zip),
 * --lose-first-request (the tap acknowledges its first request without storing it: a check of the
 * check, the demo must then report the loss and exit 1).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLambdaSandbox } from '@data-taps/lambda-sandbox';
import { createLocalTap } from '@data-taps/local-tap';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '../..');
const DEFAULT_LAYER = join(repoRoot, 'apps/extension/dist/extension.zip');
const EXTENSION_NAME = 'data-taps-lambda-extension';
const OUT_MARKER = '.data-taps-demo';
const FUNCTION_NAME = 'demo-orders';

/** @typedef {import('@data-taps/lambda-sandbox').TelemetryRecordEmitted} Emitted */
/** @typedef {{ id: string, type: string, record: string }} LandedRow */

/**
 * Prints the message to stderr and exits with the code.
 * @param {string} message
 * @returns {never}
 */
function fail(message, code = 1) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
}

/**
 * The command line, checked.
 * @returns {{ invocations: number, logFormat: 'Text' | 'JSON', out: string, layer: string, loseFirstRequest: boolean }}
 */
function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        invocations: { type: 'string' },
        'log-format': { type: 'string' },
        out: { type: 'string' },
        layer: { type: 'string' },
        'lose-first-request': { type: 'boolean' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n${usage()}`, 2);
  }
  const invocations = Number(values['invocations'] ?? '300');
  if (!Number.isInteger(invocations) || invocations < 1 || invocations > 100_000) {
    return fail(`--invocations must be an integer from 1 to 100000, got "${values['invocations']}"`, 2);
  }
  const logFormat = values['log-format'] ?? 'Text';
  if (logFormat !== 'Text' && logFormat !== 'JSON') {
    return fail(`--log-format must be Text or JSON, got "${logFormat}"`, 2);
  }
  return {
    invocations,
    logFormat,
    out: resolve(values['out'] ?? join(appDir, '.demo-out')),
    layer: resolve(values['layer'] ?? DEFAULT_LAYER),
    loseFirstRequest: values['lose-first-request'] === true,
  };
}

function usage() {
  return 'usage: node src/demo.mjs [--invocations 300] [--log-format Text|JSON] [--out <folder>] [--layer <zip|folder>] [--lose-first-request]';
}

/**
 * Makes `out` ready for a run: created when missing; emptied when it is a folder of an earlier demo
 * run (it holds the marker file); refused when it holds anything else.
 * @param {string} out
 */
function prepareOutDir(out) {
  if (existsSync(out)) {
    const entries = readdirSync(out);
    if (entries.length > 0 && !entries.includes(OUT_MARKER)) {
      fail(`${out} is not empty and was not made by the demo; choose another folder with --out`, 2);
    }
    for (const entry of entries) rmSync(join(out, entry), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, OUT_MARKER), 'made by apps/demo (pnpm demo); emptied at every run\n');
}

/**
 * The event of invocation `i` of `n`: one in three logs JSON, the middle one throws, the rest log text.
 * @param {number} i
 * @param {number} n
 */
function eventFor(i, n) {
  const kind = i === Math.floor(n / 2) ? 'error' : i % 3 === 1 ? 'json' : 'text';
  return { kind, orderId: `order-${i + 1}`, items: (i % 4) + 1 };
}

/** @param {readonly number[]} values */
function median(values) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

/** @param {number} ms */
const fmtMs = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

/**
 * True when an `extension` record is one of the extension's own log lines (pino JSON with
 * `"logger":"data-taps"`): the extension keeps those out of the tap on purpose.
 * @param {Emitted} record
 */
function isOwnLogLine(record) {
  if (record.type !== 'extension') return false;
  const text = typeof record.record === 'string' ? record.record : JSON.stringify(record.record);
  try {
    const parsed = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && parsed.logger === 'data-taps';
  } catch {
    return false;
  }
}

/**
 * The original record as the envelope's `record` column keeps it: the string itself, or the JSON.
 * @param {unknown} record
 */
const recordText = (record) => (typeof record === 'string' ? record : (JSON.stringify(record) ?? 'null'));

/** @param {string} type @param {string} text */
const keyOf = (type, text) => `${type}\u0000${text}`;

/**
 * Lists the Parquet files under `dir` (hidden folders such as the tap's buffer are skipped).
 * @param {string} dir
 * @returns {string[]}
 */
function parquetFiles(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...parquetFiles(path));
    else if (entry.name.endsWith('.parquet')) found.push(path);
  }
  return found.sort();
}

/**
 * A path as shown to the user: relative to the repository root when inside it, else absolute.
 * @param {string} path
 */
function shown(path) {
  const rel = relative(repoRoot, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** @param {string} text */
const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;

/**
 * Prints rows as an aligned table, long cells cut.
 * @param {readonly Record<string, unknown>[]} rows
 * @param {number} [maxWidth]
 */
function printTable(rows, maxWidth = 64) {
  if (rows.length === 0) {
    console.log('    (no rows)');
    return;
  }
  const columns = Object.keys(rows[0] ?? {});
  /** @param {unknown} value */
  const cell = (value) => {
    const text =
      value === null || value === undefined
        ? 'NULL'
        : String(value).replaceAll('\n', '\\n').replaceAll('\t', ' ');
    return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
  };
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ values) =>
    `    ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

/**
 * A progress line: rewritten in place on a terminal, printed at each quarter otherwise.
 * @param {number} total
 */
function createProgress(total) {
  const tty = process.stdout.isTTY === true;
  let lastDraw = 0;
  let lastQuarter = 0;
  return {
    /** @param {number} done @param {Record<string, number>} byStatus @param {number[]} durations @param {number[]} overheads */
    update(done, byStatus, durations, overheads) {
      const statuses = Object.entries(byStatus)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ');
      const text = `  invocations ${String(done).padStart(String(total).length)}/${total} (${statuses}) · runtime p50 ${fmtMs(median(durations))} · extension after runtime p50 ${fmtMs(median(overheads))}`;
      if (tty) {
        const now = Date.now();
        if (done === total || now - lastDraw >= 100) {
          lastDraw = now;
          process.stdout.write(`\r${text}\u001b[K${done === total ? '\n' : ''}`);
        }
        return;
      }
      const quarter = Math.floor((done * 4) / total);
      if (quarter > lastQuarter || done === total) {
        lastQuarter = quarter;
        console.log(text);
      }
    },
  };
}

/**
 * What must be stopped when the run ends early (an error, Ctrl-C): the sandbox's processes are
 * process-group leaders of their own, so a Ctrl-C at the terminal does not reach them.
 * @type {{ sandbox?: import('@data-taps/lambda-sandbox').LambdaSandbox, tap?: import('@data-taps/local-tap').LocalTap }}
 */
const running = {};

/**
 * What the first invocation's figures mean, from the sandbox's own measurement of it.
 * @param {import('@data-taps/lambda-sandbox').InvokeResult} first
 * @param {number} initMs
 */
function explainFirstInvocation(first, initMs) {
  const after = first.postRuntimeExtensionsDurationMs;
  console.log(
    [
      '',
      "Reading the first row (an environment's first invocation):",
      `  durationMs ${first.durationMs.toFixed(2)} is the handler alone; a first invocation is slower than the next ones`,
      '  because Node.js compiles the code paths it runs for the first time.',
      `  billedDurationMs ${first.billedDurationMs} is durationMs plus the time extensions worked after the runtime answered`,
      `  (${after.toFixed(2)} ms here), rounded up to the millisecond. At its defaults the extension never waits for the`,
      '  tap: it calls `next` as soon as an INVOKE arrives (under a millisecond, which shows only beside handlers',
      "  shorter than that) and ships an invocation's records beside a later invocation's handler, or in the",
      '  SHUTDOWN drain. DATA_TAPS_FLUSH_STRATEGY=end or adaptive trade billed milliseconds for fresher data',
      '  (apps/extension/README.md, "When records leave").',
      `  initDurationMs is the Init phase (${initMs.toFixed(1)} ms in this sandbox: the extension, the runtime and the`,
      "  handler's module starting), billed for on-demand functions since 1 August 2025.",
    ].join('\n'),
  );
}

async function stopEverything() {
  await running.sandbox?.kill().catch(() => {});
  await running.tap?.stop().catch(() => {});
}

async function main() {
  const options = parseOptions();
  if (!existsSync(options.layer)) {
    fail(
      `the extension layer ${shown(options.layer)} is missing.\n` +
        'Build it first: `pnpm build` at the repository root (or run `pnpm demo`, which builds everything, then runs this).',
    );
  }
  prepareOutDir(options.out);
  const tapDir = join(options.out, 'tap');
  const spoolDir = join(options.out, 'spool');
  const token = randomBytes(24).toString('base64url');
  const started = Date.now();

  console.log(
    'Data Taps demo: the extension layer in a local Lambda sandbox, shipping to a local Data Tap\n',
  );
  const tap = createLocalTap(
    { outDir: tapDir, token, thresholdMs: 60_000 },
    // The fault: answer the first request 200 as usual, but store nothing of it.
    options.loseFirstRequest ? { faults: ({ n }) => (n === 1 ? { store: false } : undefined) } : {},
  );
  running.tap = tap;
  const { url } = await tap.start();
  console.log(`  local Data Tap     ${url} (a random token for this run, not shown)`);
  console.log(`  Parquet goes to    ${shown(tapDir)}`);
  console.log(`  layer              ${shown(options.layer)}`);
  console.log(`  function           function/index.mjs (${options.logFormat} log format)`);
  if (options.loseFirstRequest) {
    console.log(
      '  fault              the tap drops its first request after answering 200 (--lose-first-request)',
    );
  }
  console.log('');

  const sandbox = createLambdaSandbox({
    layer: options.layer,
    handler: 'index.handler',
    functionDir: join(appDir, 'function'),
    functionName: FUNCTION_NAME,
    logFormat: options.logFormat,
    env: {
      BD_TAP_CLIENT_TOKEN: token,
      BD_DATA_TAP_URL: url,
      RECEIVER_PORT: '0',
      DATA_TAPS_SPOOL_DIR: spoolDir,
    },
    hostEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: process.env['TMPDIR'] },
  });

  running.sandbox = sandbox;
  let environmentFailed = false;
  /** @type {import('@data-taps/lambda-sandbox').InvokeResult | undefined} */
  let firstInvocation;
  let shutdownReason = /** @type {'spindown' | 'failure'} */ ('spindown');
  const init = await sandbox.init();
  const extensionNames = init.extensions.map((e) => e.name).join(', ') || 'none';
  console.log(`  Init ${init.status} in ${fmtMs(init.durationMs)}; extensions: ${extensionNames}`);
  if (init.status !== 'success') {
    environmentFailed = true;
    shutdownReason = 'failure';
    console.log(`  Init failed (${init.errorType ?? 'unknown error'}): no invocation runs`);
  } else {
    const progress = createProgress(options.invocations);
    /** @type {Record<string, number>} */
    const byStatus = {};
    /** @type {number[]} */
    const durations = [];
    /** @type {number[]} */
    const overheads = [];
    for (let i = 0; i < options.invocations; i++) {
      const result = await sandbox.invoke(eventFor(i, options.invocations));
      firstInvocation ??= result;
      byStatus[result.status] = (byStatus[result.status] ?? 0) + 1;
      durations.push(result.durationMs);
      overheads.push(result.postRuntimeExtensionsDurationMs);
      progress.update(i + 1, byStatus, durations, overheads);
      if (result.status === 'timeout' || result.status === 'failure') {
        environmentFailed = true;
        shutdownReason = 'failure';
        console.log(
          `\n  invocation ${i + 1} ended with ${result.status} (${result.error?.errorType ?? ''}): stopping`,
        );
        break;
      }
    }
  }
  const shutdown = await sandbox.shutdown(shutdownReason);
  const outcomes = shutdown.extensions.map(
    (e) => `${e.name} ${e.outcome}${e.code === null ? '' : ` (code ${e.code})`}`,
  );
  console.log(
    `  Shutdown (${shutdown.reason}) in ${fmtMs(shutdown.durationMs)}: ${outcomes.join(', ') || 'no extension'}`,
  );
  if (shutdown.killed.length > 0) console.log(`  ended with SIGKILL: ${shutdown.killed.join(', ')}`);
  await tap.stop();
  const stats = tap.stats();
  console.log(
    `  local Data Tap stopped: ${stats.accepted} requests accepted (${stats.acceptedLines} lines), ` +
      `${Object.values(stats.rejected).reduce((a, b) => a + b, 0)} rejected, ${stats.rows} rows written\n`,
  );

  // What landed: files per partition.
  const files = parquetFiles(tapDir);
  console.log(`Parquet files (${files.length}), by partition:`);
  for (const file of files) {
    const [row] = await tap.query(`SELECT count(*) AS n FROM read_parquet(${sqlString(file)})`);
    console.log(`  ${relative(tapDir, file)}  ${row?.['n']} rows`);
  }
  if (files.length === 0) console.log('  (none)');

  const glob = join(tapDir, '**', '*.parquet');
  const from = `read_parquet(${sqlString(glob)}, hive_partitioning=true, union_by_name=true)`;
  /** @type {LandedRow[]} */
  const rows = files.length === 0 ? [] : await tap.query(`SELECT id, type, record FROM ${from}`);

  // Compare record by record with what the sandbox emitted.
  const emitted = sandbox
    .emitted()
    .filter((r) => r.subscriber === undefined || r.subscriber === EXTENSION_NAME);
  /** @type {Map<string, { emitted: number, expected: number, landed: number, own: number }>} */
  const byType = new Map();
  const count = (/** @type {string} */ type) => {
    let entry = byType.get(type);
    if (!entry) {
      entry = { emitted: 0, expected: 0, landed: 0, own: 0 };
      byType.set(type, entry);
    }
    return entry;
  };
  /** @type {Map<string, Emitted[]>} */
  const expected = new Map();
  for (const record of emitted) {
    const entry = count(record.type);
    entry.emitted += 1;
    if (isOwnLogLine(record)) {
      entry.own += 1;
      continue;
    }
    entry.expected += 1;
    const key = keyOf(record.type, recordText(record.record));
    const list = expected.get(key) ?? [];
    list.push(record);
    expected.set(key, list);
  }
  const seenIds = new Set();
  let duplicates = 0;
  /** @type {LandedRow[]} */
  const extra = [];
  let ours = 0;
  for (const row of rows) {
    if (seenIds.has(row.id)) {
      duplicates += 1;
      continue;
    }
    seenIds.add(row.id);
    count(row.type).landed += 1;
    if (row.type.startsWith('dataTaps.')) {
      ours += 1;
      continue;
    }
    const list = expected.get(keyOf(row.type, row.record));
    if (list && list.length > 0) list.shift();
    else extra.push(row);
  }
  const missing = [...expected.values()].flat().sort((a, b) => a.seq - b.seq);

  console.log('\nRecords by type: emitted by the sandbox vs landed in Parquet');
  const typeRows = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, c]) => ({
      type,
      emitted: type.startsWith('dataTaps.') ? '-' : c.emitted,
      'to ship': type.startsWith('dataTaps.') ? '-' : c.expected,
      landed: c.landed,
      note: type.startsWith('dataTaps.')
        ? "the extension's own counters"
        : c.own > 0
          ? `${c.own} of the extension's own log lines, kept out by design`
          : c.landed === c.expected
            ? ''
            : 'MISMATCH',
    }));
  printTable(typeRows, 80);
  const toShip = emitted.length - [...byType.values()].reduce((a, c) => a + c.own, 0);
  const everything = missing.length === 0 && extra.length === 0;
  console.log('');
  if (everything) {
    console.log(
      `Everything arrived: all ${toShip} records the extension had to ship are in Parquet, each once, ` +
        `and nothing else besides ${ours} dataTaps.* record(s) of its own.`,
    );
  } else {
    if (missing.length > 0) {
      console.log(
        `LOST: ${missing.length} of ${toShip} records emitted by the sandbox are not in Parquet. First ones:`,
      );
      for (const record of missing.slice(0, 5)) {
        console.log(
          `  #${record.seq} ${record.type} ${recordText(record.record).slice(0, 120).replaceAll('\n', '\\n')}`,
        );
      }
    }
    if (extra.length > 0) {
      console.log(`EXTRA: ${extra.length} rows match no emitted record. First ones:`);
      for (const row of extra.slice(0, 5))
        console.log(`  ${row.type} ${row.record.slice(0, 120).replaceAll('\n', '\\n')}`);
    }
  }
  if (duplicates > 0) {
    console.log(
      `(${duplicates} duplicate row(s) with an id seen before: a retried request; remove them by id)`,
    );
  }

  if (rows.length > 0) {
    console.log('\nplatform.report, summed up by DuckDB:');
    printTable(
      await tap.query(
        `SELECT count(*) AS invocations, round(avg(durationMs), 2) AS "avg durationMs", ` +
          `round(quantile_cont(durationMs, 0.95), 2) AS "p95 durationMs", max(maxMemoryUsedMB) AS "max memory MB", ` +
          `count(*) FILTER (WHERE status <> 'success') AS failed FROM ${from} WHERE type = 'platform.report'`,
      ),
    );
    console.log('\nThe first platform.report rows:');
    printTable(
      await tap.query(
        `SELECT requestId, status, durationMs, billedDurationMs, maxMemoryUsedMB, initDurationMs FROM ${from} ` +
          `WHERE type = 'platform.report' ORDER BY time LIMIT 4`,
      ),
    );
    if (firstInvocation) explainFirstInvocation(firstInvocation, init.durationMs);
    console.log('\nFunction log lines of the Init phase and of the first two invocations:');
    printTable(
      await tap.query(
        `WITH firstTwo AS (SELECT requestId FROM ${from} WHERE type = 'platform.start' ORDER BY time LIMIT 2) ` +
          `SELECT level, requestId, message FROM ${from} WHERE type = 'function' ` +
          'AND (requestId IS NULL OR requestId IN (SELECT requestId FROM firstTwo)) ORDER BY time',
      ),
      60,
    );
    console.log('\nThe failed invocation, its report and its log lines (joined by requestId):');
    printTable(
      await tap.query(
        `SELECT type, level, status, message FROM ${from} WHERE requestId IN ` +
          `(SELECT requestId FROM ${from} WHERE type = 'platform.report' AND status <> 'success' LIMIT 1) ` +
          `AND type IN ('function', 'platform.report') ORDER BY time`,
      ),
      60,
    );
  }

  console.log('\nQuery the files yourself:');
  console.log(
    `  duckdb -c "SELECT type, count(*) AS n FROM read_parquet('${glob}', hive_partitioning=true, union_by_name=true) GROUP BY type ORDER BY n DESC"`,
  );
  console.log(
    "  or in Node, from apps/demo (where @data-taps/local-tap resolves), with the local tap's query API:",
  );
  console.log(`    import { createLocalTap } from '@data-taps/local-tap';`);
  console.log(`    const tap = createLocalTap({ outDir: '${tapDir}' });`);
  console.log(
    `    console.log(await tap.query("SELECT level, requestId, message FROM read_parquet('${glob}', hive_partitioning=true, union_by_name=true) WHERE type = 'function' LIMIT 10"));`,
  );
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

  if (environmentFailed) {
    fail('the Lambda environment failed (see above)');
  }
  if (!everything) fail(`${missing.length} record(s) lost, ${extra.length} unexpected row(s)`);
}

process.once('SIGINT', () => {
  process.stderr.write('\ndemo: interrupted, stopping the sandbox and the tap\n');
  stopEverything().finally(() => process.exit(130));
});

main().catch(async (error) => {
  await stopEverything();
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
});
