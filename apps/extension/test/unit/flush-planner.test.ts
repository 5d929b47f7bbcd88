import { describe, expect, it } from 'vitest';
import { createFlushPlanner, RUNTIME_DONE_GRACE_MS } from '../../src/flush-planner.js';

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
    expect(planner.onInvoke()).toEqual({ mode: 'background' });
    c.advance(10_000);
    expect(planner.onInvoke()).toEqual({ mode: 'background' });
    c.advance(10_001);
    expect(planner.onInvoke().mode).toBe('end');
  });

  it('background: never waits, whatever the gap', () => {
    const c = clock();
    const planner = createFlushPlanner(
      { strategy: 'background', idleThresholdMs: 0, telemetryTimeoutMs: 1000 },
      c,
    );
    expect(planner.onInvoke()).toEqual({ mode: 'background' });
    c.advance(3_600_000);
    expect(planner.onInvoke()).toEqual({ mode: 'background' });
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
