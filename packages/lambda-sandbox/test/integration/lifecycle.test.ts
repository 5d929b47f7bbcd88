import { stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxStateError } from '../../src/index.js';
import { tempFile } from '../helpers/layer.js';
import { procState, readOutput, receivedRecords, sleep, startSandbox, waitFor } from '../helpers/sandbox.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const size = async (file: string) => (await stat(file).catch(() => ({ size: 0 }))).size;

describe('freeze and thaw', () => {
  it('really stops every process once all called next, and resumes them for the next event', async () => {
    const ticks = await tempFile('ticks');
    const s = await startSandbox({ ticker: 'telemetry-extension.mjs' }, { env: { EXT_TICK_FILE: ticks } });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    const pids = [init.extensions[0]?.pid as number, init.runtimePid as number];
    await waitFor(async () => (await Promise.all(pids.map(procState))).every((st) => st === 'T'));
    const before = await size(ticks);
    await sleep(300);
    expect(await size(ticks)).toBe(before);

    const first = await s.sandbox.invoke({});
    expect(first.status).toBe('success');
    await waitFor(async () => (await Promise.all(pids.map(procState))).every((st) => st === 'T'));
    const frozenAt = await size(ticks);
    expect(frozenAt).toBeGreaterThan(before);
    // the report of the first invocation is produced, but held until the environment thaws
    await sleep(300);
    const heldBack = receivedRecords(await readOutput(s.out)).filter((r) => r.type === 'platform.report');
    expect(heldBack).toHaveLength(0);
    expect(await size(ticks)).toBe(frozenAt);

    // an invocation long enough for the held-back records to go out before the next freeze
    await s.sandbox.invoke({ sleepMs: 300 });
    const delivered = await waitFor(async () => {
      const reports = receivedRecords(await readOutput(s.out)).filter((r) => r.type === 'platform.report');
      return reports.length > 0 ? reports : undefined;
    });
    expect(delivered[0]?.record).toMatchObject({ requestId: first.requestId });
  });

  it('leaves processes running with freeze: false', async () => {
    const s = await startSandbox({ ticker: 'idle-extension.mjs' }, { freeze: false });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    await s.sandbox.invoke({});
    await sleep(100);
    expect(await procState(init.extensions[0]?.pid as number)).not.toBe('T');
    expect(await procState(init.runtimePid as number)).not.toBe('T');
  });
});

