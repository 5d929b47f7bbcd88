/**
 * A `spindown` SHUTDOWN ends the environment and its /tmp for good: what the drain could not send
 * then is lost, and must be counted as such (`environment-ended`), never called "spooled". The
 * spool serves resets of the same environment (`timeout`, `failure`), which keep spooling.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  invocationRecords,
  ready,
  setup as setupLambda,
  startExtension,
  type Tap,
  TOKEN,
  until,
  type workspace,
} from '../helpers/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Setup = Awaited<ReturnType<typeof setupLambda>>;

const BACKGROUND = { DATA_TAPS_FLUSH_STRATEGY: 'background' };

/** One invocation with `lines` function lines of ~1 KB, all its records delivered. */
async function invocation({ lambda }: Setup, requestId: string, lines: number) {
  await lambda.api.invoke({ requestId });
  const r = invocationRecords(
    requestId,
    Array.from({ length: lines }, (_, i) => `${requestId} ${i} ${'z'.repeat(1000)}\n`),
  );
  await lambda.telemetry.deliver([...r.start, ...r.logs, ...r.runtimeDone, ...r.report]);
}

const spoolSegments = (ws: ReturnType<typeof workspace>) =>
  existsSync(ws.spoolDir) ? readdirSync(ws.spoolDir).filter((name) => name.endsWith('.ndjson')) : [];

const lastLine = (ws: ReturnType<typeof workspace>) => ws.logLines().find((l) => l['msg'] === 'shut down');

const droppedRecords = (tap: Tap) =>
  tap
    .accepted()
    .filter((l) => l['type'] === 'dataTaps.dropped')
    .map((l) => JSON.parse(String(l['record'])) as Record<string, unknown>);

describe('SHUTDOWN with reason spindown: what cannot be sent is lost, and counted so', () => {
  it('counts what a failing tap did not take as dropped (environment-ended), not spooled, and leaves no spool', async () => {
    const world = await setupLambda(cleanups);
    world.tap.answer(() => ({ status: 500 }));
    const running = startExtension(world, BACKGROUND);
    await ready(world.lambda);
    await invocation(world, 's1', 10);
    await until(() => world.tap.requests.length > 0);
    await world.lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1200 });
    expect(await running).toBe(0);
    const last = lastLine(world.ws);
    expect(last).toMatchObject({ reason: 'spindown', spooled: 0 });
    const byCause = (last?.['droppedByCause'] ?? {}) as Record<string, number>;
    // 10 function lines + start, runtimeDone, report, and the extension's own records
    expect(byCause['environment-ended']).toBeGreaterThanOrEqual(13);
    expect(last?.['dropped']).toBe(byCause['environment-ended']);
    expect(spoolSegments(world.ws)).toEqual([]);
    expect(world.ws.log()).not.toContain(TOKEN);
  });

  it('ships a dataTaps.dropped record (environment-ended) when the tap still takes a small request', async () => {
    const world = await setupLambda(cleanups);
    // The tap fails every body bigger than a few lines: the records never go, a lone drop record does.
    world.tap.answer((req) => ({ status: Number(req.headers['content-length']) > 4_000 ? 500 : 200 }));
    const running = startExtension(world, BACKGROUND);
    await ready(world.lambda);
    await invocation(world, 's1', 20);
    await until(() => world.tap.requests.some((r) => r.status === 500));
    await world.lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    expect(world.tap.accepted().filter((l) => l['type'] === 'function')).toEqual([]);
    type ByCause = Record<string, { records: number } | undefined>;
    const ended = droppedRecords(world.tap)
      .map((d) => (d['byCause'] ?? {}) as ByCause)
      .filter((byCause) => byCause['environment-ended'] !== undefined);
    expect(ended).toHaveLength(1);
    const last = lastLine(world.ws);
    const counted = ended[0]?.['environment-ended']?.records ?? 0;
    expect(counted).toBeGreaterThanOrEqual(23);
    expect(counted).toBe(((last?.['droppedByCause'] ?? {}) as Record<string, number>)['environment-ended']);
    expect(last).toMatchObject({ spooled: 0 });
    expect(spoolSegments(world.ws)).toEqual([]);
  });

  it('delivers everything to a healthy tap and drops nothing', async () => {
    const world = await setupLambda(cleanups);
    const running = startExtension(world, BACKGROUND);
    await ready(world.lambda);
    await invocation(world, 's1', 5);
    await world.lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    expect(world.tap.accepted().filter((l) => l['type'] === 'function')).toHaveLength(5);
    expect(lastLine(world.ws)).toMatchObject({ spooled: 0, dropped: 0, remaining: 0 });
    // (the fake Lambda sends no platform.initReport: only that is named, as not received)
    expect(droppedRecords(world.tap)).toEqual([
      expect.objectContaining({ cause: 'not-received-before-shutdown', invocations: 1, initPhase: true }),
    ]);
  });
});

describe('SHUTDOWN with reason timeout or failure (a reset: the same /tmp, Init again)', () => {
  for (const reason of ['timeout', 'failure'] as const) {
    it(`${reason}: spools what a failing tap did not take, drops nothing`, async () => {
      const world = await setupLambda(cleanups);
      world.tap.answer(() => ({ status: 500 }));
      const running = startExtension(world, BACKGROUND);
      await ready(world.lambda);
      await invocation(world, 't1', 10);
      await until(() => world.tap.requests.length > 0);
      await world.lambda.api.shutdown({ reason, deadlineMs: Date.now() + 1200 });
      expect(await running).toBe(0);
      const last = lastLine(world.ws);
      expect(last).toMatchObject({ reason, dropped: 0 });
      expect(last?.['spooled']).toBeGreaterThanOrEqual(13);
      expect(spoolSegments(world.ws).length).toBeGreaterThan(0);
    });
  }
});
