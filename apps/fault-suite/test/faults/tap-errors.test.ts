/**
 * A tap that fails for a while, then recovers: throttling (429 with Retry-After), connection resets
 * (some after storing the body), truncated answers (after storing). Each fault lasts four
 * invocations; then the tap is healthy for three; then SHUTDOWN; then a new environment on the same
 * /tmp sends what the first one spooled. (The tap down and 500s are in test/integration.)
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
  it('429 with Retry-After: nothing lost, the throttling is logged', async () => {
    let throttled = 0;
    result = await runCase(
      '429',
      outage({
        hook: () => {
          throttled += 1;
          return {
            status: 429,
            headers: { 'retry-after': '1' },
            body: '{"statusCode":429,"message":"Too Many Requests"}',
          };
        },
      }),
    );
    expect(result.faulty.accounting.missing).toBe(0);
    expect(throttled).toBeGreaterThan(0);
    expect(result.faulty.world.environments[0]?.logText().join('\n')).toContain('answered status 429');
  });

  it('connection resets (some after storing the body): nothing lost, duplicates carry equal ids', async () => {
    result = await runCase(
      'reset',
      outage({ hook: ({ n }) => (n % 2 === 0 ? { reset: true, store: true } : { reset: true }) }),
    );
    const a = result.faulty.accounting;
    expect(a.missing).toBe(0);
    expect(a.duplicateRows).toBeGreaterThan(0);
  });

  it('truncated answers (the body was stored): nothing lost, duplicates carry equal ids', async () => {
    result = await runCase('truncate', outage({ hook: () => ({ truncate: true }) }));
    const a = result.faulty.accounting;
    expect(a.missing).toBe(0);
    expect(a.duplicateRows).toBeGreaterThan(0);
  });

  // Regression (fixed): the breaker's 30 s cooldown keeps the SHUTDOWN drain
  // from trying the recovered tap, so the records end in a spool no one reads after a spindown.
  it('after the tap recovered, SHUTDOWN delivers what was held (the breaker does not stop the drain)', async () => {
    result = await runCase(
      'recovered-before-shutdown',
      outage(
        { hook: ({ n }) => (n % 2 === 0 ? { status: 500 } : { status: 503 }) },
        { secondEnvironment: false },
      ),
    );
    expect(result.faulty.accounting.spoolLeft).toBe(0);
  });
});
