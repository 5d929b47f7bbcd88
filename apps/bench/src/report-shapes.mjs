// @ts-check
// The report's sections for the shapes users have: sparse invocations, the first invocation of
// fresh environments, the 128 MB burst. Figures first (exported for the tests), then markdown.
import { formatDelivery, unaccounted } from './accounting.mjs';
import { quantile } from './stats.mjs';
import { formatNumber } from './svg-chart.mjs';

const n = formatNumber;
const mib = (/** @type {number} */ kb) => kb / 1024;
const sum = (/** @type {readonly number[]} */ values) => values.reduce((a, b) => a + b, 0);

/**
 * @typedef {Awaited<ReturnType<typeof import('./sparse.mjs').runSparse>>} SparseResults
 * @typedef {Awaited<ReturnType<typeof import('./first-invocation.mjs').runFirstInvocations>>} FirstInvocationResults
 * @typedef {import('./burst.mjs').BurstRun} BurstRun
 * @typedef {{ noop: BurstRun, healthy: BurstRun, tapDown: BurstRun }} BurstResults
 */

/**
 * Billed ms of one sparse environment: the first invocation apart, the median of the others, the
 * total; and the same for post-runtime ms.
 *
 * @example
 * ```js
 * sparseFigures(results.sparse.dataTaps).billed.medianRest;
 * ```
 * @param {{ invocations: readonly { billedMs: number, postRuntimeMs: number }[] }} run
 */
export function sparseFigures(run) {
  const of = (/** @type {number[]} */ values) => ({
    first: values[0] ?? Number.NaN,
    medianRest: quantile(values.slice(1), 0.5),
    total: sum(values),
  });
  return {
    billed: of(run.invocations.map((i) => i.billedMs)),
    postRuntime: of(run.invocations.map((i) => i.postRuntimeMs)),
  };
}

/**
 * Median, min and max of a series.
 * @param {readonly number[]} values
 */
const spread = (values) => {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: quantile(finite, 0.5),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
  };
};
const range = (/** @type {{ median: number, min: number, max: number }} */ f) =>
  `${n(f.median)} (${n(f.min)}–${n(f.max)})`;

/**
 * The figures of one kind of first-invocation environment, over its rounds.
 *
 * @example
 * ```js
 * firstInvocationFigures(results.firstInvocation.failing).firstPostRuntime.median;
 * ```
 * @param {readonly import('./first-invocation.mjs').FirstInvocationRun[]} runs
 */
export function firstInvocationFigures(runs) {
  const total = (/** @type {keyof import('./first-invocation.mjs').FirstInvocationRun} */ key) =>
    sum(runs.map((r) => Number(r[key])));
  return {
    environments: runs.length,
    firstPostRuntime: spread(runs.map((r) => r.firstPostRuntimeMs)),
    firstBilled: spread(runs.map((r) => r.firstBilledMs)),
    secondPostRuntime: spread(runs.map((r) => r.secondPostRuntimeMs)),
    shutdown: spread(runs.map((r) => r.shutdownMs)),
    emitted: total('emitted'),
    inTap: total('inTap'),
    lambdaDropped: total('lambdaDropped'),
    extensionDropped: total('extensionDropped'),
    spooled: total('spooledFunctionRecords'),
    unaccounted: sum(
      runs.map((r) =>
        unaccounted({
          emitted: r.emitted,
          inTap: r.inTap,
          lambdaDropped: r.lambdaDropped,
          extensionDropped: r.extensionDropped,
          spooled: r.spooledFunctionRecords,
        }),
      ),
    ),
  };
}

/**
 * Unaccounted function records of one burst run.
 *
 * @example
 * ```js
 * burstUnaccounted(results.burst.tapDown); // 0 when every record is in the tap, dropped and counted, or spooled
 * ```
 * @param {BurstRun} run
 */
export function burstUnaccounted(run) {
  return unaccounted({
    emitted: run.emitted,
    inTap: run.inTap,
    lambdaDropped: run.lambdaDropped,
    extensionDropped: run.extensionDropped,
    spooled: run.spooledFunctionRecords,
  });
}

/**
 * The markdown of the three sections, each followed by `stamp` (machine and command).
 *
 * @example
 * ```js
 * out.push(...renderShapeSections(report, stamp));
 * ```
 * @param {{ sparse: SparseResults, firstInvocation: FirstInvocationResults, burst: BurstResults, mode: string }} r
 * @param {string} stamp
 * @returns {string[]} lines
 */
