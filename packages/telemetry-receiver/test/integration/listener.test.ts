import { Buffer } from 'node:buffer';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTelemetryListener,
  DEFAULT_MAX_BODY_BYTES,
  type Logger,
  type TelemetryBatchInfo,
  type TelemetryListener,
  type TelemetryListenerDeps,
  TelemetryListenerError,
  type TelemetryListenerOptionsInput,
  TelemetryReceiverOptionsError,
  type TelemetryRecord,
} from '../../src/index.js';
import { FIXTURES, fixture, fixtureText } from '../fixtures/load.js';
import { deferred, send } from './http-client.js';

const open: TelemetryListener[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()));
});

function spyLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies Logger;
}

async function startListener(
  options: TelemetryListenerOptionsInput = {},
  deps: Partial<TelemetryListenerDeps> = {},
) {
  const batches: { records: TelemetryRecord[]; info: TelemetryBatchInfo }[] = [];
  const listener = createTelemetryListener(
    { address: '127.0.0.1', port: 0, ...options },
    {
      onBatch: (records, info) => {
        batches.push({ records, info });
      },
      ...deps,
    },
  );
  open.push(listener);
  const { uri, port } = await listener.start();
  return { listener, uri, port, batches };
}

function makeBatch(count: number): string {
  const records = Array.from({ length: count }, (_, i) => ({
    time: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
    type: i % 10 === 0 ? 'platform.start' : 'function',
    record: i % 10 === 0 ? { requestId: `r-${i}` } : `2024-01-01T00:00:00.000Z\tr-${i}\tINFO\tline ${i}\n`,
  }));
  return JSON.stringify(records);
}

describe('createTelemetryListener: binding and addresses', () => {
  it('binds the given address on a free port and advertises it', async () => {
    const { listener, uri, port } = await startListener();
    expect(port).toBeGreaterThan(0);
    expect(uri).toBe(`http://127.0.0.1:${port}`);
    expect(listener.uri).toBe(uri);
  });

  it('advertises http://sandbox.localdomain:PORT for "sandbox"', async () => {
    const { uri, port, batches } = await startListener({
      address: 'sandbox',
      _internal: { sandboxBindHost: '127.0.0.1' },
    });
    expect(uri).toBe(`http://sandbox.localdomain:${port}`);
    expect((await send(port, { body: '[]' })).status).toBe(200);
    expect(batches).toHaveLength(1);
  });

  it('accepts batches only on its path, ignoring the query, and appends the path to the URI', async () => {
    const { uri, port, batches, listener } = await startListener({ path: '/telemetry' });
    expect(uri).toBe(`http://127.0.0.1:${port}/telemetry`);
    expect((await send(port, { path: '/telemetry?x=1', body: '[]' })).status).toBe(200);
    const notFound = await send(port, { path: '/', body: '[]' });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body)).toMatchObject({ errorType: 'NotFound' });
    expect(batches).toHaveLength(1);
    expect(listener.stats().rejected.wrongRoute).toBe(1);
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const { port, listener } = await startListener();
    const answer = await send(port, { method: 'GET' });
    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('POST');
    expect(listener.stats().rejected.wrongRoute).toBe(1);
  });

  it('is undefined before start, and refuses a second start', async () => {
    const listener = createTelemetryListener({ address: '127.0.0.1', port: 0 }, { onBatch: () => {} });
    open.push(listener);
    expect(listener.uri).toBeUndefined();
    await listener.start();
    await expect(listener.start()).rejects.toThrow(TelemetryListenerError);
  });

  it('falls back to a free port when its port is in use, advertises that one and says so in one warning', async () => {
    const { port: busy } = await startListener();
    const logger = spyLogger();
    const { listener, uri, port, batches } = await startListener({ port: busy }, { logger });
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(busy);
    expect(uri).toBe(`http://127.0.0.1:${port}`);
    expect(listener.uri).toBe(uri);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[1]).toEqual({ busyPort: busy, port });
    expect(logger.error).not.toHaveBeenCalled();
    expect((await send(port, { body: '[]' })).status).toBe(200);
    expect(batches).toHaveLength(1);
  });

  it('reports a port in use as TelemetryListenerError with the cause when portFallback is false', async () => {
    const { port } = await startListener();
    const second = createTelemetryListener(
      { address: '127.0.0.1', port, portFallback: false },
      { onBatch: () => {} },
    );
    const error = await second.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelemetryListenerError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error & { cause: { code: string } }).cause.code).toBe('EADDRINUSE');
    await expect(second.start()).rejects.toThrow('already closed');
  });

  it('fails on other bind errors without falling back (an address not on this host)', async () => {
    const logger = spyLogger();
    // 192.0.2.1 (TEST-NET-1) is never a local address: binding it fails at once, nothing is sent.
    const listener = createTelemetryListener(
      { address: '192.0.2.1', port: 4243 },
      { onBatch: () => {}, logger },
    );
    const error = await listener.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelemetryListenerError);
    expect((error as Error).message).toContain('192.0.2.1:4243');
    expect((error as Error & { cause: { code: string } }).cause.code).toBe('EADDRNOTAVAIL');
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('does not leave a socket open when closed while starting', async () => {
    const listener = createTelemetryListener({ address: '127.0.0.1', port: 0 }, { onBatch: () => {} });
    const starting = listener.start();
    await listener.close();
    await expect(starting).rejects.toThrow('listener closed while starting');
    expect(listener.uri).toBeUndefined();
  });

  it('closes without having started, once', async () => {
    const listener = createTelemetryListener({}, { onBatch: () => {} });
    const first = listener.close();
    expect(listener.close()).toBe(first);
    await first;
    await expect(listener.start()).rejects.toThrow(TelemetryListenerError);
  });
});

