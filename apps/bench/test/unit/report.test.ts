import { describe, expect, it } from 'vitest';
import {
  coldFigure,
  overheadFigures,
  renderChart,
  renderMarkdown,
  throughputFigures,
} from '../../src/report.mjs';
import {
  burstUnaccounted,
  firstInvocationFigures,
  renderShapeSections,
  sparseFigures,
} from '../../src/report-shapes.mjs';

const tpRun = (over: Record<string, unknown> = {}) => ({
  functionName: 'tp',
  lineBytes: 100,
  invocations: 10,
  emitted: 10_000,
  loadMs: 2_000,
  meanRuntimeMs: 20,
  meanPostRuntimeMs: 5,
  windowMs: 2_500,
  requests: 10,
  requestBytes: 6_000_000,
  tapLines: 10_100,
  tapBytes: 6_000_000,
  extensionCpuMs: 500,
  runtimeCpuMs: 120,
  peakRssKb: 102_400,
  lambdaDropped: 0,
  spooledFunctionRecords: 0,
  shutdownOutcome: 'x: exited',
  ...over,
});

const overheadRun = (post: number[]) => ({
  functionName: 'oh',
  rate: 10,
  achievedRate: 10,
  postRuntimeMs: post,
  runtimeMs: post.map(() => 2),
  emitted: post.length * 10,
  lambdaDropped: 0,
  spooledFunctionRecords: 0,
});

const cold = (i: number) => ({
  bareNodeMs: 40 + i,
  bareIdleRssKb: 40_960,
  bareIdleHwmKb: 40_960,
  emptyInitMs: 60 + i,
  noopReadyMs: 50 + i,
  noopInitMs: 80 + i,
  noopIdleRssKb: 43_008,
  noopCpuToNextMs: 40,
  subscribedMs: 90 + i,
  readyMs: 95 + i,
  initMs: 120 + i,
  idleRssKb: 71_680,
  cpuToNextMs: 100 + 10 * i,
});

const sparseRun = (name: string, billed: number[], post: number[]) => ({
  functionName: name,
  invocations: billed.map((b, i) => ({
    requestId: `${name}-${i}`,
    startedAt: 1_000 + i * 15_000,
    billedMs: b,
    postRuntimeMs: post[i] ?? 0,
    durationMs: 2,
  })),
  shutdownAt: 46_000,
  shutdownMs: 300,
  emitted: billed.length * 10,
  lambdaDropped: 0,
  spooledFunctionRecords: 0,
});

const firstRun = (name: string, post: number, billed: number, over: Record<string, unknown> = {}) => ({
  functionName: name,
  firstPostRuntimeMs: post,
  firstBilledMs: billed,
  firstDurationMs: 3,
  secondPostRuntimeMs: 0.5,
  secondBilledMs: 4,
  shutdownMs: 400,
  shutdownOutcome: 'exited',
  emitted: 20,
  inTap: 20,
  lambdaDropped: 0,
  extensionDropped: 0,
  spooledFunctionRecords: 0,
  ...over,
});

const burstRun = (over: Record<string, unknown> = {}) => ({
  functionName: 'burst',
  invocations: 10,
  statuses: [] as string[],
  outOfMemory: false,
  extensionPeakRssKb: 45 * 1024,
  runtimePeakRssKb: 50 * 1024,
  maxMemoryUsedMB: 96,
  postRuntimeMsMax: 0,
  shutdownMs: 310,
  shutdownOutcome: 'exited',
  emitted: 50_000,
  inTap: 0,
  lambdaDropped: 0,
  extensionDropped: 0,
  extensionDroppedSource: 'none',
  spooledFunctionRecords: 0,
  ...over,
});

