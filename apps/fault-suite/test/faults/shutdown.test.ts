/**
 * SHUTDOWN under pressure: a deadline too short to send anything, and a tap that hangs so the
 * extension is still busy at the deadline and Lambda SIGKILLs it. In both, what could not be sent
 * goes to the spool in /tmp, and the next environment on the same /tmp finds it and sends it first.
 * Each first SHUTDOWN is a reset (`timeout`: the Init runs again on the same /tmp); after a
 * `spindown` no environment reads that /tmp again (spindown.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/listener.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import { EXTENSION_NAME } from '../helpers/world.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

describe('SHUTDOWN under pressure', () => {
  // Records Lambda still holds at a SHUTDOWN whose deadline leaves no time to wait for them cannot
  // reach the extension; it names the invocations they belong to (cause not-received-before-shutdown).
  it('SHUTDOWN with a 100 ms deadline: records Lambda still held are reported by invocation; the rest is spooled for the next environment', async () => {
    result = await runCase(
      'tiny-deadline',
      async (world) => {
        const env = await world.environment({
          sandbox: world.faulty ? { shutdownTimeoutMs: 100, runtimeShutdownMs: 0 } : {},
        });
        await invokeMany(world, env, 4, () => ({ lines: 20 }));
        await env.shutdown('timeout');
        const next = await world.environment();
        await invokeMany(world, next, 2);
        await next.shutdown();
      },
      { invariant: false },
    );
    const a = result.faulty.accounting;
    // Each invocation emits 20 function lines and platform.start, runtimeDone and report.
    const perInvocation = 23;
    expect(a.missing).toBeLessThanOrEqual(
      a.extensionDropped + a.lambdaDropped + a.notReceivedInvocations * perInvocation,
    );
    if (a.missing > 0) expect(a.notReceivedInvocations).toBeGreaterThan(0);
    expect(a.tokenLeaks).toEqual([]);
    expect(a.idConflicts).toEqual([]);
  });

  it('SHUTDOWN with a 100 ms deadline: what the extension held is spooled and found by the next environment', async () => {
    result = await runCase(
      'tiny-deadline-spool',
      async (world) => {
        const env = await world.environment({
          sandbox: world.faulty ? { shutdownTimeoutMs: 100, runtimeShutdownMs: 0 } : {},
        });
        await invokeMany(world, env, 4, () => ({ lines: 20 }));
        await env.shutdown('timeout');
        const next = await world.environment();
        await invokeMany(world, next, 2);
        await next.shutdown();
      },
      { invariant: false },
    );
    const [first, second] = result.faulty.world.environments;
    const shutDown = first?.logLines().find((l) => l['msg'] === 'shut down');
    expect(shutDown?.['spooled']).toBeGreaterThan(0);
    const found = second?.logLines().find((l) => l['msg'] === 'spool found');
    expect(found?.['replayed']).toBe(shutDown?.['spooled']);
    // Every record the first environment received is in the tap.
    expect(result.faulty.accounting.spoolLeft).toBe(0);
  });

  it('a request hanging at SHUTDOWN: the extension spools and exits before the deadline; the next environment sends the spool', async () => {
    result = await runCase('hang-at-shutdown', async (world) => {
      const env = await world.environment({ sandbox: { shutdownTimeoutMs: 1_000, runtimeShutdownMs: 0 } });
      await invokeMany(world, env, 3, () => ({ lines: 20 }));
      // From the last invocation on, the tap takes every body and never answers.
      world.setFaults(() => ({ delayMs: 600_000 }));
      await invokeMany(world, env, 1, () => ({ lines: 20 }));
      await env.shutdown('timeout');
      world.setFaults(undefined);
      const next = await world.environment();
      await invokeMany(world, next, 2);
      await next.shutdown();
    });
    const [first, second] = result.faulty.world.environments;
    expect(first?.shutdownResult?.extensions.find((e) => e.name === EXTENSION_NAME)).toMatchObject({
      outcome: 'exited',
      code: 0,
    });
    expect(first?.logLines().find((l) => l['msg'] === 'shut down')?.['spooled']).toBeGreaterThan(0);
    expect(second?.logLines().some((l) => l['msg'] === 'spool found')).toBe(true);
    expect(result.faulty.accounting.missing).toBe(0);
  });

  it('SIGKILL during SHUTDOWN once the extension spooled: the next environment finds the spool', async () => {
    result = await runCase('sigkill', async (world) => {
      const env = await world.environment({ sandbox: { shutdownTimeoutMs: 1_000, runtimeShutdownMs: 0 } });
      await invokeMany(world, env, 3, () => ({ lines: 20 }));
      world.setFaults(() => ({ delayMs: 600_000 }));
      await invokeMany(world, env, 1, () => ({ lines: 20 }));
      if (world.faulty) {
        // SHUTDOWN, then SIGKILL of every process as soon as the extension says it spooled.
        const shuttingDown = env.sandbox.shutdown('timeout').catch(() => undefined);
        await until(() => env.logLines().some((l) => l['msg'] === 'shut down'), 5);
        await env.kill();
        await shuttingDown;
      } else {
        await env.shutdown('timeout');
      }
      world.setFaults(undefined);
      const next = await world.environment();
      await invokeMany(world, next, 2);
      await next.shutdown();
    });
    const [, second] = result.faulty.world.environments;
    expect(second?.logLines().some((l) => l['msg'] === 'spool found')).toBe(true);
    expect(result.faulty.accounting.missing).toBe(0);
  });
});