describe('createTelemetryListener: options', () => {
  it.each<[string, TelemetryListenerOptionsInput, string]>([
    ['a port out of range', { port: 70_000 }, 'port = 70000: expected an integer port in 0..65535'],
    ['a fractional port', { port: 1.5 }, 'port = 1.5'],
    ['a bad address', { address: 'not a host!' }, 'address = "not a host!"'],
    ['a relative path', { path: 'telemetry' }, 'path = "telemetry"'],
    ['a path with a query', { path: '/t?x' }, 'without "?"'],
    [
      'a tiny maxBodyBytes',
      { maxBodyBytes: 10 },
      'maxBodyBytes = 10: expected an integer byte count in 1024..268435456',
    ],
    ['an unknown invalidUtf8 mode', { invalidUtf8: 'drop' as never }, 'expected "replace" or "reject"'],
    ['a portFallback that is not a boolean', { portFallback: 'yes' as never }, 'portFallback = "yes"'],
    [
      'a negative closeTimeoutMs',
      { closeTimeoutMs: -1 },
      'closeTimeoutMs = -1: expected an integer in 0..60000',
    ],
    ['an unknown option', { host: 'x' } as never, 'host'],
  ])('rejects %s', (_label, options, message) => {
    expect(() => createTelemetryListener(options, { onBatch: () => {} })).toThrow(
      TelemetryReceiverOptionsError,
    );
    expect(() => createTelemetryListener(options, { onBatch: () => {} })).toThrow(message);
  });

  it('names a value it cannot print as JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => createTelemetryListener({ _internal: cyclic } as never, { onBatch: () => {} })).toThrow(
      '[object Object]',
    );
  });

  it('requires onBatch', () => {
    expect(() => createTelemetryListener({}, {} as TelemetryListenerDeps)).toThrow('deps.onBatch');
  });

  it('defaults to sandbox, port 0, path /, 4 MiB bodies', async () => {
    const { telemetryListenerOptionsSchema } = await import('../../src/index.js');
    expect(telemetryListenerOptionsSchema.parse({})).toEqual({
      address: 'sandbox',
      port: 0,
      path: '/',
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      invalidUtf8: 'replace',
      portFallback: true,
      closeTimeoutMs: 1000,
    });
    expect(DEFAULT_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
  });
});

