/**
 * A 128 MB function (the most common setting) whose logs outgrow the extension's memory while the
 * tap is down. Lambda counts the extension's memory in the function's: the sandbox ends an
 * invocation with `Runtime.OutOfMemory` when the processes' RSS together goes over `memorySizeMb`,
 * as Lambda does. The extension sizes its memory bound to the function (4 MiB at 128 MB) and V8's
 * heap with it (the launcher's flags), spills what it cannot hold to the /tmp spool, and the next
 * environment sends it: no invocation runs out of memory, and nothing is lost without a count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeAccounting } from '../helpers/invariant.js';
import { type CaseResult, invokeMany, runCase, type Script } from '../helpers/scenario.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const LINES_PER_INVOCATION = 20_000;

const burstWithTapDown: Script = async (world) => {
  const sandbox = { memorySizeMb: 128 };
  const env = await world.environment({ sandbox });
  await invokeMany(world, env, 1);
  await world.tapDown();
  // 3 x 20,000 lines of ~130 B (about 8 MB of log, 20 MB of envelopes) while connections are refused.
  await invokeMany(world, env, 3, () => ({ lines: LINES_PER_INVOCATION, padBytes: 100 }));
  await world.tapUp();
  // A reset (timeout): the next Init on the same /tmp sends what the drain spooled.
  await env.shutdown('timeout');
  const next = await world.environment({ sandbox });
  await invokeMany(world, next, 2);
  await next.shutdown();
};

describe('a 128 MB function', () => {
  it('logs 20,000 lines per invocation with the tap down: no out-of-memory, nothing lost uncounted', async () => {
    // The invariant and "every invocation succeeded" (no Runtime.OutOfMemory) are checked by runCase.
    // No healthy twin: Lambda drops part of a burst this size before the extension sees it, tap up or
    // down (the listener's pace, reported with platform.logsDropped and counted by the invariant).
    result = await runCase('memory-128mb', burstWithTapDown, { baseline: false });
    const a = result.faulty.accounting;
    const first = result.faulty.world.environments[0];
    expect(first?.invocations.map((invocation) => invocation.status)).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
    // The function's lines went somewhere: most to the tap, through the spool, the rest counted.
    expect(a.delivered + a.extensionDropped + a.lambdaDropped, describeAccounting(a)).toBeGreaterThanOrEqual(
      a.expected,
    );
    const peakMb = Math.max(...(first?.invocations.map((invocation) => invocation.maxMemoryUsedMB) ?? [0]));
    expect(peakMb).toBeLessThanOrEqual(128);
  });
});