export function renderShapeSections(r, stamp) {
  return [
    ...renderSparse(r.sparse, r.mode, stamp),
    ...renderFirst(r.firstInvocation, stamp),
    ...renderBurst(r.burst, stamp),
  ];
}

/**
 * @param {SparseResults} s
 * @param {string} mode
 * @param {string} stamp
 */
function renderSparse(s, mode, stamp) {
  const dt = s.dataTaps;
  const out = [
    '## Sparse invocations',
    '',
    `${s.count} invocations ${n(s.periodMs / 1000)} s apart${mode === 'quick' ? ' (quick mode; the full run spaces them 15 s apart)' : ''} in each of three`,
    'environments alive side by side: the extension at its defaults (only `RECEIVER_PORT=0`, a spool',
    'folder, the tap URL and token are set), the no-op extension, and no extension. Their invocations are',
    'interleaved a third of the period apart, so that no two run at once; each writes',
    `${s.linesPerInvocation} lines of ${s.lineBytes} B. Billed ms is the \`billedDurationMs\` of the sandbox's \`platform.report\``,
    '(duration plus post-runtime time, rounded up), post-runtime ms in brackets. Each environment is shut',
    "down one period after its last invocation. The last column: the invocation's function records found",
    'in the tap and when they arrived (*#n*: beside invocation n; *SHUTDOWN*: in the Shutdown phase), from',
    'the second the tap stored them in.',
    '',
    '| Invocation | No extension (baseline): billed ms | No-op extension (baseline): billed ms (post-runtime) | **data-taps**: billed ms (post-runtime) | data-taps: its function records in the tap |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  dt.invocations.forEach((inv, i) => {
    const noop = s.noop.invocations[i];
    const empty = s.empty.invocations[i];
    out.push(
      `| ${i + 1}${i === 0 ? ' (first)' : ''} | ${n(empty?.billedMs ?? Number.NaN)} | ${n(noop?.billedMs ?? Number.NaN)} (${n(noop?.postRuntimeMs ?? Number.NaN)}) | ${n(inv.billedMs)} (${n(inv.postRuntimeMs)}) | ${formatDelivery(dt.delivery[i] ?? [])} |`,
    );
  });
  const fe = sparseFigures(s.empty);
  const fn = sparseFigures(s.noop);
  const fd = sparseFigures(dt);
  out.push(
    `| median of 2–${s.count} | ${n(fe.billed.medianRest)} | ${n(fn.billed.medianRest)} (${n(fn.postRuntime.medianRest)}) | **${n(fd.billed.medianRest)}** (${n(fd.postRuntime.medianRest)}) | |`,
    `| total | ${n(fe.billed.total)} | ${n(fn.billed.total)} (${n(fn.postRuntime.total)}) | **${n(fd.billed.total)}** (${n(fd.postRuntime.total)}) | ${dt.delivered.distinct} / ${dt.emitted} |`,
    '',
    `Function records of the data-taps environment: ${dt.emitted} emitted, ${dt.delivered.distinct} in the tap, ${dt.lambdaDropped} dropped by Lambda, ` +
      `${dt.spooledFunctionRecords} left in the spool, ${unaccounted({ emitted: dt.emitted, inTap: dt.delivered.distinct, lambdaDropped: dt.lambdaDropped, extensionDropped: 0, spooled: dt.spooledFunctionRecords })} unaccounted` +
      `${dt.unmatched > 0 ? ` (${dt.unmatched} in the tap without a request id of this run)` : ''}.`,
    '',
    stamp,
    '',
  );
  return out;
}

/**
 * @param {FirstInvocationResults} f
 * @param {string} stamp
 */
