import { describe, expect, it } from 'vitest';
import { BUDGET_MARGIN_MS, createFlushPlanner, RUNTIME_DONE_GRACE_MS } from '../../src/flush-planner.js';

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('createFlushPlanner', () => {
  it('adaptive: flushes at the end of the first invocation and after an idle gap, in the background otherwise', () => {
    const c = clock();
    const planner = createFlushPlanner(
      { strategy: 'adaptive', idleThresholdMs: 10_000, telemetryTimeoutMs: 1000 },
      c,
    );
    expect(planner.onInvoke()).toEqual({ mode: 'end', waitForRuntimeDoneMs: 1000 + RUNTIME_DONE_GRACE_MS });
    c.advance(500);
    expect(planner.onInvoke()).toEqual({ mode: 'background', waitBudgetMs: 0 });
    c.advance(10_000);
    expect(planner.onInvoke()).toEqual({ mode: 'background', waitBudgetMs: 0 });
    c.advance(10_001);
    expect(planner.onInvoke().mode).toBe('end');
  });

  it('background: the wait budget is the 10th percentile of recent runtime durations minus a margin', () => {
    const c = clock();
    const planner = createFlushPlanner(
      { strategy: 'background', idleThresholdMs: 0, telemetryTimeoutMs: 1000 },
      c,
    );
    for (let d = 10; d <= 100; d += 10) planner.onRuntimeDuration(d);
    expect(planner.onInvoke()).toEqual({ mode: 'background', waitBudgetMs: 10 - BUDGET_MARGIN_MS });
    expect(planner.budgetMs()).toBe(10 - BUDGET_MARGIN_MS);
  });

  it('keeps a sliding window of 32 durations and ignores invalid ones', () => {
    const planner = createFlushPlanner(
      { strategy: 'background', idleThresholdMs: 0, telemetryTimeoutMs: 25 },
      clock(),
    );
    for (let i = 0; i < 32; i += 1) planner.onRuntimeDuration(1);
    for (let i = 0; i < 32; i += 1) planner.onRuntimeDuration(50);
    planner.onRuntimeDuration(Number.NaN);
    planner.onRuntimeDuration(-5);
    expect(planner.budgetMs()).toBe(50 - BUDGET_MARGIN_MS);
  });

  it('never gives a negative budget', () => {
    const planner = createFlushPlanner(
      { strategy: 'background', idleThresholdMs: 0, telemetryTimeoutMs: 25 },
      clock(),
    );
    planner.onRuntimeDuration(1);
    expect(planner.onInvoke()).toEqual({ mode: 'background', waitBudgetMs: 0 });
  });

  it('end: always waits for the invocation records', () => {
    const c = clock();
    const planner = createFlushPlanner(
      { strategy: 'end', idleThresholdMs: 10_000, telemetryTimeoutMs: 25 },
      c,
    );
    planner.onInvoke();
    c.advance(1);
    expect(planner.onInvoke()).toEqual({ mode: 'end', waitForRuntimeDoneMs: 25 + RUNTIME_DONE_GRACE_MS });
  });
});