describe('createTelemetryListener: batches', () => {
  it.each([...FIXTURES, 'passthrough.json' as const])(
    'delivers %s to onBatch unchanged and answers 200',
    async (name) => {
      const { port, batches, listener } = await startListener();
      const body = fixtureText(name);
      const answer = await send(port, { body });
      expect(answer.status).toBe(200);
      expect(batches).toHaveLength(1);
      expect(batches[0]?.records).toEqual(fixture(name));
      expect(batches[0]?.info.bytes).toBe(Buffer.byteLength(body));
      const stats = listener.stats();
      expect(stats).toMatchObject({
        batches: 1,
        records: fixture(name).length,
        bytes: Buffer.byteLength(body),
      });
      expect(stats.invalidRecords).toBe(name === 'passthrough.json' ? 3 : 0);
      expect(batches[0]?.info.invalidRecords).toBe(stats.invalidRecords);
    },
  );

  it('takes a 10,000-record batch and logs per batch, never per record', async () => {
    const logger = spyLogger();
    const { port, batches, listener } = await startListener({}, { logger });
    const records = JSON.parse(makeBatch(10_000)) as Array<Record<string, unknown>>;
    for (let i = 0; i < records.length; i += 2) (records[i] as Record<string, unknown>)['record'] = 7;
    const body = JSON.stringify(records);
    expect((await send(port, { body })).status).toBe(200);
    expect(batches[0]?.records).toHaveLength(10_000);
    expect(listener.stats()).toMatchObject({ batches: 1, records: 10_000, invalidRecords: 5_000 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[1]).toEqual({ count: 5_000, types: ['platform.start', 'function'] });
    expect(
      logger.debug.mock.calls.length + logger.info.mock.calls.length + logger.error.mock.calls.length,
    ).toBe(1);
  });

  it('hands an empty batch to onBatch', async () => {
    const { port, batches } = await startListener();
    expect((await send(port, { body: '[]' })).status).toBe(200);
    expect(batches).toEqual([{ records: [], info: { bytes: 2, invalidRecords: 0 } }]);
  });

  it('answers 200 only after a slow consumer resolved', async () => {
    const gate = deferred();
    const called = deferred();
    const { port, listener } = await startListener(
      {},
      {
        onBatch: async () => {
          called.resolve();
          await gate.promise;
        },
      },
    );
    let answered = false;
    const answer = send(port, { body: makeBatch(3) }).then((result) => {
      answered = true;
      return result;
    });
    await called.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    expect(listener.stats()).toMatchObject({ inFlight: 1, batches: 0 });
    gate.resolve();
    expect((await answer).status).toBe(200);
    expect(listener.stats()).toMatchObject({ inFlight: 0, batches: 1, records: 3 });
  });

  it('answers 500 when the consumer rejects or throws, and keeps serving', async () => {
    const logger = spyLogger();
    let mode: 'reject' | 'throw' | 'ok' = 'reject';
    const { port, listener } = await startListener(
      {},
      {
        logger,
        onBatch: (): Promise<void> | undefined => {
          if (mode === 'reject') return Promise.reject(new Error('disk full'));
          if (mode === 'throw') throw 'not an error';
          return undefined;
        },
      },
    );
    const rejected = await send(port, { body: makeBatch(2) });
    expect(rejected.status).toBe(500);
    expect(JSON.parse(rejected.body)).toMatchObject({ errorType: 'ConsumerFailed' });
    mode = 'throw';
    expect((await send(port, { body: makeBatch(2) })).status).toBe(500);
    mode = 'ok';
    expect((await send(port, { body: makeBatch(2) })).status).toBe(200);
    expect(listener.stats()).toMatchObject({ batches: 1, records: 2, rejected: { consumerFailed: 2 } });
    expect(logger.error.mock.calls.map((call) => call[1]?.['error'])).toEqual(['disk full', 'not an error']);
  });

  it.each([
    ['truncated JSON', '[{"time":"2024-01-01T00:00:00.000Z","type":"function","rec', 'invalid-json'],
    ['an object', '{"records":[]}', 'not-an-array'],
    ['a bad element', '[{"time":"t","type":"function"},{"type":"function"}]', 'invalid-envelope'],
    ['an empty body', '', 'invalid-json'],
  ])('answers 400 to %s and counts it', async (_label, body, reason) => {
    const logger = spyLogger();
    const { port, listener, batches } = await startListener({}, { logger });
    const answer = await send(port, { body });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'MalformedBatch' });
    expect(batches).toHaveLength(0);
    expect(listener.stats().rejected.malformed).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'telemetry batch rejected: malformed',
      expect.objectContaining({ reason }),
    );
  });

  it('decodes invalid UTF-8 with U+FFFD by default, and counts it', async () => {
    const { port, listener, batches } = await startListener();
    const body = Buffer.concat([
      Buffer.from('[{"time":"t","type":"function","record":"caf'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]'),
    ]);
    expect((await send(port, { body })).status).toBe(200);
    expect(batches[0]?.records[0]?.record).toBe('caf\ufffd(\ufffd');
    expect(listener.stats()).toMatchObject({ invalidUtf8: 1, batches: 1 });
  });

  it('answers 400 to invalid UTF-8 with invalidUtf8: "reject"', async () => {
    const { port, listener, batches } = await startListener({ invalidUtf8: 'reject' });
    const answer = await send(port, { body: Buffer.from([0x5b, 0xff, 0x5d]) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ errorType: 'InvalidUtf8' });
    expect(batches).toHaveLength(0);
    expect(listener.stats()).toMatchObject({ invalidUtf8: 1, rejected: { malformed: 1 } });
  });
});

