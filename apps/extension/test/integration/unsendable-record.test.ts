/**
 * A record the tap will never take (its line larger than DATA_TAPS_MAX_REQUEST_BYTES, or a body the
 * tap refuses for good) is dropped at once and counted (`rejected`), and holds back nothing behind
 * it. Regression (issue #18, item 1): the sink returned it unsent, the buffer put it back at the
 * head and retried it with backoff until SHUTDOWN, and every record behind it waited there too.
 */
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

const ENV = { DATA_TAPS_FLUSH_STRATEGY: 'background', DATA_TAPS_MAX_REQUEST_BYTES: '65536' };

/** One invocation logging `lines`, all its records delivered to the extension. */
async function invocation({ lambda }: Setup, requestId: string, lines: string[]) {
  await lambda.api.invoke({ requestId });
  const r = invocationRecords(requestId, lines);
  await lambda.telemetry.deliver([...r.start, ...r.logs, ...r.runtimeDone, ...r.report]);
}

/** Polls `check` until it holds or `ms` pass; says which. */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

const functionLines = (tap: Tap) =>
  tap
    .accepted()
    .filter((l) => l['type'] === 'function')
    .map((l) => String(l['record']));
const dropRecords = (tap: Tap) =>
  tap
    .accepted()
    .filter((l) => l['type'] === 'dataTaps.dropped')
    .map((l) => JSON.parse(String(l['record'])) as { byCause?: Record<string, { records: number }> });
const rejectedInTap = (tap: Tap) =>
  dropRecords(tap).reduce((sum, d) => sum + (d.byCause?.['rejected']?.records ?? 0), 0);
const lastLine = (ws: ReturnType<typeof workspace>) => ws.logLines().find((l) => l['msg'] === 'shut down');
const warnings = (ws: ReturnType<typeof workspace>, start: string) =>
  ws.logLines().filter((l) => String(l['msg']).startsWith(start));

const small = (requestId: string) => [0, 1, 2].map((i) => `${requestId} line ${i}\n`);

describe('a record the tap will never take', () => {
  it('a log line larger than DATA_TAPS_MAX_REQUEST_BYTES is dropped and counted (rejected); everything behind it goes at once', async () => {
    const world = await setupLambda(cleanups);
    const running = startExtension(world, ENV);
    await ready(world.lambda);
    const huge = (requestId: string) => `${requestId} huge ${'h'.repeat(200_000)}\n`;
    const ids = ['u1', 'u2', 'u3', 'u4', 'u5'];
    for (const id of ids) {
      const lines = small(id);
      // the second and the fourth invocation each log one line too large for any request
      if (id === 'u2' || id === 'u4') lines.splice(1, 0, huge(id));
      await invocation(world, id, lines);
    }
    const expected = ids.flatMap(small);

    // Before SHUTDOWN: every other line reaches the tap (before, none after the first huge line did).
    const arrived = await within(10_000, () => functionLines(world.tap).length >= expected.length);
    expect(arrived, `lines in the tap before SHUTDOWN: ${functionLines(world.tap).length}`).toBe(true);
    expect(new Set(functionLines(world.tap))).toEqual(new Set(expected));
    expect(world.tap.requests.every((r) => r.status === 200)).toBe(true);

    await world.lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);
    const last = lastLine(world.ws);
    expect(last).toMatchObject({ spooled: 0, remaining: 0, droppedByCause: { rejected: 2 } });
    expect(last?.['dropped']).toBe(2);
    expect(rejectedInTap(world.tap)).toBe(2);
    expect(functionLines(world.tap).some((line) => line.includes(' huge '))).toBe(false);
    // One warning for the kind (the second such line at debug), naming how many and why.
    const said = warnings(world.ws, 'the Data Tap will never take');
    expect(said.map((l) => l['level'])).toEqual(['warn', 'debug']);
    expect(said[0]).toMatchObject({ rejected: 1 });
    expect(String(said[0]?.['error'])).toMatch(/^LineTooLargeError: .*more than maxBodyBytes \(65536\)/);
    // Not a tap failure: no "kept and retried" warning.
    expect(warnings(world.ws, 'the Data Tap did not take a batch')).toEqual([]);
    expect(world.ws.log()).not.toContain(TOKEN);
  });

  it('a body the tap refuses for good (400) is dropped and counted (rejected), not sent again; the next ones go at once', async () => {
    const world = await setupLambda(cleanups);
    let answered = 0;
    world.tap.answer(() =>
      answered++ === 0
        ? { status: 400, body: JSON.stringify({ statusCode: 400, message: 'BadRequest' }) }
        : { status: 200 },
    );
    const running = startExtension(world, ENV);
    await ready(world.lambda);
    await invocation(world, 'b1', small('b1'));
    await until(() => world.tap.requests.length > 0);
    const refused = (world.tap.requests[0]?.lines ?? []).map((l) => String(l['record']));
    expect(refused.length).toBeGreaterThan(0);
    await invocation(world, 'b2', small('b2'));
    await invocation(world, 'b3', small('b3'));

    const arrived = await within(10_000, () => functionLines(world.tap).includes('b3 line 2\n'));
    expect(arrived).toBe(true);
    await world.lambda.api.shutdown({ reason: 'spindown', deadlineMs: Date.now() + 1500 });
    expect(await running).toBe(0);

    const delivered = world.tap.accepted().map((l) => String(l['record']));
    for (const record of refused) expect(delivered).not.toContain(record);
    expect(functionLines(world.tap)).toEqual(
      ['b1', 'b2', 'b3'].flatMap(small).filter((line) => !refused.includes(line)),
    );
    const last = lastLine(world.ws);
    expect(last?.['droppedByCause']).toMatchObject({ rejected: refused.length });
    expect(rejectedInTap(world.tap)).toBe(refused.length);
    const said = warnings(world.ws, 'the Data Tap will never take');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 'warn', rejected: refused.length });
    expect(String(said[0]?.['error'])).toContain('DataTapHttpError');
    expect(world.ws.log()).not.toContain(TOKEN);
  });
});
