/**
 * Scripts shared by several cases.
 */
import type { FaultHook } from '@data-taps/local-tap';
import { invokeMany, type Script } from './scenario.js';
import type { World } from './world.js';

/**
 * One invocation; a fault (or the tap down) for four invocations of ~300 ms; the tap healthy again
 * for three; SHUTDOWN; then (unless told otherwise) a new environment on the same /tmp, which sends
 * what the first one spooled, with two invocations of its own.
 */
export const outage =
  (fault: { hook?: FaultHook; down?: boolean }, options: { secondEnvironment?: boolean } = {}): Script =>
  async (world: World) => {
    const env = await world.environment();
    await invokeMany(world, env, 1);
    if (fault.down) await world.tapDown();
    world.setFaults(fault.hook);
    await invokeMany(world, env, 4, () => ({ sleepMs: 300 }));
    world.setFaults(undefined);
    await world.tapUp();
    await invokeMany(world, env, 3, () => ({ sleepMs: 300 }));
    await env.shutdown();
    if (options.secondEnvironment !== false) {
      const next = await world.environment();
      await invokeMany(world, next, 2);
      await next.shutdown();
    }
  };
