/**
 * What functions write: single log lines beyond 256 KB (and beyond the Telemetry API's largest
 * batch), invalid UTF-8 written straight to stdout, JSON lines; and bursts that make Lambda drop
 * records (counted by its platform.logsDropped, which must reach the tap).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeAccounting } from '../helpers/invariant.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

describe('what the function writes', () => {
  it('huge single lines (300 KB and 1.2 MB), invalid UTF-8, JSON lines: all shipped, the extension keeps working', async () => {
    result = await runCase('log-lines', async (world) => {
      // The largest Telemetry API batch (1 MiB, so up to 2 MiB queued) lets Lambda carry a 1.2 MB line;
      // with the default 256 KB, Lambda drops it and says so with platform.logsDropped (the burst case).
      const env = await world.environment({ env: { MAX_BYTES: '1048576' } });
      await invokeMany(world, env, 1);
      const odd = world.faulty
        ? [{ hugeBytes: 300 * 1024 }, { hugeBytes: 1_200_000 }, { badUtf8: true, json: true }]
        : [{}, {}, { json: true }];
      for (const extra of odd) await invokeMany(world, env, 1, () => extra);
      await invokeMany(world, env, 2);
      await env.shutdown();
    });
    const { rows, accounting } = result.faulty;
    expect(accounting.missing, describeAccounting(accounting)).toBe(0);
    const huge = rows.filter((r) => r.type === 'function' && / huge h/.test(r.record.slice(0, 120)));
    expect(huge.map((r) => r.record.length).sort((a, b) => a - b)).toEqual(
      result.faulty.world.environments[0]?.sandbox
        .emitted()
        .filter((r) => r.type === 'function' && / huge h/.test(String(r.record).slice(0, 120)))
        .map((r) => String(r.record).length)
        .sort((a, b) => a - b),
    );
    expect(huge.length).toBe(2);
    expect(rows.some((r) => r.type === 'function' && r.record.includes('bad utf8 \uFFFD'))).toBe(true);
  });

  it('a burst Lambda cannot deliver: what Lambda dropped is counted by platform.logsDropped in the tap', async () => {
    result = await runCase('burst', async (world) => {
      const env = await world.environment({
        env: { MAX_ITEMS: '1000', TIMEOUT_MS: '25' },
        sandbox: { subscriberQueueFactor: 1 },
      });
      await invokeMany(world, env, 1);
      await invokeMany(world, env, 2, () => ({ lines: world.faulty ? 6_000 : 3 }));
      await invokeMany(world, env, 2);
      await env.shutdown();
    });
    const a = result.faulty.accounting;
    expect(a.lambdaDroppedBySandbox).toBeGreaterThan(0);
    // The drops Lambda reported reached the tap (all but those of the extension's own last line,
    // sent after its listener closed) and account for what is missing.
    expect(a.lambdaDropped).toBeGreaterThan(0);
    expect(a.lambdaDropped).toBeLessThanOrEqual(a.lambdaDroppedBySandbox);
    expect(a.missing).toBeGreaterThan(0);
    expect(a.missing).toBeLessThanOrEqual(a.lambdaDropped);
  });
});