describe('invoke', () => {
  it('measures the time extensions take after the runtime is done', async () => {
    const s = await startSandbox({ worker: 'telemetry-extension.mjs' }, { env: { EXT_WORK_MS: '150' } });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({});
    // the extension works 150 ms from the moment it gets INVOKE, in parallel with the handler
    expect(r.postRuntimeExtensionsDurationMs).toBeGreaterThan(0);
    // (INVOKE reaches the extension just before the runtime gets its request, hence some slack)
    expect(r.durationMs + r.postRuntimeExtensionsDurationMs).toBeGreaterThanOrEqual(140);
    expect(r.billedDurationMs).toBe(Math.ceil(r.durationMs + r.postRuntimeExtensionsDurationMs));
    const report = s.sandbox.emitted().find((e) => e.type === 'platform.report');
    expect(report?.record).toMatchObject({ metrics: { billedDurationMs: r.billedDurationMs } });
    expect(s.sandbox.report().overheadMs.max).toBe(r.postRuntimeExtensionsDurationMs);
  });

  it('times out an invocation, reports it, and requires a new environment', async () => {
    const s = await startSandbox(
      { busy: 'telemetry-extension.mjs' },
      { timeoutMs: 1000, env: { EXT_WORK_MS: '1500' } },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({ sleepMs: 5000 });
    expect(r).toMatchObject({ status: 'timeout', error: { errorType: 'Sandbox.Timedout' } });
    const types = s.sandbox.emitted().map((e) => [e.type, (e.record as { status?: string }).status]);
    expect(types).toContainEqual(['platform.runtimeDone', 'timeout']);
    expect(types).toContainEqual(['platform.report', 'timeout']);
    await expect(s.sandbox.invoke({})).rejects.toBeInstanceOf(SandboxStateError);
    // the extension was still busy with INVOKE: SHUTDOWN waits for its next call
    const shutdown = await s.sandbox.shutdown('timeout');
    expect(shutdown).toMatchObject({
      reason: 'timeout',
      extensions: [{ name: 'busy', outcome: 'exited', code: 0 }],
    });
    const events = (await readOutput(s.out))
      .filter((o) => o.kind === 'event')
      .map((o) => o.data['eventType']);
    expect(events).toEqual(['INVOKE', 'SHUTDOWN']);
  });

  it('treats an extension exiting outside Shutdown as Extension.Crash', async () => {
    const s = await startSandbox({ crasher: 'telemetry-extension.mjs' }, { env: { EXT_CRASH_AT: '1' } });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({});
    expect(r).toMatchObject({ status: 'failure', error: { errorType: 'Extension.Crash' } });
    expect(s.sandbox.report().crashes).toEqual([
      { name: 'crasher', errorType: 'Extension.Crash', code: 3, signal: null },
    ]);
    await expect(s.sandbox.invoke({})).rejects.toThrow(/Extension\.Crash/);
    const shutdown = await s.sandbox.shutdown('failure');
    expect(shutdown.extensions).toEqual([{ name: 'crasher', outcome: 'gone', code: 3, signal: null }]);
  });

  it('fails an idle, unfrozen environment whose extension exits', async () => {
    const s = await startSandbox({ idle: 'idle-extension.mjs' }, { freeze: false });
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    process.kill(init.extensions[0]?.pid as number, 'SIGKILL');
    await waitFor(() => s.sandbox.report().crashes.length > 0);
    expect(s.sandbox.report()).toMatchObject({
      state: 'failed',
      crashes: [{ name: 'idle', errorType: 'Extension.Crash', signal: 'SIGKILL' }],
    });
    await expect(s.sandbox.invoke({})).rejects.toThrow(/idle exited outside the Shutdown phase/);
  });

  it('answers 500 when a request breaks off mid-body, and goes on serving', async () => {
    const s = await startSandbox({});
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const [host, port] = s.sandbox.runtimeApi.split(':');
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), host as string, () => {
        socket.write(
          'POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ev',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    expect((await s.sandbox.invoke({ echo: 'still here' })).response).toMatchObject({ echo: 'still here' });
  });

  it('treats a runtime exiting during an invocation as Runtime.ExitError', async () => {
    const s = await startSandbox({});
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({ exit: 7 });
    expect(r).toMatchObject({ status: 'failure', error: { errorType: 'Runtime.ExitError' } });
  });

  it('runs CommonJS callback handlers, keeps a multi-line console message in one record, refuses a too large response', async () => {
    const s = await startSandbox({}, { handler: 'callback.handler' });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    expect((await s.sandbox.invoke({ n: 5 })).response).toEqual({ callback: true, n: 5 });
    await s.sandbox.shutdown();

    const t = await startSandbox({});
    cleanups.push(t.cleanup);
    await t.sandbox.init();
    await t.sandbox.invoke({ logMultiline: true, warn: 'careful' });
    const fn = t.sandbox
      .emitted()
      .filter((e) => e.type === 'function')
      .map((e) => e.record as string);
    expect(fn[0]).toMatch(/\tINFO\tfirst\nsecond\n$/);
    expect(fn[1]).toMatch(/\tWARN\tcareful\n$/);
    const big = await t.sandbox.invoke({ big: true });
    expect(big).toMatchObject({ status: 'error', error: { errorType: 'Function.ResponseSizeTooLarge' } });
  });

  it('serializes concurrent invoke() calls', async () => {
    const s = await startSandbox({});
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const results = await Promise.all([1, 2, 3].map((echo) => s.sandbox.invoke({ echo })));
    expect(results.map((r) => (r.response as { echo: number }).echo)).toEqual([1, 2, 3]);
    const starts = s.sandbox
      .emitted()
      .filter((e) => e.type === 'platform.start' || e.type === 'platform.report');
    expect(starts.map((e) => e.type)).toEqual([
      'platform.start',
      'platform.report',
      'platform.start',
      'platform.report',
      'platform.start',
      'platform.report',
    ]);
  });
});

describe('shutdown', () => {
  it('sends SHUTDOWN with deadlineMs and SIGKILLs an extension still running at the deadline', async () => {
    const s = await startSandbox(
      { stubborn: 'telemetry-extension.mjs', polite: 'idle-extension.mjs' },
      {
        shutdownTimeoutMs: 600,
        env: { EXT_HANG_ON_SHUTDOWN: '1', EXT_IGNORE_SIGTERM: '1', EXT_EVENTS: 'SHUTDOWN' },
      },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    await s.sandbox.invoke({});
    const r = await s.sandbox.shutdown();
    expect([...r.extensionsNotified].sort()).toEqual(['polite', 'stubborn']);
    expect(r.killed).toEqual(['stubborn']);
    expect(r.extensions).toEqual([
      { name: 'polite', outcome: 'exited', code: 0, signal: null },
      { name: 'stubborn', outcome: 'killed', code: null, signal: 'SIGKILL' },
    ]);
    expect(r.runtime).toMatchObject({ name: 'runtime', outcome: 'exited', signal: 'SIGTERM' });
    expect(r.durationMs).toBeGreaterThanOrEqual(550);
    await expect(s.sandbox.shutdown()).rejects.toBeInstanceOf(SandboxStateError);
  });

  it('SIGKILLs an extension that did not register for SHUTDOWN', async () => {
    const s = await startSandbox({ invokeonly: 'idle-extension.mjs' });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.shutdown();
    expect(r.extensionsNotified).toEqual([]);
    expect(r.extensions).toEqual([{ name: 'invokeonly', outcome: 'killed', code: null, signal: 'SIGKILL' }]);
  });
});

describe('a slow subscriber', () => {
  it('loses records beyond its queue and gets platform.logsDropped', async () => {
    const s = await startSandbox(
      { slow: 'telemetry-extension.mjs' },
      {
        freeze: false,
        subscriberQueueFactor: 1,
        env: { EXT_LISTENER_DELAY_MS: '800', EXT_TYPES: 'platform,function' },
      },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    await s.sandbox.invoke({ log: 3000 });
    await waitFor(() => s.sandbox.emitted().some((e) => e.type === 'platform.logsDropped'));
    const report = s.sandbox.report();
    expect(report.dropped.records).toBeGreaterThan(0);
    const notice = s.sandbox.emitted().find((e) => e.type === 'platform.logsDropped');
    expect(notice).toMatchObject({
      subscriber: 'slow',
      record: {
        droppedRecords: expect.any(Number),
        droppedBytes: expect.any(Number),
        reason: expect.stringContaining('did not keep up'),
      },
    });
    const got = await waitFor(async () => {
      const records = receivedRecords(await readOutput(s.out));
      return records.some((r) => r.type === 'platform.logsDropped') ? records : undefined;
    }, 15_000);
    const fnLines = got.filter((r) => r.type === 'function').length;
    expect(fnLines).toBeLessThan(3000);
  }, 30_000);

  it('drops batches a failing subscriber refuses', async () => {
    const s = await startSandbox(
      { failing: 'telemetry-extension.mjs' },
      { freeze: false, env: { EXT_LISTENER_STATUS: '500', EXT_TYPES: 'function' } },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    await s.sandbox.invoke({ log: 2 });
    await waitFor(() => s.sandbox.report().subscribers[0]?.failedBatches);
    expect(s.sandbox.report().dropped.records).toBeGreaterThanOrEqual(2);
  });
});
