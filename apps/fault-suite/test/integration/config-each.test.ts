/**
 * Each invalid variable alone: one line naming it, the lifecycle goes on, nothing is sent. And an
 * EXTENSION_NAME the extension cannot register with.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { INVALID_VARIABLES } from '../helpers/config-cases.js';
import { expectMisconfiguredButHarmless } from '../helpers/config-check.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import { EXTENSION_NAME } from '../helpers/world.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

describe('one invalid variable', () => {
  it.each(INVALID_VARIABLES)(
    '$name=$value: a line naming it, the lifecycle goes on, nothing is sent',
    async ({ name, value }) => {
      result = await runCase(
        `config-${name}`,
        async (world) => {
          const environment = await world.environment({ env: { [name]: value } });
          await invokeMany(world, environment, 2);
          await environment.shutdown();
        },
        { baseline: false, invariant: false },
      );
      expectMisconfiguredButHarmless(result.faulty.world, [name]);
      expect(result.faulty.rows).toEqual([]);
    },
  );

  // Regression (fixed): the extension exits during Init (Extension.Crash).
  it.each(['../escape', 'other-name'])(
    'EXTENSION_NAME=%s: a line naming it, and the function still initialises and runs',
    async (value) => {
      result = await runCase(
        'config-EXTENSION_NAME',
        async (world) => {
          const environment = await world.environment({ env: { EXTENSION_NAME: value } });
          if (environment.init.status === 'success') await invokeMany(world, environment, 2);
          await environment.shutdown();
        },
        { baseline: false, invariant: false },
      );
      const [environment] = result.faulty.world.environments;
      expect(environment?.logText().join('\n')).toContain('EXTENSION_NAME');
      expect(environment?.init.status).toBe('success');
      expect(environment?.invocations.map((i) => i.status)).toEqual(['success', 'success']);
      expect(environment?.shutdownResult?.extensions.find((e) => e.name === EXTENSION_NAME)?.code).toBe(0);
    },
  );
});
