/**
 * The entry's fast path (src/fast-path.ts): it reads the variables it uses as the configuration does
 * (held to loadConfig's answers), it falls back to the slow path whenever a value is not plainly
 * valid or strict mode is on, and main takes over its listener (the records that came before main,
 * in order), its subscription and its first `next` (the event it brings is not lost).
 */
import { isIPv4 } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runExtension } from '../../src/extension.js';
import {
  type FastPathHandOver,
  fastPathSettings,
  listen,
  subscribeAndNext,
  subscriptionBody,
} from '../../src/fast-path.js';
import { register, registerFromEnvironment } from '../../src/register.js';
import { invocationRecords, lambdaEnv, setup as setupLambda, until } from '../helpers/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const VALID = {
  BD_TAP_CLIENT_TOKEN: 'tok',
  BD_DATA_TAP_URL: 'https://abc.lambda-url.eu-west-1.on.aws/',
  AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
};

// Valid and invalid values of every variable the fast path reads.
const CASES: Record<string, (string | undefined)[]> = {
  RECEIVER_ADDRESS: [
    undefined,
    '',
    'sandbox',
    '127.0.0.1',
    '0.0.0.0',
    '256.1.1.1',
    'localhost',
    '::1',
    'a b',
    'x/y',
  ],
  RECEIVER_PORT: [
    undefined,
    '',
    '0',
    '4243',
    ' 4243 ',
    '65535',
    '65536',
    '9001',
    '-1',
    '1.5',
    '1e3',
    'x',
    '+5',
  ],
  MAX_ITEMS: [undefined, '1000', '10000', '999', '10001', ' 5000', 'abc', '0x3e8'],
  MAX_BYTES: [undefined, '262144', '1048576', '262143', '1048577', '00262144'],
  TIMEOUT_MS: [undefined, '25', '30000', '24', '30001', '100', '１００', '99999999999999999999'],
  AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION: [undefined, '2022-07-01', '2022-12-13', ' 2022-07-01'],
  AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION: [
    undefined,
    '2022-07-01',
    '2022-12-13',
    '2025-01-29',
    '2022',
    'x',
  ],
  DATA_TAPS_TYPES: [
    undefined,
    'platform',
    ' function , platform,',
    'platform,platform',
    ',',
    'logs',
    'platform,logs',
    'Platform',
  ],
  DATA_TAPS_STRICT: [undefined, '', 'false', ' FALSE ', '0', 'no', 'true', '1', 'yes', 'maybe'],
};
// Valid values the fast path leaves to the slow path on purpose.
const SLOW_BUT_VALID: Record<string, (v: string) => boolean> = {
  RECEIVER_ADDRESS: (v) => v !== '' && !isIPv4(v) && v !== 'sandbox',
  DATA_TAPS_STRICT: (v) => ['true', '1', 'yes'].includes(v.trim().toLowerCase()),
};

describe('fastPathSettings: read as loadConfig reads', () => {
  for (const [name, values] of Object.entries(CASES)) {
    it.each(values.map((value) => [value]))(`${name}=%j`, (value) => {
      const env = { ...VALID, [name]: value };
      const loaded = loadConfig(env);
      const fast = fastPathSettings(env);
      if (!loaded.ok) {
        // An invalid value takes the slow path, where main names it.
        expect(loaded.errors.join('\n')).toContain(name);
        expect(fast).toBeUndefined();
        return;
      }
      if (value !== undefined && SLOW_BUT_VALID[name]?.(value)) {
        expect(fast).toBeUndefined();
        return;
      }
      const { config } = loaded;
      expect(fast).toEqual({
        receiverAddress: config.receiverAddress,
        receiverPort: config.receiverPort,
        apiVersion: config.telemetry.apiVersion,
        schemaVersion: config.telemetry.schemaVersion,
        types: config.telemetry.types,
        maxItems: config.telemetry.maxItems,
        maxBytes: config.telemetry.maxBytes,
        timeoutMs: config.telemetry.timeoutMs,
      });
    });
  }

  it('builds the subscription body subscribeTelemetry sends', () => {
    const fast = fastPathSettings({ TIMEOUT_MS: '25', DATA_TAPS_TYPES: 'function' });
    expect(fast).toBeDefined();
    expect(
      JSON.parse(subscriptionBody(fast as NonNullable<typeof fast>, 'http://sandbox.localdomain:4243')),
    ).toEqual({
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
      types: ['function'],
      buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 25 },
    });
  });
});

const byType = (lines: Record<string, unknown>[], type: string) => lines.filter((l) => l['type'] === type);

/** Runs the entry's fast path as src/entry.ts does, up to the moment it would load main. */
async function fastPath(env: Record<string, string>) {
  const settings = fastPathSettings(env);
  if (!settings) throw new Error('expected the fast path');
  const registering = registerFromEnvironment(env, undefined);
  const bound = await listen(settings);
  if (!bound) throw new Error('expected the listener to bind');
  cleanups.push(() => new Promise<void>((resolve) => bound.server.close(() => resolve())));
  const outcome = await registering;
  if (!outcome?.ok) throw new Error('expected a registration');
  let sent: () => void = () => undefined;
  const nextSent = new Promise<void>((resolve) => {
    sent = resolve;
  });
  const fast: FastPathHandOver = subscribeAndNext(
    env['AWS_LAMBDA_RUNTIME_API'] as string,
    outcome.registration.extensionId,
    settings,
    bound,
    sent,
  );
  await nextSent;
  // Every request the server takes, including those main passes on to the library's handler.
  let requests = 0;
  bound.server.on('request', () => {
    requests += 1;
  });
  return { fast, registering, requests: () => requests };
}

