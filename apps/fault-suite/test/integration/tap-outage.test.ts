/**
 * The fast share of the failing-tap cases (the rest is in test/faults/tap-errors.test.ts): the tap
 * down for four invocations, and server errors after storing the body (duplicates).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CaseResult, runCase } from '../helpers/scenario.js';
import { outage } from '../helpers/scripts.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

describe('a failing tap, then a healthy one', () => {
  it('tap down (connections refused) for four invocations, then back: nothing lost', async () => {
    result = await runCase('tap-down', outage({ down: true }));
    expect(result.faulty.accounting.missing).toBe(0);
    const log = result.faulty.world.environments[0]?.logText().join('\n') ?? '';
    expect(log).toContain('ECONNREFUSED');
  });

  it('500s (some after storing the body): nothing lost, duplicates carry equal ids', async () => {
    result = await runCase(
      '500',
      outage({ hook: ({ n }) => (n % 2 === 0 ? { status: 500, store: true } : { status: 503 }) }),
    );
    const a = result.faulty.accounting;
    expect(a.missing).toBe(0);
    expect(a.duplicateRows).toBeGreaterThan(0);
  });
});
