import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
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
  it('at the configuration defaults, holds no invocation: the first, those after an idle gap, the rest', () => {
    const loaded = loadConfig({
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      BD_TAP_CLIENT_TOKEN: 'tok',
      BD_DATA_TAP_URL: 'https://abc.lambda-url.eu-west-1.on.aws/',
    });
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const { flushStrategy, idleThresholdMs, telemetry } = loaded.config;
    const c = clock();
    const planner = createFlushPlanner(
      { strategy: flushStrategy, idleThresholdMs, telemetryTimeoutMs: telemetry.timeoutMs },
      c,
    );
    const plans = [planner.onInvoke()];
    c.advance(15_000);
    plans.push(planner.onInvoke());
    c.advance(5);
    plans.push(planner.onInvoke());
    c.advance(3_600_000);
    plans.push(planner.onInvoke());
    expect(plans.map((plan) => plan.mode)).toEqual(['background', 'background', 'background', 'background']);
  });

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