function report() {
  return {
    startedAt: '2026-01-02T03:00:00.000Z',
    finishedAt: '2026-01-02T03:07:00.000Z',
    elapsedS: 420,
    plan: { coldStartRounds: 3, throughputMs: 2_000, rawIngestMs: 1_000, overhead: [{ rate: 10, count: 4 }] },
    coldStart: [cold(0), cold(2), cold(1)],
    throughput: [
      {
        size: 'small',
        lineBytes: 100,
        linesPerInvocation: 1000,
        noop: tpRun({
          emitted: 40_000,
          extensionCpuMs: 40,
          runtimeCpuMs: 400,
          peakRssKb: 51_200,
          meanPostRuntimeMs: 0,
        }),
        dataTaps: { ...tpRun(), delivered: { distinct: 10_000, rows: 10_001 } },
        raw: { lines: 100_000, bytes: 60_000_000, requests: 50, elapsedMs: 1_000 },
      },
    ],
    overhead: [
      {
        rate: 10,
        count: 4,
        noop: overheadRun([0, 0, 0, 1]),
        healthy: overheadRun([900, 0, 2, 4]),
        slow: overheadRun([1100, 1, 3, 5]),
      },
    ],
    overheadDelivered: [{ rate: 10, healthy: { distinct: 40, rows: 40 }, slow: { distinct: 39, rows: 40 } }],
    sparse: {
      count: 3,
      periodMs: 15_000,
      linesPerInvocation: 10,
      lineBytes: 100,
      dataTaps: {
        ...sparseRun('sparse-data-taps', [990, 6, 8], [985, 0.5, 1.5]),
        delivery: [
          [{ phase: 2, records: 10 }],
          [{ phase: 3, records: 10 }],
          [{ phase: 'SHUTDOWN', records: 10 }],
        ],
        unmatched: 0,
        delivered: { distinct: 30, rows: 30 },
      },
      noop: sparseRun('sparse-noop', [5, 4, 6], [0, 0, 0.2]),
      empty: sparseRun('sparse-empty', [4, 3, 5], [0, 0, 0]),
    },
    firstInvocation: {
      rounds: 2,
      linesPerInvocation: 10,
      lineBytes: 100,
      noop: [firstRun('fi-noop-0', 0, 5, { inTap: 0 }), firstRun('fi-noop-1', 0.2, 6, { inTap: 0 })],
      healthy: [firstRun('fi-healthy-0', 1, 6), firstRun('fi-healthy-1', 3, 8)],
      failing: [
        firstRun('fi-failing-0', 2, 7, { inTap: 15, extensionDropped: 3 }),
        firstRun('fi-failing-1', 4, 9, { inTap: 20 }),
      ],
    },
    burst: {
      noop: burstRun(),
      healthy: burstRun({ extensionPeakRssKb: 60 * 1024, inTap: 49_000, lambdaDropped: 1_000 }),
      tapDown: burstRun({
        extensionPeakRssKb: 130 * 1024,
        invocations: 4,
        statuses: ['#4 error Runtime.OutOfMemory'],
        outOfMemory: true,
        emitted: 20_000,
        lambdaDropped: 2_000,
        extensionDropped: 5_000,
        spooledFunctionRecords: 10_000,
      }),
    },
    tapRejected: {},
    machine: {
      cpus: 2,
      model: 'Test CPU',
      node: 'v20.0.0',
      os: 'linux 6',
      memoryGb: 8,
      loadBefore: '0.5',
      loadAfter: '1.5',
    },
    command: 'pnpm bench',
    mode: 'full',
  };
}

describe('throughputFigures', () => {
  it('derives rates over the delivery window and CPU per 1,000 records', () => {
    const f = throughputFigures(report().throughput[0] as never);
    expect(f.deliveredPerS).toBe(4_000); // 10,000 in 2.5 s
    expect(f.offeredPerS).toBe(5_000); // 10,000 in 2 s
    expect(f.logMBps).toBeCloseTo(0.4); // 1 MB in 2.5 s
    expect(f.wireMBps).toBeCloseTo(2.4);
    expect(f.noopPerS).toBe(20_000);
    expect(f.rawPerS).toBe(100_000);
    expect(f.rawMBps).toBe(60);
    expect(f.cpuPer1000).toBe(50);
    expect(f.noopCpuPer1000).toBe(1);
    expect(f.unaccounted).toBe(0);
  });

  it('counts records neither delivered, spooled nor dropped as unaccounted, and NaN rates without a request', () => {
    const t = report().throughput[0] as never as Parameters<typeof throughputFigures>[0];
    const f = throughputFigures({
      ...t,
      dataTaps: {
        ...t.dataTaps,
        windowMs: 0,
        spooledFunctionRecords: 100,
        lambdaDropped: 50,
        delivered: { distinct: 9_000, rows: 9_000 },
      },
    });
    expect(f.unaccounted).toBe(850);
    expect(f.deliveredPerS).toBeNaN();
    // what the extension dropped and counted (a full spool) is accounted for, not lost
    const counted = throughputFigures({
      ...t,
      dataTaps: {
        ...t.dataTaps,
        spooledFunctionRecords: 100,
        lambdaDropped: 50,
        extensionDropped: 800,
        extensionDroppedByCause: { 'spool-full': 800 },
        delivered: { distinct: 9_000, rows: 9_000 },
      },
    } as never);
    expect(counted.unaccounted).toBe(50);
    expect(throughputFigures({ ...t, noop: { ...t.noop, emitted: 0 } }).noopCpuPer1000).toBeNaN();
  });

  it('says in the table when a run ended early', () => {
    const r = report();
    const t = r.throughput[0] as (typeof r.throughput)[number];
    const md = renderMarkdown({
      ...r,
      throughput: [
        { ...t, dataTaps: { ...t.dataTaps, stoppedBy: 'invocation 7: failure Runtime.OutOfMemory' } },
      ],
    } as never);
    expect(md).toContain(
      '| small: 100 B x 1000 per invocation | 10 (stopped at invocation 7: failure Runtime.OutOfMemory) |',
    );
  });
  it('shows what the extension dropped and counted, with its causes', () => {
    const r = report();
    const t = r.throughput[0] as (typeof r.throughput)[number];
    const dropped = { extensionDropped: 800, extensionDroppedByCause: { 'spool-full': 800 } };
    const md = renderMarkdown({
      ...r,
      throughput: [{ ...t, dataTaps: { ...t.dataTaps, ...dropped } }],
    } as never);
    expect(md).toContain('| Dropped by the extension (cause) |');
    expect(md).toContain('| 800 (spool-full 800) |');
    expect(renderMarkdown(r as never)).toMatch(/\| 0 \| 0 \| 0 \|\n/); // none dropped, none spooled, none lost
  });
});

