/**
 * What an invalid configuration must give: one error line per bad variable naming it (never showing
 * the token), the lifecycle kept going (Init, every invocation, SHUTDOWN answered by a clean exit),
 * and nothing sent anywhere.
 */
import { expect } from 'vitest';
import { EXTENSION_NAME, TOKEN, type World } from './world.js';

export function expectMisconfiguredButHarmless(world: World, names: readonly string[]): void {
  const [env] = world.environments;
  if (!env) throw new Error('no environment ran');
  expect(env.init.status).toBe('success');
  expect(env.invocations.length).toBeGreaterThan(0);
  for (const invocation of env.invocations) expect(invocation.status).toBe('success');
  const outcome = env.shutdownResult?.extensions.find((e) => e.name === EXTENSION_NAME);
  expect(outcome).toMatchObject({ outcome: 'exited', code: 0 });
  const errors = env
    .logLines()
    .filter((l) => l['level'] === 'error')
    .map((l) => String(l['msg']));
  for (const name of names) {
    const lines = errors.filter((msg) => msg.startsWith(`invalid configuration: ${name}`));
    expect(lines, `an error line naming ${name} in:\n${errors.join('\n')}`).toHaveLength(1);
    expect(lines[0]).toMatch(/ is (invalid|not set): it must be /);
  }
  expect(env.logText().join('\n')).not.toContain(TOKEN);
}
