/**
 * The invocations whose `platform.report` is awaited (the pipeline's pendingReports): Lambda drops
 * records when the listener does not keep up (its `platform.logsDropped` counts them), reports
 * included. Such an id must neither stay forever (the set grew by one per invocation) nor be named
 * at SHUTDOWN as an invocation whose records Lambda still held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createPipeline, MAX_PENDING_REPORTS, type Pipeline } from '../../src/pipeline.js';
import { invocationRecords, lambdaEnv, startTap, type Tap, workspace } from '../helpers/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A pipeline shipping to a recording tap, with its log lines kept. */
async function pipelineWithTap(): Promise<{
  pipeline: Pipeline;
  tap: Tap;
  lines: Record<string, unknown>[];
}> {
  const tap = await startTap();
  const ws = workspace();
  cleanups.push(
    () => tap.close(),
    () => ws.remove(),
  );
  const loaded = loadConfig(lambdaEnv('127.0.0.1:1', tap.url, ws.spoolDir, { DATA_TAPS_LOG_LEVEL: 'info' }));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const lines: Record<string, unknown>[] = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...fields });
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const pipeline = await createPipeline(loaded.config, {
    logger,
    now: Date.now,
    listenerStats: () => ({}) as never,
    receivesPlatform: true,
    gate: { pass: async () => {}, holds: () => false },
  });
  await pipeline.open();
  // The Init's records came: only invocations are in question.
  pipeline.receive([
    {
      time: new Date().toISOString(),
      type: 'platform.initReport',
      record: {
        initializationType: 'on-demand',
        phase: 'init',
        status: 'success',
        metrics: { durationMs: 1 },
      },
    },
  ] as never);
  return { pipeline, tap, lines };
}

const invoke = (pipeline: Pipeline, requestId: string) =>
  pipeline.invoke({
    eventType: 'INVOKE',
    requestId,
    deadlineMs: Date.now() + 60_000,
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
  });
const report = (pipeline: Pipeline, requestId: string) =>
  pipeline.receive(invocationRecords(requestId, []).report as never);

const notReceived = (tap: Tap) =>
  tap
    .accepted()
    .filter((l) => l['type'] === 'dataTaps.dropped')
    .map((l) => JSON.parse(String(l['record'])) as Record<string, unknown>)
    .filter((d) => d['cause'] === 'not-received-before-shutdown');

describe('the invocations awaiting their platform.report', () => {
  it('an invocation whose report Lambda dropped, while later ones came, is not named as not received at SHUTDOWN', async () => {
    const { pipeline, tap, lines } = await pipelineWithTap();
    await invoke(pipeline, 'r1'); // its report is dropped by Lambda
    await invoke(pipeline, 'r2');
    report(pipeline, 'r2');
    await invoke(pipeline, 'r3');
    report(pipeline, 'r3');
    await pipeline.shutdown({
      eventType: 'SHUTDOWN',
      shutdownReason: 'spindown',
      deadlineMs: Date.now() + 1500,
    });
    expect(notReceived(tap)).toEqual([]);
    const last = lines.find((l) => l['msg'] === 'shut down');
    expect(last).toMatchObject({ notReceivedInvocations: 0, reportsOvertaken: 1, untrackedInvocations: 0 });
  });

  it('still names the last invocations whose records Lambda held at SHUTDOWN, most recent ids', async () => {
    const { pipeline, tap } = await pipelineWithTap();
    await invoke(pipeline, 'a1');
    report(pipeline, 'a1');
    await invoke(pipeline, 'a2');
    await invoke(pipeline, 'a3');
    await pipeline.shutdown({
      eventType: 'SHUTDOWN',
      shutdownReason: 'spindown',
      deadlineMs: Date.now() + 1000,
    });
    expect(notReceived(tap)).toEqual([
      expect.objectContaining({ invocations: 2, requestIds: ['a2', 'a3'], initPhase: false }),
    ]);
  });

  it(`keeps at most ${MAX_PENDING_REPORTS} ids when no report comes, and counts the others as untracked`, async () => {
    const { pipeline, tap, lines } = await pipelineWithTap();
    const total = MAX_PENDING_REPORTS + 500;
    for (let i = 0; i < total; i++) await invoke(pipeline, `n${i}`);
    await pipeline.shutdown({
      eventType: 'SHUTDOWN',
      shutdownReason: 'spindown',
      deadlineMs: Date.now() + 1000,
    });
    const [record] = notReceived(tap);
    expect(record).toMatchObject({ invocations: MAX_PENDING_REPORTS, untrackedInvocations: 500 });
    const ids = record?.['requestIds'] as string[];
    expect(ids).toHaveLength(100);
    expect(ids.at(-1)).toBe(`n${total - 1}`); // the most recent
    expect(lines.find((l) => l['msg'] === 'shut down')).toMatchObject({
      notReceivedInvocations: MAX_PENDING_REPORTS,
      untrackedInvocations: 500,
    });
  });
});
