// @ts-check
// Turns the benchmark's raw figures into docs/benchmarks.md (a table per section) and
// docs/benchmarks.svg (the chart).
import { renderShapeSections, sparseFigures } from './report-shapes.mjs';
import { quantile, summarize } from './stats.mjs';
import { formatNumber, renderBarChart } from './svg-chart.mjs';

/**
 * @typedef {Awaited<ReturnType<typeof import('./run-benchmark.mjs').runBenchmark>>} BenchResults
 * @typedef {{ cpus: number, model: string, node: string, os: string, memoryGb: number, loadBefore: string, loadAfter: string }} Machine
 * @typedef {BenchResults & { machine: Machine, command: string, mode: string }} BenchReport
 */

const MB = 1_000_000;
const n = formatNumber;
const per1000 = (/** @type {number} */ cpu, /** @type {number} */ records) =>
  records > 0 ? (cpu / records) * 1000 : Number.NaN;

/**
 * The figures of one throughput shape.
 * @param {BenchResults['throughput'][number]} t
 */
export function throughputFigures(t) {
  const dt = t.dataTaps;
  const windowS = dt.windowMs / 1000;
  const delivered = dt.delivered.distinct;
  const rawS = t.raw.elapsedMs / 1000;
  return {
    offeredPerS: dt.emitted / (dt.loadMs / 1000),
    deliveredPerS: windowS > 0 ? delivered / windowS : Number.NaN,
    logMBps: windowS > 0 ? (delivered * t.lineBytes) / MB / windowS : Number.NaN,
    wireMBps: windowS > 0 ? dt.tapBytes / MB / windowS : Number.NaN,
    noopPerS: t.noop.emitted / (t.noop.loadMs / 1000),
    noopMBps: (t.noop.emitted * t.lineBytes) / MB / (t.noop.loadMs / 1000),
    rawPerS: t.raw.lines / rawS,
    rawMBps: t.raw.bytes / MB / rawS,
    cpuPer1000: per1000(dt.extensionCpuMs, delivered),
    noopCpuPer1000: per1000(t.noop.extensionCpuMs, t.noop.emitted),
    runtimeCpuPer1000: per1000(dt.runtimeCpuMs, dt.emitted),
    noopRuntimeCpuPer1000: per1000(t.noop.runtimeCpuMs, t.noop.emitted),
    unaccounted: Math.max(
      0,
      dt.emitted - delivered - dt.spooledFunctionRecords - dt.lambdaDropped - (dt.extensionDropped ?? 0),
    ),
  };
}

/**
 * Post-runtime figures of one overhead run: the first invocation apart (the adaptive strategy
 * flushes at its end), median, p99 and max of the others.
 * @param {{ postRuntimeMs: number[] }} run
 */
export function overheadFigures(run) {
  const rest = summarize(run.postRuntimeMs.slice(1));
  return { first: run.postRuntimeMs[0] ?? Number.NaN, ...rest };
}

/**
 * Median and range of one cold-start field.
 * @param {BenchResults['coldStart']} samples
 * @param {keyof BenchResults['coldStart'][number]} key
 */