describe('createTelemetryListener: oversized and broken requests', () => {
  it('answers 413 from the Content-Length alone, without reading the body into memory', async () => {
    const onBatch = vi.fn();
    const { port, listener } = await startListener({ maxBodyBytes: 1024 }, { onBatch });
    const answer = await send(port, { body: makeBatch(100) });
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(onBatch).not.toHaveBeenCalled();
    expect(listener.stats().rejected.tooLarge).toBe(1);
    expect((await send(port, { body: '[]' })).status).toBe(200);
  });

  it('answers 413 to a chunked body once it passes the limit', async () => {
    const onBatch = vi.fn();
    const { port, listener } = await startListener({ maxBodyBytes: 4096 }, { onBatch });
    const chunk = Buffer.alloc(1024, 0x20);
    const answer = await send(port, { body: Array.from({ length: 64 }, () => chunk) });
    expect(answer.status).toBe(413);
    expect(onBatch).not.toHaveBeenCalled();
    expect(listener.stats()).toMatchObject({ inFlight: 0, rejected: { tooLarge: 1 } });
  });

  it('takes a body of exactly maxBodyBytes', async () => {
    const { port } = await startListener({ maxBodyBytes: 1024 });
    const body = `[${' '.repeat(1022)}]`;
    expect((await send(port, { body })).status).toBe(200);
  });

  it('counts a client that goes away mid-body, and keeps serving', async () => {
    const onBatch = vi.fn();
    const { port, listener } = await startListener({}, { onBatch });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{"time":');
    await vi.waitFor(() => expect(listener.stats().inFlight).toBe(1), { timeout: 10_000 });
    socket.destroy();
    await vi.waitFor(() => expect(listener.stats().rejected.aborted).toBe(1), { timeout: 10_000 });
    expect(listener.stats().inFlight).toBe(0);
    expect(onBatch).not.toHaveBeenCalled();
    expect((await send(port, { body: '[]' })).status).toBe(200);
  });

  it('answers 400 to a request that is not HTTP, and keeps serving', async () => {
    const { port } = await startListener();
    const socket = connect(port, '127.0.0.1');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (data) => {
        text += data.toString();
      });
      socket.on('close', () => resolve(text));
      socket.write('\x00\x01 garbage\r\n\r\n');
    });
    expect(reply).toContain('400');
    expect((await send(port, { body: '[]' })).status).toBe(200);
  });

  it('survives a logger that throws', async () => {
    const throwing = (): void => {
      throw new Error('logger broke');
    };
    const logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    const { port, listener } = await startListener(
      { maxBodyBytes: 1024 },
      {
        logger,
        onBatch: () => {
          throw new Error('no');
        },
      },
    );
    expect((await send(port, { body: 'x' })).status).toBe(400);
    expect((await send(port, { body: makeBatch(100) })).status).toBe(413);
    expect((await send(port, { body: '[]' })).status).toBe(500);
    expect(listener.stats().rejected).toMatchObject({ malformed: 1, tooLarge: 1, consumerFailed: 1 });
  });
});

