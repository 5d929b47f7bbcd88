import { describe, expect, it } from 'vitest';
import {
  coldFigure,
  overheadFigures,
  renderChart,
  renderMarkdown,
  throughputFigures,
} from '../../src/report.mjs';

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
  subscribedMs: 90 + i,
  readyMs: 95 + i,
  initMs: 120 + i,
  idleRssKb: 71_680,
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
    expect(throughputFigures({ ...t, noop: { ...t.noop, emitted: 0 } }).noopCpuPer1000).toBeNaN();
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
    for (const heading of ['## Throughput', '## Overhead per invocation', '## Cold start and memory']) {
      expect(md).toContain(heading);
    }
    expect(
      md.match(/Machine: 2 CPUs \(Test CPU\).*node v20\.0\.0.*Command: `pnpm bench` \(full mode\)/g),
    ).toHaveLength(3);
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
    expect(md).toContain('**70.0 MiB (70.0–70.0)**');
    expect(md).toContain('![Benchmark chart');
  });
});

describe('renderChart', () => {
  it('draws the five kinds of panels', () => {
    const svg = renderChart(report() as never);
    for (const title of [
      'Throughput, small lines',
      'Extension CPU per 1,000',
      'Post-runtime time',
      'Cold start',
      'Memory',
    ]) {
      expect(svg).toContain(title);
    }
    expect(svg).toContain('p99 4.00 ms, median 2.00 ms');
    expect(svg).toContain('Test CPU');
  });
});