describe('the fast path, taken over by main', () => {
  it('ships the records that came before main in order, and handles the first next’s event', async () => {
    const { lambda, tap, ws } = await setupLambda(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir);
    const { fast, registering, requests } = await fastPath(env);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    expect(lambda.telemetry.subscriptions[0]).toMatchObject({
      schemaVersion: '2022-12-13',
      types: ['platform', 'function', 'extension'],
      buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 25 },
      destination: { protocol: 'HTTP', URI: fast.uri },
    });

    // Two batches before main is loaded: held, unanswered, one after the other.
    const r1 = invocationRecords('r1', ['first\n', 'second\n']);
    const d1 = lambda.telemetry.deliver([...r1.start, ...(r1.logs.slice(0, 1) as typeof r1.logs)]);
    await until(() => requests() === 1);
    const d2 = lambda.telemetry.deliver([...r1.logs.slice(1), ...r1.runtimeDone]);
    await until(() => requests() === 2);
    // The first invocation comes while main is not loaded: the fast path's `next` gets it.
    const invoked = lambda.api.invoke({ requestId: 'r1' });
    await fast.firstNext;

    const running = runExtension({ env, logFd: ws.logFd, registration: registering, fastPath: fast });
    expect(await d1).toBe(200);
    expect(await d2).toBe(200);
    // The INVOKE was handled and `next` called again (no second registration, no second subscription).
    await invoked;
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 3000 });
    await lambda.telemetry.deliver(r1.report);
    expect(await running).toBe(0);

    expect(lambda.api.registrations).toHaveLength(1);
    expect(lambda.telemetry.subscriptions).toHaveLength(1);
    const lines = tap.accepted();
    expect(byType(lines, 'function').map((l) => l['message'] ?? l['record'])).toEqual(['first', 'second']);
    expect(byType(lines, 'platform.report').map((l) => l['requestId'])).toEqual(['r1']);
    expect(ws.log()).toContain('subscribed to the Telemetry API');
  });

  it('stays registered without shipping when a variable it did not read is invalid, naming it', async () => {
    const { lambda, tap, ws } = await setupLambda(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, { DATA_TAPS_GZIP: 'maybe' });
    const { fast, registering, requests } = await fastPath(env);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    const early = lambda.telemetry.deliver(invocationRecords('r1', ['x\n']).logs);
    await until(() => requests() === 1);

    const running = runExtension({ env, logFd: ws.logFd, registration: registering, fastPath: fast });
    // Acknowledged and let go.
    expect(await early).toBe(200);
    await lambda.api.invoke({ requestId: 'r1' });
    await lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 3000 });
    expect(await running).toBe(0);
    expect(tap.requests).toHaveLength(0);
    expect(ws.log()).toContain('DATA_TAPS_GZIP=');
    expect(ws.log()).toContain('not shipping telemetry');
  });

  it('still sends the first next when the subscription gets no answer, and reports both failures', async () => {
    const settings = fastPathSettings({ RECEIVER_ADDRESS: '127.0.0.1', RECEIVER_PORT: '0' });
    if (!settings) throw new Error('expected the fast path');
    const bound = await listen(settings);
    if (!bound) throw new Error('expected the listener to bind');
    cleanups.push(() => new Promise<void>((resolve) => bound.server.close(() => resolve())));
    // A port nothing listens on (the listener's own, closed first would race: use a fresh one).
    const closed = await listen({ ...settings, receiverPort: 0 });
    if (!closed) throw new Error('expected a port');
    const port = (closed.server.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    let sent = 0;
    const fast = subscribeAndNext(`127.0.0.1:${port}`, 'id-1', settings, bound, () => {
      sent += 1;
    });
    await expect(fast.subscription).rejects.toThrow(/ECONNREFUSED/);
    await expect(fast.firstNext).rejects.toThrow(/ECONNREFUSED/);
    expect(sent).toBe(1);
  });

  it('cannot bind a port in use: the slow path then binds and reports', async () => {
    const settings = fastPathSettings({ RECEIVER_ADDRESS: '127.0.0.1', RECEIVER_PORT: '0' });
    if (!settings) throw new Error('expected the fast path');
    const first = await listen(settings);
    if (!first) throw new Error('expected the listener to bind');
    cleanups.push(() => new Promise<void>((resolve) => first.server.close(() => resolve())));
    const port = (first.server.address() as { port: number }).port;
    expect(await listen({ ...settings, receiverPort: port })).toBeUndefined();
  });

  it('without a registration (the entry could not send one), main fails instead of subscribing', async () => {
    const { lambda, tap, ws } = await setupLambda(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir);
    await expect(
      runExtension({ env, logFd: ws.logFd, registration: Promise.resolve(undefined) }),
    ).rejects.toThrow('cannot register with the Extensions API without a valid AWS_LAMBDA_RUNTIME_API');
    expect(lambda.telemetry.subscriptions).toHaveLength(0);
  });

  it('hands main a failed registration when the runtime API is no URL (the entry then takes the slow path)', async () => {
    let sent = 0;
    const outcome = await register({ runtimeApi: '[zz:1', extensionName: 'x' }, () => {
      sent += 1;
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.name).toBe('ExtensionsApiConnectionError');
    expect(sent).toBe(1);
  });
});