describe('overheadFigures', () => {
  it('keeps the first invocation apart', () => {
    expect(overheadFigures({ postRuntimeMs: [900, 0, 2, 4] })).toEqual({
      first: 900,
      count: 3,
      median: 2,
      p99: 4,
      max: 4,
    });
    expect(overheadFigures({ postRuntimeMs: [] }).first).toBeNaN();
  });
});

describe('coldFigure', () => {
  it('gives median, min and max, skipping missing samples', () => {
    const r = report();
    expect(coldFigure(r.coldStart, 'subscribedMs')).toEqual({ median: 91, min: 90, max: 92 });
    expect(coldFigure([{ ...cold(0), readyMs: Number.NaN }], 'readyMs').min).toBeNaN();
  });
});

describe('renderMarkdown', () => {
  it('writes a table per section with the machine and the command under each', () => {
    const md = renderMarkdown(report() as never);
    expect(md).toContain('# Benchmarks');
    for (const heading of [
      '## Throughput',
      '## Overhead per invocation',
      '## Sparse invocations',
      '## First invocation',
      '## 128 MB burst',
      '## Cold start and memory',
    ]) {
      expect(md).toContain(heading);
    }
    expect(
      md.match(/Machine: 2 CPUs \(Test CPU\).*node v20\.0\.0.*Command: `pnpm bench` \(full mode\)/g),
    ).toHaveLength(6);
    expect(md).toContain(
      '| small: 100 B x 1000 per invocation | 10 | 5,000 | **4,000** | 0.400 | 2.40 | 20,000 (2.00) | 100,000 (60.0) |',
    );
    expect(md).toContain('| small | **50.0 ms** | 1.00 ms |');
    expect(md).toContain(
      '| 10/s (10.0) | data-taps | healthy | 4 | 900 | 2.00 | **4.00** | 4.00 | 40 / 40 |',
    );
    expect(md).toContain(
      '| 10/s (10.0) | data-taps | answers in 200 ms | 4 | 1,100 | 3.00 | **5.00** | 5.00 | 39 / 40 |',
    );
    expect(md).toContain('**91.0 ms (90.0–92.0)**');
    // CPU to the first next: no-op, then the extension
    expect(md).toContain('| 40.0 ms (40.0–40.0) |');
    expect(md).toContain('| **110 ms (100–120)** |');
    expect(md).toContain('**70.0 MiB (70.0–70.0)**');
    expect(md).toContain('![Benchmark chart');
  });
});

describe('sparseFigures', () => {
  it('keeps the first invocation apart and totals the billed and post-runtime ms', () => {
    const f = sparseFigures(report().sparse.dataTaps);
    expect(f.billed).toEqual({ first: 990, medianRest: 6, total: 1004 }); // nearest-rank median of [6, 8]
    expect(f.postRuntime.first).toBe(985);
    expect(f.postRuntime.total).toBeCloseTo(987);
    expect(sparseFigures({ invocations: [] }).billed.first).toBeNaN();
  });
});

describe('firstInvocationFigures', () => {
  it('spreads the times over the environments and sums where the records went', () => {
    const f = firstInvocationFigures(report().firstInvocation.failing);
    expect(f.environments).toBe(2);
    expect(f.firstPostRuntime).toEqual({ median: 2, min: 2, max: 4 });
    expect(f.firstBilled).toEqual({ median: 7, min: 7, max: 9 });
    expect(f.emitted).toBe(40);
    expect(f.inTap).toBe(35);
    expect(f.extensionDropped).toBe(3);
    expect(f.unaccounted).toBe(2);
    expect(firstInvocationFigures([]).firstBilled.min).toBeNaN();
  });
});

