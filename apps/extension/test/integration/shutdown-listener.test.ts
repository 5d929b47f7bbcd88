/**
 * SHUTDOWN and the telemetry listener: the pipeline closes its buffer and sink once it drained, and
 * the listener after it. A batch Lambda is still sending then must not be acknowledged (200) and
 * then lost: every record the extension acknowledged is shipped, spooled or counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runExtension } from '../../src/extension.js';
import { registerFromEnvironment } from '../../src/register.js';
import { invocationRecords, lambdaEnv, setup, until } from '../helpers/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves true once a connection to `port` is refused (the listener stopped listening). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A raw HTTP/1.1 connection: what the listener answered (status line and headers), or 'no answer'. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let text = '';
  const continued = new Promise<void>((resolve) => {
    socket.on('data', (data) => {
      text += data.toString();
      if (text.includes('100 Continue')) resolve();
    });
  });
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  socket.on('error', () => {});
  cleanups.push(() => {
    socket.destroy();
  });
  return {
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    continued,
    write: (chunk: string) => socket.write(chunk),
    /** The final answer's status (after any 100 Continue), or 'no answer' if the connection closed without one. */
    answer: async () => {
      const all = await ended;
      const statuses = [...all.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      return statuses.filter((status) => status !== 100).at(-1) ?? 'no answer';
    },
  };
}

describe('runExtension: SHUTDOWN and the listener', () => {
  it('does not acknowledge a batch whose body ends once the pipeline has shut down: it is refused, not lost', async () => {
    const { lambda, tap, ws } = await setup(cleanups);
    const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, {
      // The widest margin, so the listener's bounded close leaves time to send the rest of the body.
      DATA_TAPS_SHUTDOWN_MARGIN_MS: '1500',
    });
    const running = runExtension({
      env,
      logFd: ws.logFd,
      registration: registerFromEnvironment(env, undefined),
    });
    await lambda.api.waitForRegistrations(1);
    await until(() => lambda.telemetry.subscriptions.length === 1);
    const destination = lambda.telemetry.subscriptions[0]?.destination;
    const port = destination?.protocol === 'HTTP' ? Number(new URL(destination.URI).port) : 0;
    await lambda.api.waitForIdle();

    const r1 = invocationRecords('r1', ['a line\n']);
    await lambda.api.invoke({ requestId: 'r1' });
    await lambda.telemetry.deliver([...r1.start, ...r1.logs, ...r1.runtimeDone, ...r1.report]);

    // A batch on its way: headers sent (the listener took them: it answered 100 Continue), body not yet.
    const late = JSON.stringify([
      { time: new Date().toISOString(), type: 'function', record: 'LATE-LINE\n' },
    ]);
    const connection = rawConnection(port);
    await connection.connected;
    connection.write(
      `POST / HTTP/1.1\r\nHost: sandbox.localdomain:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(late)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await connection.continued;

    const shutdown = lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 4000 });
    // The pipeline has drained and closed its buffer once the listener stops listening.
    await until(() => ws.log().includes('"msg":"shut down"'));
    for (;;) if (await refused(port)) break;
    connection.write(late);
    const answer = await connection.answer();
    await shutdown;
    expect(await running).toBe(0);

    // Refused (503), or, on a machine so loaded that the rest of the body came after the listener's
    // bounded close (half the margin, 750 ms), cut without an answer: never acknowledged and dropped.
    expect([503, 'no answer']).toContain(answer);
    const spooled = readdirSync(ws.spoolDir)
      .filter((name) => name.endsWith('.ndjson'))
      .map((name) => readFileSync(join(ws.spoolDir, name), 'utf8'))
      .join('');
    expect(JSON.stringify(tap.accepted())).not.toContain('LATE-LINE');
    expect(spooled).not.toContain('LATE-LINE');
    // What came before SHUTDOWN was shipped, and the refusal is said once.
    expect(tap.accepted().filter((line) => line['type'] === 'function')).toHaveLength(1);
    const refusals = ws
      .logLines()
      .filter((line) => line['msg'] === 'telemetry batch refused: the listener is closing');
    expect(refusals).toHaveLength(answer === 503 ? 1 : 0);
    expect(ws.log()).not.toContain('tok-SECRET');
  });
});