export function coldFigure(samples, key) {
  const values = samples.map((s) => s[key]).filter((v) => Number.isFinite(v));
  return {
    median: quantile(values, 0.5),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

const range = (/** @type {{ median: number, min: number, max: number }} */ f, unit = ' ms') =>
  `${n(f.median)}${unit} (${n(f.min)}–${n(f.max)})`;
const mib = (/** @type {number} */ kb) => kb / 1024;
/**
 * Records the extension dropped and counted in one throughput run, with their causes.
 * @param {{ extensionDropped?: number, extensionDroppedByCause?: Record<string, number> }} run
 */
const droppedCell = (run) => {
  const causes = Object.entries(run.extensionDroppedByCause ?? {});
  const total = run.extensionDropped ?? 0;
  return causes.length > 0
    ? `${total} (${causes.map(([cause, count]) => `${cause} ${count}`).join(', ')})`
    : `${total}`;
};

/**
 * The markdown report.
 *
 * @example
 * ```js
 * writeFileSync('docs/benchmarks.md', renderMarkdown(report));
 * ```
 * @param {BenchReport} r
 * @returns {string}
 */
export function renderMarkdown(r) {
  const m = r.machine;
  const machineLine = `${m.cpus} CPUs (${m.model}), ${m.memoryGb} GB RAM, ${m.os}, node ${m.node}; load average ${m.loadBefore} before, ${m.loadAfter} after (other work shares this machine)`;
  const stamp = `Machine: ${machineLine}. Command: \`${r.command}\` (${r.mode} mode), ${r.finishedAt.slice(0, 16).replace('T', ' ')} UTC.`;
  const out = [];
  out.push(
    '# Benchmarks',
    '',
    `Written by \`${r.command}\` on ${r.finishedAt.slice(0, 10)} in ${n(r.elapsedS / 60)} min (${r.mode} mode). Do not edit: rerun it.`,
    '',
    `- **Machine**: ${machineLine}.`,
    '- **Setup**: the built layer (`apps/extension/dist/extension.zip`) runs in the local Lambda sandbox',
    '  (`packages/lambda-sandbox`: real extension and runtime processes, Telemetry API, freeze between',
    '  invocations) and ships to the local Data Tap (`packages/local-tap`, loopback HTTP, every body',
    '  fsynced; Parquet conversion only between measurements). The sandbox and the tap share the',
    '  benchmark process, so all of it competes for the same CPUs, as on Lambda where the extension',
    "  shares the function's CPU. The extension runs with its defaults (apps/extension/README.md), except",
    '  `RECEIVER_PORT=0`, a spool folder of its own and the tap URL and token; every section says what it changes.',
    '- **Baselines, measured in the same run**: the no-op extension (`apps/extension/bench/noop-extension.mjs`:',
    '  registers, then only calls `next`, behind a launcher of the same shape), a bare `node` process,',
    '  the sandbox with no extension at all, and raw NDJSON POSTs to the tap.',
    '- **Reproduce**: `pnpm install && pnpm bench` (this file and `benchmarks.svg`, about 9 minutes on',
    '  2 CPUs); `pnpm bench --quick` scales every duration down (about 2 minutes) and writes to a',
    '  temporary folder. `pnpm bench:packages` runs the per-package micro-benchmarks.',
    '',
    '![Benchmark chart: throughput, CPU per 1,000 records, post-runtime time, cold start and memory](benchmarks.svg)',
    '',
  );

  // throughput
  out.push(
    '## Throughput',
    '',
    `Back-to-back invocations for ${n(r.plan.throughputMs / 1000)} s, each writing the same number of log lines of`,
    'one size with `console.log` (the size is the record as the extension receives it: Text format,',
    "Node's prefix and newline included), then SHUTDOWN, during which the extension drains what it holds.",
    "*Delivered* counts the distinct function records (by envelope `id`) found in the tap's Parquet output,",
    'over the time from the first invocation to the last request reaching the tap. *Offered* is the rate',
    'the function produced them at with this extension attached; the no-op row is the same function with',
    'the no-op extension (the rate the function and sandbox reach when nothing is shipped). *Raw tap ingest*',
    'POSTs bodies of the same line and body size straight to the tap, one request at a time. MB = 10^6 bytes;',
    "*log MB/s* counts the function's log bytes, *wire MB/s* the NDJSON the tap received (the envelope",
    'keeps the original line in `record` and its message again in `message`).',
    '',
    '| Lines | Invocations | Offered records/s | Delivered records/s | Log MB/s | Wire MB/s | Baseline: no-op extension, function records/s (MB/s) | Baseline: raw tap ingest records/s (MB/s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const t of r.throughput) {
    const f = throughputFigures(t);
    const stopped = [t.dataTaps.stoppedBy, t.noop.stoppedBy].filter(Boolean).join('; ');
    out.push(
      `| ${t.size}: ${n(t.lineBytes)} B x ${t.linesPerInvocation} per invocation | ${t.dataTaps.invocations}${stopped ? ` (stopped at ${stopped})` : ''} | ${n(f.offeredPerS)} | **${n(f.deliveredPerS)}** | ${n(f.logMBps)} | ${n(f.wireMBps)} | ${n(f.noopPerS)} (${n(f.noopMBps)}) | ${n(f.rawPerS)} (${n(f.rawMBps)}) |`,
    );
  }
  out.push(
    '',
    'CPU time (user + system, from `/proc/<pid>/stat` of each process, 10 ms resolution) over the same runs,',
    'and where every emitted record went:',
    '',
    '| Lines | Extension CPU per 1,000 records | Baseline: no-op extension CPU per 1,000 records | Function runtime CPU per 1,000 records (with data-taps / with no-op) | Extension peak RSS (no-op) | Mean post-runtime ms (no-op) | Emitted | In the tap | Dropped by Lambda (all types) | Dropped by the extension (cause) | Spooled at exit | Unaccounted |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const t of r.throughput) {
    const f = throughputFigures(t);
    const dt = t.dataTaps;
    out.push(
      `| ${t.size} | **${n(f.cpuPer1000)} ms** | ${n(f.noopCpuPer1000)} ms | ${n(f.runtimeCpuPer1000)} / ${n(f.noopRuntimeCpuPer1000)} ms | ${n(mib(dt.peakRssKb))} MiB (${n(mib(t.noop.peakRssKb))} MiB) | ${n(dt.meanPostRuntimeMs)} (${n(t.noop.meanPostRuntimeMs)}) | ${dt.emitted} | ${dt.delivered.distinct} | ${dt.lambdaDropped} | ${droppedCell(dt)} | ${dt.spooledFunctionRecords} | ${f.unaccounted} |`,
    );
  }
  out.push('', stamp, '');

  // overhead
  const o0 = r.overhead[0];
  out.push(
    '## Overhead per invocation',
    '',
    `Invocations started at a fixed rate, each writing ${OVERHEAD_LINES(o0)}; the figure is the sandbox's`,
    "`postRuntimeExtensionsDuration` (from the runtime's answer to the last extension's `next`: billed, and it",
    'delays the next invocation). The first invocation of an environment is shown apart (a flush strategy',
    'that waits for its `platform.runtimeDone` at its end shows there; Lambda holds records up to the',
    'Telemetry API buffering timeout). Median, p99 (nearest rank) and max are over the other invocations.',
    `The slow tap stores each body, then answers ${200} ms later.`,
    '',
    '| Rate (achieved) | Extension | Tap | Invocations | First invocation ms | Median ms | p99 ms | Max ms | Function records in the tap |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const o of r.overhead) {
    const delivered = r.overheadDelivered.find((d) => d.rate === o.rate);
    /** @type {[string, string, typeof o.noop, string][]} */
    const rows = [
      ['no-op (baseline)', '–', o.noop, '–'],
      ['data-taps', 'healthy', o.healthy, `${delivered?.healthy.distinct ?? 'n/a'} / ${o.healthy.emitted}`],
      [
        'data-taps',
        `answers in ${200} ms`,
        o.slow,
        `${delivered?.slow.distinct ?? 'n/a'} / ${o.slow.emitted}`,
      ],
    ];
    for (const [ext, tap, run, inTap] of rows) {
      const f = overheadFigures(run);
      out.push(
        `| ${o.rate}/s (${n(run.achievedRate)}) | ${ext} | ${tap} | ${run.postRuntimeMs.length} | ${n(f.first)} | ${n(f.median)} | **${n(f.p99)}** | ${n(f.max)} | ${inTap} |`,
      );
    }
  }
  out.push('', stamp, '');

  out.push(...renderShapeSections(r, stamp));

  // cold start
  const cs = r.coldStart;
  const peak = Math.max(...r.throughput.map((t) => t.dataTaps.peakRssKb));
  const noopPeak = Math.max(...r.throughput.map((t) => t.noop.peakRssKb));
  out.push(
    '## Cold start and memory',
    '',
    `${cs.length} interleaved rounds; median (min–max). Times run from \`sandbox.init()\` (layer already`,
    'unpacked; the sandbox spawns the extensions within a few ms) to the record the sandbox produces:',
    '`platform.telemetrySubscription` (registered and subscribed), `platform.extension` (first `next`), and',
    'the end of Init (runtime and every extension waiting in `next`). Record times have 1 ms resolution.',
    'Idle RSS is VmRSS right after Init (environment frozen); peak RSS is VmHWM at the end of the',
    'throughput runs (the largest of the two). *CPU to first `next`* is utime + stime of the extension',
    'process (`/proc/<pid>/stat`, 10 ms ticks; the `sh` launcher it was exec-ed from included) in the last',
    'sample taken before its `platform.extension` record: the benchmark polls the process about every',
    'millisecond while Init runs (it finds the process among its children by its working folder, the layer).',
    '',
    '| Process | Spawn to registered and subscribed | Spawn to first `next` | CPU to first `next` | Whole Init | Idle RSS | Peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| bare \`node -e ''\` (baseline) | – | ${range(coldFigure(cs, 'bareNodeMs'))} spawn to exit | – | – | ${range(mibFigure(coldFigure(cs, 'bareIdleRssKb')), ' MiB')} | ${n(mib(coldFigure(cs, 'bareIdleHwmKb').median))} MiB (idle) |`,
    `| sandbox, no extension (baseline) | – | – | – | ${range(coldFigure(cs, 'emptyInitMs'))} | – | – |`,
    `| no-op extension (baseline) | – | ${range(coldFigure(cs, 'noopReadyMs'))} | ${range(coldFigure(cs, 'noopCpuToNextMs'))} | ${range(coldFigure(cs, 'noopInitMs'))} | ${range(mibFigure(coldFigure(cs, 'noopIdleRssKb')), ' MiB')} | ${n(mib(noopPeak))} MiB |`,
    `| **data-taps extension** | **${range(coldFigure(cs, 'subscribedMs'))}** | ${range(coldFigure(cs, 'readyMs'))} | **${range(coldFigure(cs, 'cpuToNextMs'))}** | ${range(coldFigure(cs, 'initMs'))} | **${range(mibFigure(coldFigure(cs, 'idleRssKb')), ' MiB')}** | **${n(mib(peak))} MiB** |`,
    '',
    stamp,
    '',
  );
  return `${out.join('\n')}`;
}

/** @param {{ median: number, min: number, max: number }} f */
function mibFigure(f) {
  return { median: mib(f.median), min: mib(f.min), max: mib(f.max) };
}

/** @param {{ noop: { emitted: number, postRuntimeMs: number[] } } | undefined} o */
function OVERHEAD_LINES(o) {
  const lines =
    o && o.noop.postRuntimeMs.length > 0 ? Math.round(o.noop.emitted / o.noop.postRuntimeMs.length) : 0;
  return `${lines} log lines of 100 B`;
}

/**
 * The chart: throughput, CPU per 1,000 records, post-runtime p99 (median inside), cold start, memory.
 *
 * @example
 * ```js
 * writeFileSync('docs/benchmarks.svg', renderChart(report));
 * ```
 * @param {BenchReport} r
 * @returns {string}
 */
export function renderChart(r) {
  const m = r.machine;
  /** @type {import('./svg-chart.mjs').BarPanel[]} */
  const panels = [];
  for (const t of r.throughput) {
    const f = throughputFigures(t);
    panels.push({
      title: `Throughput, ${t.size} lines (${n(t.lineBytes)} B): function records per second (higher is better)`,
      unit: '/s',
      rows: [
        { label: 'delivered to the tap by data-taps', value: f.deliveredPerS },
        { label: 'function alone (no-op extension)', value: f.noopPerS, series: 'baseline' },
        { label: 'raw tap ingest, same line size', value: f.rawPerS, series: 'raw' },
      ],
    });
  }
  panels.push({
    title: 'Extension CPU per 1,000 function records (lower is better)',
    unit: ' ms',
    rows: r.throughput.flatMap((t) => {
      const f = throughputFigures(t);
      return [
        { label: `${t.size}: data-taps`, value: f.cpuPer1000 },
        {
          label: `${t.size}: no-op extension`,
          value: f.noopCpuPer1000,
          series: /** @type {const} */ ('baseline'),
        },
      ];
    }),
  });
  panels.push({
    title: 'Post-runtime time per invocation, p99 (median inside; first invocation apart)',
    unit: ' ms',
    rows: r.overhead.flatMap((o) => {
      const row = (
        /** @type {string} */ label,
        /** @type {{ postRuntimeMs: number[] }} */ run,
        /** @type {'baseline' | 'subject' | 'slow'} */ series,
      ) => {
        const f = overheadFigures(run);
        return {
          label,
          value: f.p99,
          inner: f.median,
          series,
          text: `p99 ${n(f.p99)} ms, median ${n(f.median)} ms`,
        };
      };
      return [
        row(`${o.rate}/s: no-op extension`, o.noop, 'baseline'),
        row(`${o.rate}/s: data-taps, healthy tap`, o.healthy, 'subject'),
        row(`${o.rate}/s: data-taps, 200 ms tap`, o.slow, 'slow'),
      ];
    }),
  });
  const sparseRow = (
    /** @type {string} */ label,
    /** @type {{ invocations: readonly { billedMs: number, postRuntimeMs: number }[] }} */ run,
    /** @type {'baseline' | 'subject'} */ series,
  ) => {
    const f = sparseFigures(run).billed;
    return {
      label,
      value: f.medianRest,
      series,
      text: `median ${n(f.medianRest)} ms, first ${n(f.first)} ms`,
    };
  };
  panels.push({
    title: `Sparse invocations (${n(r.sparse.periodMs / 1000)} s apart): billed ms per invocation, median after the first (lower is better)`,
    unit: ' ms',
    rows: [
      sparseRow('no extension', r.sparse.empty, 'baseline'),
      sparseRow('no-op extension', r.sparse.noop, 'baseline'),
      sparseRow('data-taps', r.sparse.dataTaps, 'subject'),
    ],
  });
  const cs = r.coldStart;
  panels.push({
    title: 'Cold start, median (lower is better)',
    unit: ' ms',
    rows: [
      {
        label: "bare node -e '': spawn to exit",
        value: coldFigure(cs, 'bareNodeMs').median,
        series: 'baseline',
      },
      {
        label: 'sandbox Init, no extension',
        value: coldFigure(cs, 'emptyInitMs').median,
        series: 'baseline',
      },
      {
        label: 'no-op extension: to first next',
        value: coldFigure(cs, 'noopReadyMs').median,
        series: 'baseline',
      },
      { label: 'data-taps: registered + subscribed', value: coldFigure(cs, 'subscribedMs').median },
      { label: 'sandbox Init with data-taps', value: coldFigure(cs, 'initMs').median },
    ],
  });
  panels.push({
    title: 'Memory (RSS, lower is better)',
    unit: ' MiB',
    rows: [
      { label: 'bare idle node', value: mib(coldFigure(cs, 'bareIdleRssKb').median), series: 'baseline' },
      {
        label: 'no-op extension, idle',
        value: mib(coldFigure(cs, 'noopIdleRssKb').median),
        series: 'baseline',
      },
      { label: 'data-taps, idle after Init', value: mib(coldFigure(cs, 'idleRssKb').median) },
      ...r.throughput.map((t) => ({
        label: `data-taps, peak (${t.size} lines)`,
        value: mib(t.dataTaps.peakRssKb),
      })),
      {
        label: 'no-op extension, 128 MB burst peak',
        value: mib(r.burst.noop.extensionPeakRssKb),
        series: 'baseline',
      },
      { label: 'data-taps, 128 MB burst peak', value: mib(r.burst.healthy.extensionPeakRssKb) },
      {
        label: 'data-taps, 128 MB burst, tap down',
        value: mib(r.burst.tapDown.extensionPeakRssKb),
        series: 'slow',
      },
    ],
  });
  return renderBarChart(
    'Data Taps Lambda extension: system benchmark',
    `${m.cpus} CPUs (${m.model}), node ${m.node}, load ${m.loadBefore}→${m.loadAfter}; \`${r.command}\`, ${r.finishedAt.slice(0, 10)}. Grey: baseline, green: raw tap, orange: 200 ms tap or tap down.`,
    panels,
  );
}
