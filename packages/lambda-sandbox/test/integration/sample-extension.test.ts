import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryRecordEmitted } from '../../src/index.js';
import { readOutput, receivedRecords, startSandbox } from '../helpers/sandbox.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const key = (r: { time: string; type: string; record: unknown }) =>
  JSON.stringify([r.time, r.type, r.record]);

describe('an extension shaped like AWS’s Node sample', () => {
  it('registers, subscribes, gets INVOKE and SHUTDOWN, and receives every record exactly once', async () => {
    const s = await startSandbox({ 'telemetry-ext': 'telemetry-extension.mjs' });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    expect(init).toMatchObject({
      status: 'success',
      extensions: [{ name: 'telemetry-ext', external: true, events: ['INVOKE', 'SHUTDOWN'] }],
    });
    expect(s.sandbox.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/);
    const first = await s.sandbox.invoke({ log: 3, echo: 'one' });
    expect(first).toMatchObject({
      status: 'success',
      response: { ok: true, echo: 'one' },
      extensionsInvoked: ['telemetry-ext'],
    });
    expect(first.initDurationMs).toBeGreaterThan(0);
    const second = await s.sandbox.invoke({ throw: 'boom' });
    expect(second).toMatchObject({ status: 'error', error: { errorType: 'Error', errorMessage: 'boom' } });
    expect(second.initDurationMs).toBeUndefined();
    const shutdown = await s.sandbox.shutdown();
    expect(shutdown).toMatchObject({
      reason: 'spindown',
      extensionsNotified: ['telemetry-ext'],
      extensions: [{ name: 'telemetry-ext', outcome: 'exited', code: 0 }],
      killed: [],
    });

    const out = await readOutput(s.out);
    const register = out.find((o) => o.kind === 'register');
    expect(register?.data).toMatchObject({
      status: 200,
      body: {
        functionName: 'sandbox-function',
        functionVersion: '$LATEST',
        handler: 'index.handler',
        accountId: '123456789012',
      },
    });
    expect(out.find((o) => o.kind === 'subscribe')?.data).toEqual({ status: 200, body: 'OK' });
    const batches = out.filter((o) => o.kind === 'batch');
    for (const b of batches) {
      expect(b.data['host']).toMatch(/^sandbox\.localdomain:\d+$/);
      expect(b.data['path']).toBe('/telemetry');
    }
    const events = out.filter((o) => o.kind === 'event').map((o) => o.data);
    expect(events.map((e) => e['eventType'])).toEqual(['INVOKE', 'INVOKE', 'SHUTDOWN']);
    expect(events[0]).toMatchObject({
      requestId: first.requestId,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sandbox-function',
      tracing: {
        type: 'X-Amzn-Trace-Id',
        value: expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/),
      },
    });
    expect(events[2]).toMatchObject({ shutdownReason: 'spindown', deadlineMs: shutdown.deadlineMs });

    const emitted = s.sandbox.emitted();
    const received = receivedRecords(out);
    expect(received.map(key)).toEqual(emitted.map(key));
    // platform records in Lambda's order; log lines arrive through pipes, so only their count is fixed
    expect(
      emitted.filter((e) => e.type.startsWith('platform.')).map((e: TelemetryRecordEmitted) => e.type),
    ).toEqual([
      'platform.initStart',
      'platform.telemetrySubscription',
      'platform.extension',
      'platform.initRuntimeDone',
      'platform.initReport',
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
    ]);
    expect(emitted.filter((e) => e.type === 'function')).toHaveLength(4);
    expect(emitted.filter((e) => e.type === 'extension').map((e) => e.record)).toEqual([
      '[telemetry-ext] invoke 1\n',
      '[telemetry-ext] invoke 2\n',
    ]);
    const lines = emitted.filter((e) => e.type === 'function').map((e) => e.record as string);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${first.requestId}\\tINFO\\tline 0\\n$`,
      ),
    );
    expect(lines[3]).toContain(
      `${second.requestId}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"`,
    );
    const reports = emitted
      .filter((e) => e.type === 'platform.report')
      .map((e) => e.record as Record<string, never>);
    expect(reports[0]).toMatchObject({
      requestId: first.requestId,
      status: 'success',
      metrics: {
        durationMs: first.durationMs,
        billedDurationMs: first.billedDurationMs,
        memorySizeMB: 128,
        maxMemoryUsedMB: first.maxMemoryUsedMB,
        initDurationMs: first.initDurationMs,
      },
    });
    expect(first.maxMemoryUsedMB).toBeGreaterThan(20);
    expect(reports[1]).toMatchObject({ requestId: second.requestId, status: 'error', errorType: 'Error' });
    const report = s.sandbox.report();
    expect(report).toMatchObject({
      state: 'stopped',
      invocations: { total: 2, byStatus: { success: 1, error: 1 } },
      records: { total: emitted.length },
      dropped: { records: 0, bytes: 0 },
      subscribers: [{ name: 'telemetry-ext', deliveredRecords: emitted.length, droppedRecords: 0 }],
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('delivers JSON log format records as objects on 2022-12-13 and as strings on 2022-07-01', async () => {
    const s = await startSandbox(
      { 'new-schema': 'telemetry-extension.mjs', 'old-schema': 'telemetry-extension.mjs' },
      // Two Node extensions beside the runtime come near 128 MB (which the sandbox enforces) on a loaded machine.
      {
        logFormat: 'JSON',
        memorySizeMb: 512,
        env: { EXT_SCHEMA_OLD_SCHEMA: '2022-07-01', EXT_TYPES: 'function' },
      },
    );
    cleanups.push(s.cleanup);
    expect((await s.sandbox.init()).status).toBe('success');
    const r = await s.sandbox.invoke({ log: 1, logJsonError: true, stdout: 'raw stdout line' });
    await s.sandbox.shutdown();
    const out = await readOutput(s.out);
    const fresh = receivedRecords(out, 'new-schema').map((x) => x.record);
    const old = receivedRecords(out, 'old-schema').map((x) => x.record);
    expect(fresh).toContainEqual({
      timestamp: expect.any(String),
      level: 'INFO',
      requestId: r.requestId,
      message: 'line 0',
    });
    expect(fresh).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        errorType: 'TypeError',
        errorMessage: 'bad thing',
        stackTrace: expect.any(Array),
      }),
    );
    expect(fresh).toContain('raw stdout line\n');
    expect(old).toHaveLength(fresh.length);
    for (const rec of old) expect(typeof rec).toBe('string');
    expect(old.map((x) => ((x as string).startsWith('{') ? JSON.parse(x as string) : x))).toEqual(fresh);
  });
});