function renderFirst(f, stamp) {
  const out = [
    '## First invocation',
    '',
    `${f.rounds} rounds; in each, three fresh environments one after another: Init, a first invocation, a`,
    `second one 200 ms later (${f.linesPerInvocation} lines of ${f.lineBytes} B each), SHUTDOWN. The failing tap answers the first four requests of`,
    'each environment 500, 500, 503, then 429 with `Retry-After: 1`, then as usual. Median (min–max) over',
    "the environments; billed ms is the `billedDurationMs` of the first invocation's `platform.report`. Records",
    'are summed over the environments: *dropped by Lambda* counts records of every type',
    '(`platform.logsDropped`), *dropped by the extension* the `dropped` total of its last log line.',
    '',
    '| Extension | Tap | Environments | First invocation: post-runtime ms | First invocation: billed ms | Second invocation: post-runtime ms | Shutdown ms | Function records emitted | In the tap | Dropped by Lambda | Dropped by the extension | Spooled | Unaccounted |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  /** @type {[string, string, readonly import('./first-invocation.mjs').FirstInvocationRun[], boolean][]} */
  const rows = [
    ['no-op (baseline)', '–', f.noop, false],
    ['**data-taps**', 'healthy', f.healthy, true],
    ['**data-taps**', '500, 500, 503, 429 (Retry-After: 1)', f.failing, true],
  ];
  for (const [ext, tap, runs, ships] of rows) {
    const x = firstInvocationFigures(runs);
    const records = ships
      ? `${x.emitted} | ${x.inTap} | ${x.lambdaDropped} | ${x.extensionDropped} | ${x.spooled} | ${x.unaccounted}`
      : `${x.emitted} | – | – | – | – | –`;
    out.push(
      `| ${ext} | ${tap} | ${x.environments} | **${range(x.firstPostRuntime)}** | ${range(x.firstBilled)} | ${range(x.secondPostRuntime)} | ${range(x.shutdown)} | ${records} |`,
    );
  }
  out.push('', stamp, '');
  return out;
}

/**
 * @param {BurstResults} b
 * @param {string} stamp
 */
function renderBurst(b, stamp) {
  const out = [
    '## 128 MB burst',
    '',
    'A 128 MB function (`memorySizeMb: 128`, so `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128`): 10 back-to-back',
    'invocations of 5,000 lines of 200 B each (1 MB of log per invocation), then SHUTDOWN; the tap healthy,',
    'or down (every request answered 503). Peak RSS is VmHWM of each process (read every 5 ms until it',
    "exits); the sandbox's `maxMemoryUsedMB` is the highest sum of every process's peak. *Out of memory*:",
    'whether the sandbox ended an invocation with `Runtime.OutOfMemory` (it enforces `memorySizeMb` over',
    'the resident memory of all processes together, as Lambda does); the run stops there. Dropped by',
    'Lambda counts records of every type (`platform.logsDropped`); dropped by the extension is the',
    '`dropped` total of its last log line (else its `dataTaps.dropped` reports in the tap).',
    '',
    '| Extension | Tap | Invocations | Extension peak RSS | Runtime peak RSS | Sandbox maxMemoryUsedMB | Out of memory | Max post-runtime ms | Function records emitted | In the tap | Dropped by Lambda | Dropped by the extension | Spooled | Unaccounted |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  /** @type {[string, string, BurstRun, boolean][]} */
  const rows = [
    ['no-op (baseline)', '–', b.noop, false],
    ['**data-taps**', 'healthy', b.healthy, true],
    ['**data-taps**', 'down (503)', b.tapDown, true],
  ];
  for (const [ext, tap, r, ships] of rows) {
    const oom = r.outOfMemory
      ? `**yes** (${r.statuses.join('; ')})`
      : r.statuses.length
        ? `no (${r.statuses.join('; ')})`
        : 'no';
    const records = ships
      ? `${r.emitted} | ${r.inTap} | ${r.lambdaDropped} | ${r.extensionDropped} | ${r.spooledFunctionRecords} | ${burstUnaccounted(r)}`
      : `${r.emitted} | – | ${r.lambdaDropped} | – | – | –`;
    out.push(
      `| ${ext} | ${tap} | ${r.invocations} | ${ships ? '**' : ''}${n(mib(r.extensionPeakRssKb))} MiB${ships ? '**' : ''} | ${n(mib(r.runtimePeakRssKb))} MiB | ${r.maxMemoryUsedMB} | ${oom} | ${n(r.postRuntimeMsMax)} | ${records} |`,
    );
  }
  const over = (/** @type {BurstRun} */ run) => n(mib(run.extensionPeakRssKb - b.noop.extensionPeakRssKb));
  out.push(
    '',
    `Extension peak RSS over the no-op extension's: ${over(b.healthy)} MiB with the tap healthy, ${over(b.tapDown)} MiB with the tap down.`,
    '',
    stamp,
    '',
  );
  return out;
}