describe('createTelemetryListener: close', () => {
  it('waits for a batch in flight, answers it, then refuses connections', async () => {
    const gate = deferred();
    const called = deferred();
    const { port, listener } = await startListener(
      {},
      {
        onBatch: async () => {
          called.resolve();
          await gate.promise;
        },
      },
    );
    const answer = send(port, { body: '[]' });
    await called.promise;
    let closed = false;
    const closing = listener.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    gate.resolve();
    expect((await answer).status).toBe(200);
    await closing;
    await expect(send(port, { body: '[]' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers a batch in flight at close() with Connection: close, so a keep-alive client does not hold close() open', async () => {
    const gate = deferred();
    const called = deferred();
    let hold = false;
    const { port, listener } = await startListener(
      {},
      {
        onBatch: async () => {
          if (!hold) return;
          called.resolve();
          await gate.promise;
        },
      },
    );
    // Lambda keeps its connection to the listener open between batches.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warm = await send(port, { body: '[]', agent });
      expect(warm.headers['connection']).toBe('keep-alive');
      hold = true;
      const answer = send(port, { body: makeBatch(2), agent });
      await called.promise;
      const closing = listener.close();
      gate.resolve();
      const answered = await answer;
      expect(answered.status).toBe(200);
      expect(answered.headers['connection']).toBe('close');
      await closing;
      await expect(send(port, { body: '[]' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });

  it('answers 503 with Connection: close to a batch whose body ends after close(), without handing it to onBatch', async () => {
    const logger = spyLogger();
    const onBatch = vi.fn();
    const { port, listener } = await startListener({}, { onBatch, logger });
    const body = '[{"time":"2024-01-01T00:00:00.000Z","type":"function","record":"late"}]';
    const socket = connect(port, '127.0.0.1');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (data) => {
        text += data.toString();
      });
      socket.on('close', () => resolve(text));
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    // Lambda's batch is on its way when the consumer is done with: its end comes after close().
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await vi.waitFor(() => expect(listener.stats().inFlight).toBe(1), { timeout: 10_000 });
    const closing = listener.close();
    socket.write(body.slice(10));
    const text = await reply;
    await closing;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('"errorType":"ListenerClosed"');
    expect(onBatch).not.toHaveBeenCalled();
    expect(listener.stats()).toMatchObject({ batches: 0, inFlight: 0, rejected: { closing: 1 } });
    expect(logger.warn).toHaveBeenCalledWith(
      'telemetry batch refused: the listener is closing',
      expect.objectContaining({ bytes: body.length }),
    );
  });

  it('destroys the connections still open closeTimeoutMs after close(), and resolves', async () => {
    const onBatch = vi.fn();
    const { port, listener } = await startListener({ closeTimeoutMs: 50 }, { onBatch });
    // A client that sent the headers and part of the body, then nothing.
    const socket = connect(port, '127.0.0.1');
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{"time":');
    await vi.waitFor(() => expect(listener.stats().inFlight).toBe(1), { timeout: 10_000 });
    try {
      await listener.close();
      await gone;
      // The request's own 'close' comes after the server's: polled, not assumed.
      await vi.waitFor(
        () => expect(listener.stats()).toMatchObject({ inFlight: 0, rejected: { aborted: 1 } }),
        {
          timeout: 10_000,
        },
      );
      expect(onBatch).not.toHaveBeenCalled();
    } finally {
      socket.destroy();
    }
  });

  it('snapshots stats (later changes do not leak into an earlier snapshot)', async () => {
    const { port, listener } = await startListener();
    const before = listener.stats();
    await send(port, { body: '[]' });
    expect(before.batches).toBe(0);
    expect(listener.stats().batches).toBe(1);
  });
});
