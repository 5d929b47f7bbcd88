// @ts-check
// The sections of the system benchmark, in order: cold start (while the machine is quiet), the
// first invocation of fresh environments, sparse invocations, the 128 MB burst, throughput,
// overhead per invocation. Every run has a baseline measured in the same run.
import { BURST_SHAPE, runBurst } from './burst.mjs';
import { coldStartRound } from './cold-start.mjs';
import { runFirstInvocations } from './first-invocation.mjs';
import { prepareLayers } from './layers.mjs';
import { runOverhead } from './overhead.mjs';
import { runRawIngest } from './raw-ingest.mjs';
import { runSparse } from './sparse.mjs';
import { summarize } from './stats.mjs';
import { startBenchTap } from './tap.mjs';
import { runThroughput } from './throughput.mjs';

/** Durations and counts of the full and quick modes. */
export const PLANS = {
  full: {
    coldStartRounds: 15,
    firstInvocationRounds: 10,
    sparse: { count: 8, periodMs: 15_000 },
    throughputMs: 20_000,
    rawIngestMs: 3_000,
    overhead: [
      { rate: 1, count: 40 },
      { rate: 10, count: 300 },
      { rate: 100, count: 1000 },
    ],
  },
  quick: {
    coldStartRounds: 3,
    firstInvocationRounds: 3,
    sparse: { count: 3, periodMs: 5_000 },
    throughputMs: 3_000,
    rawIngestMs: 1_000,
    overhead: [
      { rate: 1, count: 5 },
      { rate: 10, count: 30 },
      { rate: 100, count: 150 },
    ],
  },
};

/** Function log lines per invocation in the throughput runs (less than one 256 KB Telemetry API batch of large lines). */
export const THROUGHPUT_SHAPES = [
  { size: 'small', lineBytes: 100, linesPerInvocation: 1000 },
  { size: 'large', lineBytes: 8192, linesPerInvocation: 25 },
];
/** Log lines per invocation in the overhead runs (and the sparse and first-invocation shapes). */
export const OVERHEAD_SHAPE = { lineBytes: 100, linesPerInvocation: 10 };
/** The slow tap's answer delay. */
export const SLOW_TAP_MS = 200;

/**
 * Runs the benchmark and returns the raw figures (report.mjs turns them into tables and a chart).
 *
 * @example
 * ```js
 * const results = await runBenchmark({ quick: true, token: 'secret', log: console.log });
 * ```
 * @param {{ quick: boolean, token: string, log(line: string): void }} options
 */
