/**
 * An error nothing inside the extension caught (a rejected promise nobody awaited, a throw in a
 * timer) must not end it: on Lambda an extension that exits fails the invocation
 * (`Extension.Crash`). The built layer is copied with two such errors injected at the end of its
 * main bundle (they fire once the extension runs its lifecycle); the safety net (src/safety-net.ts)
 * writes each once, and everything goes on: every invocation succeeds, nothing is lost, the
 * extension exits cleanly at SHUTDOWN.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractZip } from '@data-taps/lambda-sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import { layerZip, type World } from '../helpers/world.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const INJECTED = `
;setTimeout(() => {
  Promise.reject(new Error('injected: a rejection nobody handles'));
  setTimeout(() => { throw new Error('injected: a throw in a timer'); }, 0);
}, 0);
`;

/** The built layer, unpacked, with the errors injected into main.cjs (faulty world only). */
async function injectedLayer(world: World): Promise<string> {
  const dir = join(world.dir, 'injected-layer');
  mkdirSync(dir, { recursive: true });
  await extractZip(layerZip(), dir);
  appendFileSync(join(dir, 'data-taps-lambda-extension', 'main.cjs'), INJECTED);
  return dir;
}

describe('an unexpected error inside the extension', () => {
  it('is written once per error; the lifecycle, the invocations and the shipping go on', async () => {
    result = await runCase('unexpected-error', async (world) => {
      const env = await world.environment(
        world.faulty ? { sandbox: { layer: await injectedLayer(world) } } : {},
      );
      expect(env.init.status).toBe('success');
      await invokeMany(world, env, 5);
      await env.shutdown();
    });
    const env = result.faulty.world.environments[0];
    if (!env) throw new Error('no environment');
    const caught = env.logText().filter((line) => line.includes('an unexpected error'));
    expect(caught).toHaveLength(2);
    expect(caught.join('\n')).toContain('injected: a rejection nobody handles');
    expect(caught.join('\n')).toContain('injected: a throw in a timer');
    expect(env.invocations.map((r) => r.status)).toEqual(Array(5).fill('success'));
    expect(env.shutdownResult?.extensions.map((e) => e.outcome)).toEqual(['exited']);
    expect(result.faulty.accounting.missing).toBe(0);
  });
});
