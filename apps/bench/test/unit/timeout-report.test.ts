import { describe, expect, it } from 'vitest';
import { drainFigures, endFlushFigures, renderTimeoutStudy } from '../../src/timeout-report.mjs';

const drain = (timeoutMs: number, over: Record<string, unknown> = {}) => ({
  timeoutMs,
  backlogLines: 10_050,
  requestsDuringShutdown: 4,
  runtimeExitMs: 3,
  reportAtExtensionMs: timeoutMs + 5,
  lastTapRequestMs: timeoutMs + 300,
  extensionExitMs: timeoutMs + 410,
  outcome: 'exited',
  reportInTap: true,
  emitted: 12_000,
  inTap: 12_000,
  lambdaDropped: 0,
  spooledFunctionRecords: 0,
  ...over,
});

function study() {
  return {
    startedAt: '2026-01-02T03:00:00.000Z',
    finishedAt: '2026-01-02T03:03:00.000Z',
    elapsedS: 180,
    plan: {
      drainRounds: 2,
      drain: { invocations: 12, lines: 1000, tapDelayMs: 100 },
      posts: { rate: 100, count: 1000, lines: 10 },
      endFlush: { count: 4, gapMs: 100, lines: 10 },
    },
    timeouts: [25, 1000],
    drain: [
      drain(25),
      drain(1000),
      drain(25, { extensionExitMs: 500 }),
      drain(1000, {
        extensionExitMs: 2_050,
        outcome: 'killed',
        reportInTap: false,
        reportAtExtensionMs: Number.NaN,
        inTap: 11_000,
        spooledFunctionRecords: 500,
      }),
    ],
    posts: [
      {
        timeoutMs: 25,
        achievedRate: 99.5,
        postsPerS: 35.2,
        recordsPerPost: 36.6,
        extensionCpuMsPerS: 220,
        postRuntimeMs: [0, 1, 2],
      },
      {
        timeoutMs: 1000,
        achievedRate: 100,
        postsPerS: 1,
        recordsPerPost: 1210,
        extensionCpuMsPerS: 190,
        postRuntimeMs: [0, 0, 3],
      },
    ],
    endFlush: [
      { timeoutMs: 0, postRuntimeMs: [0, 0, 1, 0], billedMs: [4, 3, 4, 3] },
      { timeoutMs: 25, postRuntimeMs: [17, 30, 28, 40], billedMs: [20, 33, 31, 43] },
      { timeoutMs: 1000, postRuntimeMs: [936, 910, 912, 903], billedMs: [940, 913, 915, 906] },
    ],
    machine: {
      cpus: 2,
      model: 'Test CPU',
      node: 'v20.0.0',
      os: 'linux 6',
      memoryGb: 8,
      loadBefore: '0.5',
      loadAfter: '1.0',
    },
    command: 'pnpm --filter @data-taps/bench run timeout-study',
    mode: 'full',
  };
}

describe('drainFigures', () => {
  it('counts the rounds that got everything out by 2,000 ms on their own', () => {
    const r = study();
    const fast = drainFigures(r.drain.filter((d) => d.timeoutMs === 25));
    expect(fast.withinBudget).toBe(2);
    expect(fast.extensionExit).toEqual({ median: 435, min: 435, max: 500, missing: 0 });
    const slow = drainFigures(r.drain.filter((d) => d.timeoutMs === 1000));
    expect(slow.withinBudget).toBe(1);
    expect(slow.outcomes).toBe('exited, killed');
    expect(slow.reportsInTap).toBe(1);
    expect(slow.reportAtExtension.missing).toBe(1);
    expect(slow.inTap).toBe(23_000);
    expect(slow.spooled).toBe(500);
  });

  it('does not count a round whose records are missing, or that ran past the budget', () => {
    expect(drainFigures([drain(25, { inTap: 11_999 })]).withinBudget).toBe(0);
    expect(drainFigures([drain(25, { extensionExitMs: 2_001 })]).withinBudget).toBe(0);
    expect(drainFigures([drain(25, { inTap: 11_000, lambdaDropped: 1_000 })]).withinBudget).toBe(1);
  });
});

describe('endFlushFigures', () => {
  it('keeps the first invocation apart', () => {
    expect(endFlushFigures({ postRuntimeMs: [17, 30, 28, 40], billedMs: [20, 33, 31, 43] })).toEqual({
      first: 17,
      count: 3,
      median: 30,
      p99: 40,
      max: 40,
      billedMedian: 33,
    });
    expect(endFlushFigures({ postRuntimeMs: [], billedMs: [] }).first).toBeNaN();
  });
});

describe('renderTimeoutStudy', () => {
  it('writes the three tables with the machine and the command under each', () => {
    const md = renderTimeoutStudy(study() as never);
    expect(md).toContain('# TIMEOUT_MS study');
    expect(md).toContain('Compared: 25 ms, 1,000 ms.');
    expect(md).toContain('12 back-to-back invocations of 1,000 lines of 100 B');
    expect(md).toContain('Median (min–max) over 2 round(s), the timeouts interleaved;');
    expect(md).toContain(
      '| 25 | 10,050 | 4 | 3.00 | **30.0** | 325 | **435 (435–500)** | exited | 2 / 2 | 24000 | 24000 | 0 | 0 | **2 / 2** |',
    );
    expect(md).toContain(
      '| 1,000 | 10,050 | 4 | 3.00 | **1,005, 1 never** | 1,300 | **1,410 (1,410–2,050)** | exited, killed | 1 / 2 | 24000 | 23000 | 0 | 500 | **1 / 2** |',
    );
    expect(md).toContain('| 25 | 3 (99.5/s) | **35.2** | 36.6 | 220 | 1.00 / 2.00 |');
    expect(md).toContain('| no-op (baseline) | – | 4 | 0 | **0** | 1.00 | 1.00 | 3.00 |');
    expect(md).toContain('| data-taps, `end` | 1,000 | 4 | 936 | **910** | 912 | 912 | 913 |');
    expect(
      md.match(
        /Machine: 2 CPUs \(Test CPU\).*Command: `pnpm --filter @data-taps\/bench run timeout-study` \(full mode\)/g,
      ),
    ).toHaveLength(3);
  });
});
