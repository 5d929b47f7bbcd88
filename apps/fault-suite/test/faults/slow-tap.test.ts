/**
 * A slow tap: answers that come after the extension's request timeout (the body was stored, so the
 * retry makes duplicates), and requests left in flight when the environment freezes (the tap answers
 * while the extension is stopped; it sees the answer, or its timeout, only after the thaw).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('a slow tap', () => {
  it('answers after the request timeout, after the first invocation: nothing lost, duplicates carry equal ids, invocations not held', async () => {
    result = await runCase('slow', async (world) => {
      const env = await world.environment();
      await invokeMany(world, env, 1);
      // Three times DATA_TAPS_REQUEST_TIMEOUT_MS (1000 ms); the body is stored before the wait.
      world.setFaults(() => ({ delayMs: 3_000 }));
      await invokeMany(world, env, 5, () => ({ sleepMs: 300 }));
      world.setFaults(undefined);
      await invokeMany(world, env, 3, () => ({ sleepMs: 300 }));
      await env.shutdown();
      const next = await world.environment();
      await invokeMany(world, next, 2);
      await next.shutdown();
    });
    const a = result.faulty.accounting;
    expect(a.missing).toBe(0);
    expect(a.duplicateRows).toBeGreaterThan(0);
  });

  // Regression (fixed): the end-of-invoke flush runs into the function's deadline.
  it('a slow tap from the first invocation on: the first invocation (adaptive, opted in: flushed at its end) does not time out', async () => {
    result = await runCase(
      'slow-first',
      async (world) => {
        world.setFaults(() => ({ delayMs: 3_000 }));
        const env = await world.environment({ env: { DATA_TAPS_FLUSH_STRATEGY: 'adaptive' } });
        await invokeMany(world, env, 1, () => ({ sleepMs: 300 }));
        if (env.invocations[0]?.status === 'success')
          await invokeMany(world, env, 2, () => ({ sleepMs: 300 }));
        world.setFaults(undefined);
        if (env.invocations[0]?.status === 'success') await env.shutdown();
        else await env.kill();
      },
      { invariant: false },
    );
    const invocations = result.faulty.world.environments[0]?.invocations ?? [];
    expect(invocations.map((i) => i.status)).toEqual(['success', 'success', 'success']);
  });

  it('a request in flight when the environment freezes: answered during the freeze, nothing lost', async () => {
    result = await runCase('freeze', async (world) => {
      // Every answer takes 600 ms while the handler takes ~2 ms: the background flush of each
      // invocation is still waiting when the environment freezes, and the script keeps it frozen 1.5 s.
      world.setFaults(() => ({ delayMs: 600 }));
      const env = await world.environment();
      await invokeMany(world, env, 1);
      for (let i = 0; i < 5; i++) {
        await invokeMany(world, env, 1);
        await sleep(1_500);
      }
      world.setFaults(undefined);
      await invokeMany(world, env, 2);
      await env.shutdown();
      const next = await world.environment();
      await invokeMany(world, next, 2);
      await next.shutdown();
    });
    expect(result.faulty.accounting.missing).toBe(0);
  });
});
