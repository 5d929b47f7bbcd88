// @ts-check
// The TIMEOUT_MS study's markdown: one table per question, the machine and the command under each.
import { quantile, summarize } from './stats.mjs';
import { formatNumber } from './svg-chart.mjs';

const n = formatNumber;

/**
 * @typedef {Awaited<ReturnType<typeof import('./run-timeout-study.mjs').runTimeoutStudy>>} StudyResults
 * @typedef {{ cpus: number, model: string, node: string, os: string, memoryGb: number, loadBefore: string, loadAfter: string }} Machine
 * @typedef {StudyResults & { machine: Machine, command: string, mode: string }} StudyReport
 */

/** Lambda's Shutdown phase with external extensions, ms. */
export const SHUTDOWN_BUDGET_MS = 2000;

/**
 * Median, min and max of a series (NaN figures when empty; NaN values are left out).
 * @param {readonly number[]} values
 */
function spread(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: quantile(finite, 0.5),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    missing: values.length - finite.length,
  };
}
const range = (/** @type {ReturnType<typeof spread>} */ f) =>
  `${n(f.median)}${f.min === f.max ? '' : ` (${n(f.min)}–${n(f.max)})`}${f.missing ? `, ${f.missing} never` : ''}`;
/** A count or a setting: a whole number with thousands separators. */
const int = (/** @type {number} */ v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');

/**
 * The drain figures of one timeout over its rounds, with the verdict: every round's extension
 * exited on its own within the 2 s budget with the last report and every function record in the
 * tap (or left in the spool, or dropped by Lambda).
 *
 * @example
 * ```js
 * drainFigures(results.drain.filter((d) => d.timeoutMs === 25)).withinBudget; // 3 (of 3 rounds)
 * ```
 * @param {readonly import('./timeout-runs.mjs').DrainRun[]} runs
 */
export function drainFigures(runs) {
  const complete = (/** @type {import('./timeout-runs.mjs').DrainRun} */ r) =>
    r.outcome === 'exited' &&
    r.extensionExitMs <= SHUTDOWN_BUDGET_MS &&
    r.reportInTap &&
    r.inTap + r.spooledFunctionRecords + r.lambdaDropped >= r.emitted;
  return {
    rounds: runs.length,
    backlog: spread(runs.map((r) => r.backlogLines)),
    requests: spread(runs.map((r) => r.requestsDuringShutdown)),
    runtimeExit: spread(runs.map((r) => r.runtimeExitMs)),
    reportAtExtension: spread(runs.map((r) => r.reportAtExtensionMs)),
    lastTapRequest: spread(runs.map((r) => r.lastTapRequestMs)),
    extensionExit: spread(runs.map((r) => r.extensionExitMs)),
    outcomes: [...new Set(runs.map((r) => r.outcome))].join(', '),
    reportsInTap: runs.filter((r) => r.reportInTap).length,
    emitted: runs.reduce((a, r) => a + r.emitted, 0),
    inTap: runs.reduce((a, r) => a + r.inTap, 0),
    spooled: runs.reduce((a, r) => a + r.spooledFunctionRecords, 0),
    lambdaDropped: runs.reduce((a, r) => a + r.lambdaDropped, 0),
    withinBudget: runs.filter(complete).length,
  };
}

/**
 * Post-runtime figures of one end-flush run: the first invocation apart, then median, p99, max,
 * and the median billed ms.
 *
 * @example
 * ```js
 * endFlushFigures({ postRuntimeMs: [30, 26, 27], billedMs: [33, 29, 30] }).median; // 26
 * ```
 * @param {{ postRuntimeMs: readonly number[], billedMs: readonly number[] }} run
 */
export function endFlushFigures(run) {
  return {
    first: run.postRuntimeMs[0] ?? Number.NaN,
    ...summarize(run.postRuntimeMs.slice(1)),
    billedMedian: quantile(run.billedMs.slice(1), 0.5),
  };
}

/**
 * The study's markdown.
 *
 * @example
 * ```js
 * writeFileSync('docs/timeout-study.md', renderTimeoutStudy(report));
 * ```
 * @param {StudyReport} r
 * @returns {string}
 */
export function renderTimeoutStudy(r) {
  const m = r.machine;
  const machineLine = `${m.cpus} CPUs (${m.model}), ${m.memoryGb} GB RAM, ${m.os}, node ${m.node}; load average ${m.loadBefore} before, ${m.loadAfter} after (other work shares this machine)`;
  const stamp = `Machine: ${machineLine}. Command: \`${r.command}\` (${r.mode} mode), ${r.finishedAt.slice(0, 16).replace('T', ' ')} UTC.`;
  const p = r.plan;
  const out = [
    '# TIMEOUT_MS study',
    '',
    `Written by \`${r.command}\` on ${r.finishedAt.slice(0, 10)} in ${n(r.elapsedS / 60)} min (${r.mode} mode). Do not edit: rerun it.`,
    '',
    '`TIMEOUT_MS` is the Telemetry API buffering `timeoutMs` the extension subscribes with: how long Lambda',
    `may hold a batch of records before it POSTs it to the extension's listener. Compared: ${r.timeouts.map((t) => `${int(t)} ms`).join(', ')}.`,
    'The built layer (`apps/extension/dist/extension.zip`) runs at its defaults except `TIMEOUT_MS` (and',
    '`DATA_TAPS_FLUSH_STRATEGY=end` in the last table), in the local Lambda sandbox against the local Data Tap,',
    "as in `pnpm bench` ([benchmarks.md](benchmarks.md)). The figures follow the sandbox's model of the",
    'Telemetry API: a batch is sent when it is full or its oldest record waited `timeoutMs` (time frozen',
    'included), one POST in flight per subscriber; Lambda itself may differ.',
    '',
    '## SHUTDOWN drain',
    '',
    `${p.drain.invocations} back-to-back invocations of ${int(p.drain.lines)} lines of 100 B (the backlog), the tap answering every`,
    `request ${p.drain.tapDelayMs} ms late (local-tap \`delayMs\`, after storing the body), then SHUTDOWN at once. Times run from`,
    "the start of the Shutdown phase (Lambda's 2,000 ms budget with external extensions, the runtime's",
    'share of up to 300 ms included; extensions get SHUTDOWN once the runtime has exited): *report at the',
    "extension* is when the extension's listener acknowledged the batch holding the last invocation's",
    "`platform.report` (the sandbox's delivery count, polled every millisecond); *last tap request* when the",
    'last request reached the tap (its answer comes 100 ms later). *Backlog* counts the NDJSON lines the tap',
    `stored during the Shutdown phase (every record type). Median (min–max) over ${p.drainRounds} round(s), the timeouts interleaved;`,
    'records summed over the rounds (*dropped by Lambda*: `platform.logsDropped`, every record type, while the',
    'backlog was produced). *Within 2 s*: rounds whose extension exited on its own by 2,000 ms with the last',
    'report and every function record in the tap (or in the spool, or dropped by Lambda).',
    '',
    '| TIMEOUT_MS | Backlog lines | Requests | Runtime exit ms | Report at the extension ms | Last tap request ms | Extension exit ms | Outcome | Last report in the tap | Function records emitted | In the tap | Dropped by Lambda | Spooled | Within 2 s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of r.timeouts) {
    const f = drainFigures(r.drain.filter((d) => d.timeoutMs === t));
    out.push(
      `| ${int(t)} | ${int(f.backlog.median)} | ${int(f.requests.median)} | ${range(f.runtimeExit)} | **${range(f.reportAtExtension)}** | ${range(f.lastTapRequest)} | **${range(f.extensionExit)}** | ${f.outcomes} | ${f.reportsInTap} / ${f.rounds} | ${f.emitted} | ${f.inTap} | ${f.lambdaDropped} | ${f.spooled} | **${f.withinBudget} / ${f.rounds}** |`,
    );
  }
  out.push(
    '',
    stamp,
    '',
    `## POSTs to the listener at ${p.posts.rate} invocations/s`,
    '',
    `${int(p.posts.count)} invocations started ${n(1000 / p.posts.rate)} ms apart, ${p.posts.lines} lines of 100 B each, a healthy tap. *POSTs per second*:`,
    "the batches the sandbox POSTed to the extension's listener (acknowledged or not) over the load, from the",
    "sandbox's subscriber counts; *extension CPU* is utime + stime of the extension process (`/proc/<pid>/stat`)",
    'per second of load; post-runtime figures over every invocation.',
    '',
    '| TIMEOUT_MS | Invocations (achieved rate) | POSTs per second | Records per POST | Extension CPU ms per s | Post-runtime median / p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const run of r.posts) {
    const s = summarize(run.postRuntimeMs);
    out.push(
      `| ${int(run.timeoutMs)} | ${int(run.postRuntimeMs.length)} (${n(run.achievedRate)}/s) | **${n(run.postsPerS)}** | ${n(run.recordsPerPost)} | ${n(run.extensionCpuMsPerS)} | ${n(s.median)} / ${n(s.p99)} |`,
    );
  }
  out.push(
    '',
    stamp,
    '',
    '## The `end` flush strategy (opt-in freshness)',
    '',
    `With \`DATA_TAPS_FLUSH_STRATEGY=end\` each invocation waits for its own records (its \`platform.runtimeDone\`, which`,
    'Lambda sends after the runtime is done, held up to `timeoutMs`) and sends them before calling `next`: that',
    `time is post-runtime time, billed. ${p.endFlush.count} invocations ${p.endFlush.gapMs} ms apart, ${p.endFlush.lines} lines of 100 B each, a healthy tap,`,
    'beside the no-op extension at the same pace. The first invocation apart; median, p99 (nearest rank) and',
    'max over the others.',
    '',
    '| Extension | TIMEOUT_MS | Invocations | First invocation ms | Median ms | p99 ms | Max ms | Median billed ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const run of r.endFlush) {
    const f = endFlushFigures(run);
    const who = run.timeoutMs === 0 ? 'no-op (baseline)' : 'data-taps, `end`';
    out.push(
      `| ${who} | ${run.timeoutMs === 0 ? '–' : int(run.timeoutMs)} | ${run.postRuntimeMs.length} | ${n(f.first)} | **${n(f.median)}** | ${n(f.p99)} | ${n(f.max)} | ${n(f.billedMedian)} |`,
    );
  }
  out.push('', stamp, '');
  return out.join('\n');
}
