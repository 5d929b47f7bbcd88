import { afterEach, describe, expect, it, vi } from 'vitest';
import { runExtension } from '../../src/extension.js';
import { registerFromEnvironment } from '../../src/register.js';
import { lambdaEnv, setup, until } from '../helpers/harness.js';

// A pipeline that cannot be built (here: a renewing token source whose module is missing from the
// layer) must not take the function down: the extension says why and stays out of the way.
vi.mock('../../src/token-provider.js', () => ({
  createTokenProvider: async () => {
    throw new Error("Cannot find module './token-aws.cjs'");
  },
}));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('runExtension when the shipping pipeline cannot be built', () => {
  it('logs the error, goes through invocations without shipping and exits 0 at SHUTDOWN', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir);
    const running = runExtension({
      env,
      logFd: ws.logFd,
      registration: registerFromEnvironment(env, undefined),
    });
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    await lambda.api.waitForIdle();
    await lambda.api.invoke({ requestId: 'r1' });
    // Lambda's deliveries are still acknowledged (the records let go), so it has nothing to retry.
    expect(
      await lambda.telemetry.deliver([{ time: new Date().toISOString(), type: 'function', record: 'x\n' }]),
    ).toBe(200);
    await lambda.api.invoke({ requestId: 'r2' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1000 });
    expect(await running).toBe(0);
    expect(tap.requests).toHaveLength(0);
    const error = ws.logLines().find((l) => l['level'] === 'error');
    expect(error).toMatchObject({
      msg: 'the extension cannot ship telemetry: the function runs normally without it',
      error: "Error: Cannot find module './token-aws.cjs'",
    });
  });
});
