/**
 * The listener's port is taken: another server on 127.0.0.1 (on Lambda, another extension's
 * listener) holds the port set as RECEIVER_PORT before the environment starts. The extension binds a
 * free port instead, subscribes with that one and says so in one warning: the Init succeeds and the
 * function's records reach the tap as in the healthy twin (RECEIVER_PORT=0, nothing in the way).
 *
 * Regression (fixed): the listener's bind failed with EADDRINUSE and the extension exited with code
 * 1 during the Init, failing the function's Init.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenerPort } from '../helpers/listener.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import type { World } from '../helpers/world.js';

let result: CaseResult | undefined;
const blockers: Server[] = [];
afterEach(async () => {
  await result?.dispose();
  result = undefined;
  await Promise.all(
    blockers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

/** A server holding a port on 127.0.0.1 (faulty world only); resolves with that port, or undefined. */
async function holdPort(world: World): Promise<number | undefined> {
  if (!world.faulty) return undefined;
  const server = createServer((_req, res) => {
    res.writeHead(418);
    res.end();
  });
  blockers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the receiver port is taken', () => {
  it('another server holds RECEIVER_PORT: the Init succeeds on a free port, one warning, every record reaches the tap', async () => {
    const busyPorts: number[] = [];
    result = await runCase('receiver-port-taken', async (world) => {
      const busy = await holdPort(world);
      if (busy !== undefined) busyPorts.push(busy);
      const env = await world.environment(busy === undefined ? {} : { env: { RECEIVER_PORT: String(busy) } });
      expect(env.init.status).toBe('success');
      await invokeMany(world, env, 3);
      await env.shutdown();
    });
    const [busy] = busyPorts;
    const env = result.faulty.world.environments[0];
    if (busy === undefined || !env) throw new Error('the faulty world held no port or ran no environment');
    // The extension listened on another port and Lambda delivered there.
    const port = listenerPort(env);
    expect(port).not.toBe(busy);
    // One line says so, naming both ports; no error.
    const naming = env.logLines().filter((line) => 'busyPort' in line);
    expect(naming).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'telemetry listener port in use: listening on a free port instead',
        busyPort: busy,
        port,
      }),
    ]);
    expect(env.logLines().some((line) => line['level'] === 'error')).toBe(false);
    expect(env.invocations.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    expect(env.shutdownResult?.extensions.map((e) => e.outcome)).toEqual(['exited']);
    // The function's lines are in the tap, not only counted.
    const a = result.faulty.accounting;
    expect(a.missing).toBe(0);
    expect(a.extensionDropped + a.lambdaDropped).toBe(0);
    expect(a.rowsByType['function']).toBeGreaterThan(0);
  });
});
