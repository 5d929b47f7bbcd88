/**
 * Every invalid variable at once: one clear line each, the function unharmed. (Each variable alone,
 * and a bad EXTENSION_NAME, are in config-each.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { INVALID_VARIABLES } from '../helpers/config-cases.js';
import { expectMisconfiguredButHarmless } from '../helpers/config-check.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

describe('invalid configuration', () => {
  it('every variable invalid at once: one line naming each, the lifecycle goes on, nothing is sent', async () => {
    const env = Object.fromEntries(INVALID_VARIABLES.map(({ name, value }) => [name, value]));
    result = await runCase(
      'config-all',
      async (world) => {
        const environment = await world.environment({ env });
        await invokeMany(world, environment, 3);
        await environment.shutdown();
      },
      { baseline: false, invariant: false },
    );
    expectMisconfiguredButHarmless(
      result.faulty.world,
      INVALID_VARIABLES.map((v) => v.name),
    );
    expect(result.faulty.rows).toEqual([]);
  });
});