describe('burstUnaccounted', () => {
  it('counts records neither in the tap, dropped (by Lambda or the extension) nor spooled', () => {
    expect(burstUnaccounted(report().burst.tapDown as never)).toBe(3_000);
    expect(burstUnaccounted(report().burst.healthy as never)).toBe(0);
  });
});

describe('renderShapeSections', () => {
  it('writes a row per sparse invocation with when its records arrived, and the median after the first', () => {
    const md = renderShapeSections(report() as never, 'STAMP').join('\n');
    expect(md).toContain('3 invocations 15.0 s apart in each of three');
    expect(md).toContain('| 1 (first) | 4.00 | 5.00 (0) | 990 (985) | 10 at #2 |');
    expect(md).toContain('| 3 | 5.00 | 6.00 (0.200) | 8.00 (1.50) | 10 at SHUTDOWN |');
    expect(md).toContain('| median of 2–3 | 3.00 | 4.00 (0) | **6.00** (0.500) | |');
    expect(md).toContain('| total | 12.0 | 15.0 (0.200) | **1,004** (987) | 30 / 30 |');
    expect(md).toContain(
      '30 emitted, 30 in the tap, 0 dropped by Lambda, 0 left in the spool, 0 unaccounted.',
    );
    expect(md.match(/^STAMP$/gm)).toHaveLength(3);
  });

  it('says when the sparse run was a quick one, and counts tap rows of other request ids', () => {
    const r = report();
    const md = renderShapeSections(
      {
        ...r,
        mode: 'quick',
        sparse: { ...r.sparse, dataTaps: { ...r.sparse.dataTaps, unmatched: 4 } },
      } as never,
      'STAMP',
    ).join('\n');
    expect(md).toContain('(quick mode; the full run spaces them 15 s apart)');
    expect(md).toContain('(4 in the tap without a request id of this run)');
  });

  it('writes the first-invocation rows beside the no-op, without tap figures for the no-op', () => {
    const md = renderShapeSections(report() as never, 'STAMP').join('\n');
    expect(md).toContain(
      '| no-op (baseline) | – | 2 | **0 (0–0.200)** | 5.00 (5.00–6.00) | 0.500 (0.500–0.500) | 400 (400–400) | 40 | – | – | – | – | – |',
    );
    expect(md).toContain(
      '| **data-taps** | 500, 500, 503, 429 (Retry-After: 1) | 2 | **2.00 (2.00–4.00)** | 7.00 (7.00–9.00) | 0.500 (0.500–0.500) | 400 (400–400) | 40 | 35 | 0 | 3 | 0 | 2 |',
    );
  });

  it('writes the burst rows with the out-of-memory verdict and the peak over the no-op', () => {
    const md = renderShapeSections(report() as never, 'STAMP').join('\n');
    expect(md).toContain(
      '| no-op (baseline) | – | 10 | 45.0 MiB | 50.0 MiB | 96 | no | 0 | 50000 | – | 0 | – | – | – |',
    );
    expect(md).toContain(
      '| **data-taps** | healthy | 10 | **60.0 MiB** | 50.0 MiB | 96 | no | 0 | 50000 | 49000 | 1000 | 0 | 0 | 0 |',
    );
    expect(md).toContain(
      '| **data-taps** | down (503) | 4 | **130 MiB** | 50.0 MiB | 96 | **yes** (#4 error Runtime.OutOfMemory) | 0 | 20000 | 0 | 2000 | 5000 | 10000 | 3000 |',
    );
    expect(md).toContain(
      "over the no-op extension's: 15.0 MiB with the tap healthy, 85.0 MiB with the tap down.",
    );
    const r = report();
    const failed = renderShapeSections(
      {
        ...r,
        burst: { ...r.burst, healthy: { ...r.burst.healthy, statuses: ['#2 failure Extension.Crash'] } },
      } as never,
      'STAMP',
    ).join('\n');
    expect(failed).toContain('| no (#2 failure Extension.Crash) |');
  });
});

describe('renderChart', () => {
  it('draws the six kinds of panels', () => {
    const svg = renderChart(report() as never);
    for (const title of [
      'Throughput, small lines',
      'Extension CPU per 1,000',
      'Post-runtime time',
      'Sparse invocations (15.0 s apart)',
      'Cold start',
      'Memory',
    ]) {
      expect(svg).toContain(title);
    }
    expect(svg).toContain('p99 4.00 ms, median 2.00 ms');
    expect(svg).toContain('median 6.00 ms, first 990 ms');
    expect(svg).toContain('data-taps, 128 MB burst, tap down');
    expect(svg).toContain('Test CPU');
  });
});