export async function runBenchmark(options) {
  const plan = options.quick ? PLANS.quick : PLANS.full;
  const { token, log } = options;
  const startedAt = new Date();
  const layers = await prepareLayers();
  const tap = await startBenchTap(token);
  try {
    // 1. cold start
    /** @type {import('./cold-start.mjs').ColdStartSample[]} */
    const coldStart = [];
    for (let round = 0; round < plan.coldStartRounds; round += 1) {
      coldStart.push(await coldStartRound({ layers, tapUrl: tap.url, token, round }));
    }
    const cs = (/** @type {keyof import('./cold-start.mjs').ColdStartSample} */ key) =>
      summarize(coldStart.map((s) => s[key])).median.toFixed(1);
    log(
      `cold start (median of ${plan.coldStartRounds}): bare node ${cs('bareNodeMs')} ms, empty Init ${cs('emptyInitMs')} ms, ` +
        `no-op ready ${cs('noopReadyMs')} ms, Init ${cs('noopInitMs')} ms, CPU to next ${cs('noopCpuToNextMs')} ms; ` +
        `data-taps subscribed ${cs('subscribedMs')} ms, Init ${cs('initMs')} ms, CPU to next ${cs('cpuToNextMs')} ms`,
    );

    // 2. the first invocation of fresh environments
    const firstInvocation = await runFirstInvocations({
      layers,
      tap,
      token,
      rounds: plan.firstInvocationRounds,
      ...OVERHEAD_SHAPE,
    });
    {
      const med = (/** @type {{ firstPostRuntimeMs: number, firstBilledMs: number }[]} */ runs) =>
        `post-runtime ${summarize(runs.map((x) => x.firstPostRuntimeMs)).median.toFixed(1)} ms, billed ${summarize(runs.map((x) => x.firstBilledMs)).median.toFixed(0)} ms`;
      const acc = (/** @type {{ emitted: number, inTap: number }[]} */ runs) =>
        `${runs.reduce((a, x) => a + x.inTap, 0)}/${runs.reduce((a, x) => a + x.emitted, 0)} records in the tap`;
      log(
        `first invocation (median of ${plan.firstInvocationRounds}): no-op ${med(firstInvocation.noop)}; data-taps healthy tap ${med(firstInvocation.healthy)} (${acc(firstInvocation.healthy)}); ` +
          `failing tap ${med(firstInvocation.failing)} (${acc(firstInvocation.failing)})`,
      );
    }

    // 3. sparse invocations: three environments side by side, mostly idle
    const sparse = await runSparse({ layers, tap, token, ...plan.sparse, ...OVERHEAD_SHAPE });
    {
      const billed = (/** @type {{ invocations: { billedMs: number }[] }} */ run) =>
        `billed ${run.invocations.map((i) => i.billedMs).join(', ')} ms`;
      log(
        `sparse (${plan.sparse.count} invocations ${plan.sparse.periodMs / 1000} s apart): no extension ${billed(sparse.empty)}; no-op ${billed(sparse.noop)}; ` +
          `data-taps ${billed(sparse.dataTaps)} (${sparse.dataTaps.delivered.distinct}/${sparse.dataTaps.emitted} records in the tap)`,
      );
    }

    // 4. the 128 MB burst
    const burst = {
      noop: await runBurst({
        layer: layers.noop,
        functionName: 'burst-noop',
        tap,
        token,
        tapDown: false,
        ships: false,
      }),
      healthy: await runBurst({
        layer: layers.dataTaps,
        functionName: 'burst-healthy',
        tap,
        token,
        tapDown: false,
        ships: true,
      }),
      tapDown: await runBurst({
        layer: layers.dataTaps,
        functionName: 'burst-tap-down',
        tap,
        token,
        tapDown: true,
        ships: true,
      }),
    };
    {
      const fmt = (/** @type {import('./burst.mjs').BurstRun} */ b) =>
        `peak ${(b.extensionPeakRssKb / 1024).toFixed(1)} MiB${b.outOfMemory ? ' OUT OF MEMORY' : ''}`;
      log(
        `128 MB burst (${BURST_SHAPE.invocations} x ${BURST_SHAPE.linesPerInvocation} lines of ${BURST_SHAPE.lineBytes} B): no-op ${fmt(burst.noop)}; ` +
          `data-taps healthy ${fmt(burst.healthy)} (${burst.healthy.inTap}/${burst.healthy.emitted} in the tap); ` +
          `tap down ${fmt(burst.tapDown)} (dropped by Lambda ${burst.tapDown.lambdaDropped}, by the extension ${burst.tapDown.extensionDropped}, spooled ${burst.tapDown.spooledFunctionRecords})`,
      );
    }

    // 5. throughput
    const throughput = [];
    for (const shape of THROUGHPUT_SHAPES) {
      const common = {
        tap,
        token,
        lineBytes: shape.lineBytes,
        linesPerInvocation: shape.linesPerInvocation,
        durationMs: plan.throughputMs,
      };
      const noop = await runThroughput({
        ...common,
        layer: layers.noop,
        functionName: `tp-${shape.size}-noop`,
      });
      const dataTaps = await runThroughput({
        ...common,
        layer: layers.dataTaps,
        functionName: `tp-${shape.size}-data-taps`,
      });
      const wireLine =
        dataTaps.tapLines > 0 ? Math.round(dataTaps.tapBytes / dataTaps.tapLines) : shape.lineBytes;
      const body = dataTaps.requests > 0 ? dataTaps.requestBytes / dataTaps.requests : 1024 * 1024;
      const raw = await runRawIngest({
        url: tap.url,
        token,
        label: `raw-${shape.size}`,
        lineBytes: wireLine,
        linesPerBody: Math.max(1, Math.round(body / wireLine)),
        durationMs: plan.rawIngestMs,
      });
      await tap.convert();
      const delivered = await tap.countFunctionRecords(dataTaps.functionName);
      throughput.push({ ...shape, noop, dataTaps: { ...dataTaps, delivered }, raw });
      const s = (dataTaps.windowMs || 1) / 1000;
      log(
        `throughput ${shape.size} (${shape.lineBytes} B x ${shape.linesPerInvocation}/invocation): data-taps ${(delivered.distinct / s).toFixed(0)} records/s delivered ` +
          `(${delivered.distinct}/${dataTaps.emitted}, Lambda dropped ${dataTaps.lambdaDropped}), CPU ${((dataTaps.extensionCpuMs / Math.max(1, delivered.distinct)) * 1000).toFixed(1)} ms/1,000; ` +
          `no-op: function ${(noop.emitted / (noop.loadMs / 1000)).toFixed(0)} records/s, CPU ${((noop.extensionCpuMs / Math.max(1, noop.emitted)) * 1000).toFixed(1)} ms/1,000; ` +
          `raw tap ingest ${(raw.lines / (raw.elapsedMs / 1000)).toFixed(0)} records/s`,
      );
    }

    // 6. overhead per invocation
    const overhead = [];
    for (const { rate, count } of plan.overhead) {
      const common = { tap, token, rate, count, ...OVERHEAD_SHAPE };
      const noop = await runOverhead({ ...common, layer: layers.noop, functionName: `oh-${rate}-noop` });
      const healthy = await runOverhead({
        ...common,
        layer: layers.dataTaps,
        functionName: `oh-${rate}-healthy`,
      });
      tap.setDelay(SLOW_TAP_MS);
      let slow;
      try {
        slow = await runOverhead({ ...common, layer: layers.dataTaps, functionName: `oh-${rate}-slow` });
      } finally {
        tap.setDelay(0);
      }
      overhead.push({ rate, count, noop, healthy, slow });
      const fmt = (/** @type {number[]} */ v) => {
        const s = summarize(v.slice(1));
        return `median ${s.median.toFixed(2)} p99 ${s.p99.toFixed(2)} ms`;
      };
      log(
        `overhead at ${rate}/s (${count} invocations): no-op ${fmt(noop.postRuntimeMs)}; data-taps healthy ${fmt(healthy.postRuntimeMs)}; ` +
          `200 ms tap ${fmt(slow.postRuntimeMs)}`,
      );
    }
    await tap.convert();
    const overheadDelivered = [];
    for (const o of overhead) {
      overheadDelivered.push({
        rate: o.rate,
        healthy: await tap.countFunctionRecords(o.healthy.functionName),
        slow: await tap.countFunctionRecords(o.slow.functionName),
      });
    }
    const finishedAt = new Date();
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      elapsedS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      plan,
      coldStart,
      firstInvocation,
      sparse,
      burst,
      throughput,
      overhead,
      overheadDelivered,
      tapRejected: tap.stats().rejected,
    };
  } finally {
    await tap.stop();
    layers.cleanup();
  }
}
