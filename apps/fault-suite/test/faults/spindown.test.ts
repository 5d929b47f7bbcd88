/**
 * A `spindown` SHUTDOWN ends the environment and its /tmp for good (lambda-facts.md): no next
 * environment reads a spool written then. What the SHUTDOWN drain cannot send must be counted as
 * lost (`environment-ended`), in the last log line and in a `dataTaps.dropped` record when one can
 * still go out, never called "spooled". (The spool serves resets: `timeout` and `failure`
 * SHUTDOWNs, where the Init runs again on the same /tmp; see shutdown.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeAccounting } from '../helpers/invariant.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import { type Environment, EXTENSION_NAME } from '../helpers/world.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const lastLine = (env: Environment | undefined) => env?.logLines().find((l) => l['msg'] === 'shut down');
const byCause = (line: Record<string, unknown> | undefined) =>
  (line?.['droppedByCause'] ?? {}) as Record<string, number>;

describe('SHUTDOWN with reason spindown (the environment and its /tmp end)', () => {
  // Regression (fixed): the extension spooled what it could not send and said `spooled: N,
  // dropped: 0`; after a spindown no one reads that spool: the records were lost without a count.
  it('the tap refuses every big body from the second invocation on: what is left is counted environment-ended, and the count reaches the tap', async () => {
    result = await runCase('spindown-refused', async (world) => {
      const env = await world.environment();
      await invokeMany(world, env, 1);
      // 503 (not stored) for every body over 8 KB: the records' batches never go, a lone drop record does.
      world.setFaults(({ bytes }) => (bytes > 8_192 ? { status: 503 } : undefined));
      await invokeMany(world, env, 3, () => ({ lines: 20, padBytes: 1_000 }));
      await env.shutdown('spindown');
    });
    const a = result.faulty.accounting;
    const [env] = result.faulty.world.environments;
    const last = lastLine(env);
    expect(last, describeAccounting(a)).toMatchObject({ reason: 'spindown', spooled: 0 });
    expect(a.missing, describeAccounting(a)).toBeGreaterThan(0);
    // The drop record in the tap counts the lost records under their own cause (the invariant,
    // missing <= dropped in the tap, is checked by runCase).
    expect(a.extensionDropCauses['environment-ended'], describeAccounting(a)).toBe(
      byCause(last)['environment-ended'],
    );
    expect(a.spoolLeft).toBe(0);
    expect(env?.shutdownResult?.extensions.find((e) => e.name === EXTENSION_NAME)).toMatchObject({
      outcome: 'exited',
      code: 0,
    });
  });

  it('the tap down through the spindown: nothing can go out, the last log line counts every record left as environment-ended', async () => {
    result = await runCase(
      'spindown-down',
      async (world) => {
        const env = await world.environment();
        await invokeMany(world, env, 1);
        await world.tapDown();
        await invokeMany(world, env, 3, () => ({ lines: 10 }));
        await env.shutdown('spindown');
      },
      { invariant: false },
    );
    const a = result.faulty.accounting;
    const [env] = result.faulty.world.environments;
    const last = lastLine(env);
    expect(last, describeAccounting(a)).toMatchObject({ reason: 'spindown', spooled: 0 });
    const ended = byCause(last)['environment-ended'] ?? 0;
    expect(ended).toBeGreaterThan(0);
    // Every record missing from the tap is counted in that line (records Lambda still held at the
    // SHUTDOWN are named by invocation: 10 function lines and start, runtimeDone, report each).
    const notReceived =
      Number(last?.['notReceivedInvocations'] ?? 0) + (last?.['initRecordsReceived'] ? 0 : 1);
    expect(a.missing, describeAccounting(a)).toBeLessThanOrEqual(ended + notReceived * 13);
    expect(a.spoolLeft).toBe(0);
  });
});
