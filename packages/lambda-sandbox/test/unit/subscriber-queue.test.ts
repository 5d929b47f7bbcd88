import { describe, expect, it } from 'vitest';
import { createSubscriberQueue, DROP_REASONS } from '../../src/subscriber-queue.js';
import { fakeClock } from '../helpers/fake-clock.js';

/** A POST that the test settles by hand. */
function manualPost() {
  const calls: { body: string; records: number; resolve(): void; reject(e: Error): void }[] = [];
  return {
    calls,
    post: (body: string, records: number) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ body, records, resolve, reject });
      }),
  };
}

const flush = () => new Promise((r) => setImmediate(r));
const buffering = { maxItems: 3, maxBytes: 1000, timeoutMs: 100 };

function setup(options: Partial<typeof buffering> = {}, factor = 2) {
  const clock = fakeClock();
  const http = manualPost();
  const drops: { droppedRecords: number; droppedBytes: number; reason: string }[] = [];
  const queue = createSubscriberQueue({ ...buffering, ...options }, factor, {
    post: http.post,
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    onDropped: (d) => {
      drops.push(d);
      queue.push(JSON.stringify({ type: 'platform.logsDropped', ...d }), true);
    },
  });
  return { clock, http, drops, queue };
}

describe('createSubscriberQueue', () => {
  it('sends a batch as a JSON array once timeoutMs has passed since the oldest record', () => {
    const { clock, http, queue } = setup();
    queue.push('{"a":1}');
    clock.advance(60);
    queue.push('{"a":2}');
    clock.advance(39);
    expect(http.calls).toHaveLength(0);
    clock.advance(1);
    expect(http.calls.map((c) => c.body)).toEqual(['[{"a":1},{"a":2}]']);
  });

  it('sends at once when maxItems is reached', () => {
    const { http, queue } = setup();
    for (let i = 0; i < 3; i += 1) queue.push(`{"i":${i}}`);
    expect(http.calls).toHaveLength(1);
    expect(http.calls[0]?.records).toBe(3);
  });

  it('sends at once when maxBytes is reached and keeps a batch under maxBytes', () => {
    const { http, queue } = setup({ maxItems: 100, maxBytes: 20 });
    queue.push(`"${'x'.repeat(8)}"`); // 10 bytes
    queue.push(`"${'y'.repeat(8)}"`); // 20 bytes: full
    expect(http.calls.map((c) => c.records)).toEqual([2]);
  });

  it('never lets a batch pass maxBytes (unless one record alone does)', () => {
    const { http, queue } = setup({ maxItems: 100, maxBytes: 20 });
    queue.pause();
    for (const r of ['"1234567"', '"1234567"', '"1234567"']) queue.push(r); // 9 bytes each
    queue.resume();
    expect(http.calls.map((c) => c.records)).toEqual([2]);
    const big = setup({ maxItems: 100, maxBytes: 20 });
    big.queue.push(`"${'z'.repeat(30)}"`);
    expect(big.http.calls.map((c) => c.records)).toEqual([1]);
  });

  it('keeps one POST in flight and sends what waited when it completes', async () => {
    const { clock, http, queue } = setup();
    for (let i = 0; i < 3; i += 1) queue.push(`${i}`);
    queue.push('3');
    clock.advance(500);
    expect(http.calls).toHaveLength(1);
    http.calls[0]?.resolve();
    await flush();
    expect(http.calls).toHaveLength(2);
    expect(http.calls[1]?.body).toBe('[3]');
    expect(queue.stats()).toMatchObject({ deliveredRecords: 3, deliveredBatches: 1, inFlight: true });
  });

  it('drops records past the bound while a POST is in flight and reports them afterwards', async () => {
    const { clock, http, drops, queue } = setup({}, 2); // bound: 6 records
    for (let i = 0; i < 3; i += 1) queue.push(`${i}`); // in flight
    for (let i = 3; i < 9; i += 1) queue.push(`${i}`); // queued: 6
    queue.push('9'); // dropped
    queue.push('10'); // dropped
    expect(drops).toHaveLength(0);
    http.calls[0]?.resolve();
    await flush();
    expect(drops).toEqual([{ droppedRecords: 2, droppedBytes: 3, reason: DROP_REASONS.overflow }]);
    expect(queue.stats()).toMatchObject({ droppedRecords: 2, droppedBytes: 3 });
    // the drop notice is queued behind what waited
    for (const i of [1, 2]) {
      expect(http.calls[i]?.body).not.toContain('platform.logsDropped');
      http.calls[i]?.resolve();
      await flush();
    }
    clock.advance(100);
    expect(http.calls[3]?.body).toContain('platform.logsDropped');
  });

  it('drops a batch the subscriber failed to accept, without retrying it', async () => {
    const { http, drops, queue } = setup();
    for (let i = 0; i < 3; i += 1) queue.push(`${i}`);
    http.calls[0]?.reject(new Error('HTTP 500'));
    await flush();
    expect(drops).toEqual([{ droppedRecords: 3, droppedBytes: 3, reason: DROP_REASONS.failed }]);
    expect(queue.stats().failedBatches).toBe(1);
  });

  it('holds everything while paused and sends what is overdue on resume', () => {
    const { clock, http, queue } = setup();
    queue.pause();
    queue.push('1');
    clock.advance(1000);
    expect(http.calls).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    queue.resume();
    expect(http.calls.map((c) => c.body)).toEqual(['[1]']);
  });

  it('on resume waits only the rest of timeoutMs for a recent record', () => {
    const { clock, http, queue } = setup();
    queue.push('1');
    queue.pause();
    clock.advance(30);
    queue.resume();
    clock.advance(69);
    expect(http.calls).toHaveLength(0);
    clock.advance(1);
    expect(http.calls).toHaveLength(1);
  });

  it('reports drops made while paused when resumed', () => {
    const { drops, queue } = setup({}, 1); // bound 3
    queue.pause();
    for (let i = 0; i < 4; i += 1) queue.push(`${i}`);
    expect(drops).toHaveLength(0);
    queue.resume();
    expect(drops[0]?.droppedRecords).toBe(1);
  });

  it('stops for good on close', () => {
    const { clock, http, queue } = setup();
    queue.push('1');
    queue.close();
    queue.push('2');
    clock.advance(1000);
    expect(http.calls).toHaveLength(0);
    expect(queue.idle()).toBe(false);
    expect(queue.stats().queued).toBe(1);
  });

  it('is idle when nothing is queued or in flight', async () => {
    const { http, queue } = setup();
    expect(queue.idle()).toBe(true);
    for (let i = 0; i < 3; i += 1) queue.push(`${i}`);
    expect(queue.idle()).toBe(false);
    http.calls[0]?.resolve();
    await flush();
    expect(queue.idle()).toBe(true);
  });

  it('compacts its storage after many records without losing order', async () => {
    const { http, queue } = setup({ maxItems: 1000, maxBytes: 1_000_000 }, 10);
    const sent: number[] = [];
    for (let i = 0; i < 9000; i += 1) queue.push(String(i));
    while (http.calls.length > 0) {
      const call = http.calls.shift();
      sent.push(...(JSON.parse(call?.body ?? '[]') as number[]));
      call?.resolve();
      await flush();
    }
    expect(sent).toEqual(Array.from({ length: 9000 }, (_, i) => i));
  });
});
