import { afterEach, describe, expect, it } from 'vitest';
import { type ProcReader, SandboxStateError } from '../../src/index.js';
import { startSandbox, waitFor } from '../helpers/sandbox.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const LIMIT_KB = 128 * 1024;
// Well past the limit, so that no sampling interval can miss it on a loaded machine.
const GROW_MB = 300;

type Rec = { type: string; record: Record<string, unknown> };
const recordsOf = (emitted: readonly unknown[], type: string, requestId?: string): Rec[] =>
  (emitted as Rec[]).filter(
    (e) => e.type === type && (requestId === undefined || e.record['requestId'] === requestId),
  );

describe('memorySizeMb enforcement', () => {
  it('leaves an invocation under the limit alone and reports its real peak', async () => {
    const s = await startSandbox({ idle: 'idle-extension.mjs' });
    cleanups.push(s.cleanup);
    expect((await s.sandbox.init()).status).toBe('success');
    const r = await s.sandbox.invoke({ allocateMb: 10 });
    expect(r.status).toBe('success');
    const memory = s.sandbox.report().memory;
    expect(memory).toMatchObject({ available: true, enforced: true, limitKb: LIMIT_KB });
    // two Node processes: tens of MiB each, under the limit
    expect(memory.peakKb).toBeGreaterThan(20 * 1024);
    expect(memory.peakKb).toBeLessThanOrEqual(LIMIT_KB);
    expect(memory.processes.map((p) => p.name).sort()).toEqual(['idle', 'runtime']);
    expect(r.peakMemoryKb).toBeGreaterThan(20 * 1024);
    expect(r.peakMemoryKb).toBeLessThanOrEqual(memory.peakKb);
    expect(r.maxMemoryUsedMB).toBe(Math.ceil(memory.peakKb / 1024));
    const [report] = recordsOf(s.sandbox.emitted(), 'platform.report', r.requestId);
    expect(report?.record).toMatchObject({
      status: 'success',
      metrics: { memorySizeMB: 128, maxMemoryUsedMB: r.maxMemoryUsedMB },
    });
  });

  it('ends a runtime that allocates past the limit with Runtime.OutOfMemory and fails the environment', async () => {
    const s = await startSandbox(
      { idle: 'idle-extension.mjs' },
      { timeoutMs: 60_000, env: { EXT_EVENTS: 'INVOKE,SHUTDOWN' } },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({ allocateMb: GROW_MB });
    expect(r).toMatchObject({
      status: 'failure',
      error: {
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `RequestId: ${r.requestId} Error: Runtime exited with error: signal: killed`,
      },
      // as Lambda reports it: the limit, which the environment could not pass
      maxMemoryUsedMB: 128,
    });
    expect(r.peakMemoryKb).toBeGreaterThan(LIMIT_KB);
    const emitted = s.sandbox.emitted();
    expect(recordsOf(emitted, 'platform.runtimeDone', r.requestId)[0]?.record).toMatchObject({
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
    expect(recordsOf(emitted, 'platform.report', r.requestId)[0]?.record).toMatchObject({
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
      metrics: { memorySizeMB: 128, maxMemoryUsedMB: 128 },
    });
    const report = s.sandbox.report();
    expect(report.state).toBe('failed');
    expect(report.crashes).toEqual([
      { name: 'runtime', errorType: 'Runtime.OutOfMemory', code: null, signal: 'SIGKILL' },
    ]);
    expect(report.invocations.list[0]).toMatchObject({ status: 'error', errorType: 'Runtime.OutOfMemory' });
    expect(report.memory.peakKb).toBeGreaterThan(LIMIT_KB);
    await expect(s.sandbox.invoke({})).rejects.toThrow(/memory limit/);
    await expect(s.sandbox.invoke({})).rejects.toBeInstanceOf(SandboxStateError);

    // the reset: the runtime is gone, the extension gets SHUTDOWN with reason failure
    const shutdown = await s.sandbox.shutdown('failure');
    expect(shutdown).toMatchObject({
      reason: 'failure',
      extensionsNotified: ['idle'],
      extensions: [{ name: 'idle', outcome: 'exited', code: 0 }],
    });
    expect(shutdown.runtime?.signal).toBe('SIGKILL');
  });

  it('counts an extension that grows after INVOKE', async () => {
    const s = await startSandbox(
      { grower: 'idle-extension.mjs' },
      { timeoutMs: 60_000, env: { EXT_INVOKE_ALLOCATE_MB: String(GROW_MB) } },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({});
    expect(r).toMatchObject({ status: 'failure', error: { errorType: 'Runtime.OutOfMemory' } });
    expect(recordsOf(s.sandbox.emitted(), 'platform.report', r.requestId)[0]?.record).toMatchObject({
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
    // killing the runtime is not enough: the extension that grew is killed too (when it passes
    // the limit again, if the runtime's death brought the sum under it for a while)
    await waitFor(() => s.sandbox.report().crashes.length >= 2);
    expect(s.sandbox.report().crashes.map((c) => [c.name, c.errorType])).toEqual([
      ['runtime', 'Runtime.OutOfMemory'],
      ['grower', 'Runtime.OutOfMemory'],
    ]);
  });

  it('fails the Init of a function that allocates past the limit while it loads', async () => {
    const s = await startSandbox(
      { idle: 'idle-extension.mjs' },
      { env: { FN_INIT_ALLOCATE_MB: String(GROW_MB) }, initTimeoutMs: 60_000 },
    );
    cleanups.push(s.cleanup);
    const init = await s.sandbox.init();
    expect(init).toMatchObject({ status: 'error', errorType: 'Runtime.OutOfMemory' });
    expect(recordsOf(s.sandbox.emitted(), 'platform.initReport')[0]?.record).toMatchObject({
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
    await expect(s.sandbox.invoke({})).rejects.toBeInstanceOf(SandboxStateError);
  });

  it('fails an idle, unfrozen environment that grows past the limit', async () => {
    const s = await startSandbox({ idle: 'idle-extension.mjs' }, { freeze: false });
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    expect((await s.sandbox.invoke({ allocateAfterMb: GROW_MB })).status).toBe('success');
    await waitFor(() => s.sandbox.report().state === 'failed');
    expect(s.sandbox.report().crashes[0]).toMatchObject({
      name: 'runtime',
      errorType: 'Runtime.OutOfMemory',
    });
    await expect(s.sandbox.invoke({})).rejects.toThrow(/memory limit/);
  });

  it('lets everything pass with enforceMemoryLimit: false, and still reports the real figures', async () => {
    const s = await startSandbox(
      { grower: 'idle-extension.mjs' },
      {
        enforceMemoryLimit: false,
        memoryAccounting: 'rss-sum',
        timeoutMs: 60_000,
        env: { EXT_INVOKE_ALLOCATE_MB: String(GROW_MB) },
      },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    const r = await s.sandbox.invoke({ allocateMb: GROW_MB });
    expect(r.status).toBe('success');
    // both processes hold 300 MiB: the sum counts each
    expect(r.maxMemoryUsedMB).toBeGreaterThan(2 * GROW_MB);
    const memory = s.sandbox.report().memory;
    expect(memory).toMatchObject({ enforced: false, accounting: 'rss-sum', peakKb: memory.peakRssSumKb });
    // both run the same node binary: cgroup accounting counts its pages once
    expect(memory.peakCgroupKb).toBeLessThan(memory.peakRssSumKb);
    for (const p of memory.processes) expect(p.peakKb).toBeGreaterThan(GROW_MB * 1024);
    expect((await s.sandbox.invoke({})).status).toBe('success');
    expect(s.sandbox.report().crashes).toEqual([]);
  });

  it('enforces nothing and reports 0 MB where process memory cannot be read', async () => {
    const warnings: string[] = [];
    const noProc: ProcReader = { available: () => false, memory: () => undefined, children: () => [] };
    const s = await startSandbox(
      { idle: 'idle-extension.mjs' },
      {},
      {
        _internal: { procReader: noProc },
        logger: {
          debug: () => {},
          info: () => {},
          warn: (m: string) => warnings.push(m),
          error: () => {},
        },
      },
    );
    cleanups.push(s.cleanup);
    await s.sandbox.init();
    expect(warnings.some((w) => /not enforced/.test(w))).toBe(true);
    const r = await s.sandbox.invoke({ allocateMb: 150 });
    expect(r).toMatchObject({ status: 'success', maxMemoryUsedMB: 0, peakMemoryKb: 0 });
    expect(s.sandbox.report().memory).toMatchObject({ available: false, enforced: false, peakKb: 0 });
  });
});
