import { describe, expect, it } from 'vitest';
import { LineQueue, leastCost, lineCost } from '../../src/line-queue.js';

function filled(priorities: number[]): LineQueue {
  const queue = new LineQueue();
  priorities.forEach((priority, i) => {
    queue.push(`l${i}`, 3, priority, i, 0);
  });
  return queue;
}

describe('lineCost', () => {
  const utf8 = (text: string) => Buffer.byteLength(text) + 1;

  it('counts an ASCII line at one byte per character, plus the string header and the queue slots', () => {
    const text = 'a'.repeat(100);
    expect(lineCost(text, utf8(text))).toBe(16 + 104 + 40);
    expect(leastCost(1, utf8(text))).toBe(16 + 100 + 40);
  });

  it('counts a Latin-1 line at one byte per character, below its UTF-8 size', () => {
    const text = 'é'.repeat(100); // 200 bytes of UTF-8
    expect(lineCost(text, utf8(text))).toBe(16 + 104 + 40);
  });

  it('counts two bytes for every character once one is above U+00FF, above its UTF-8 size', () => {
    const text = `${'a'.repeat(99)}€`; // 102 bytes of UTF-8, a two-byte string in V8
    expect(lineCost(text, utf8(text))).toBe(16 + 200 + 40);
  });
});

describe('LineQueue', () => {
  it('keeps what its live records cost in the heap beside their UTF-8 bytes', () => {
    const queue = new LineQueue();
    const wide = '€'.repeat(10);
    queue.push('ascii', 6, 0, 0, 0);
    queue.push(wide, 31, 0, 0, 0);
    expect(queue.bytes).toBe(37);
    expect(queue.memory).toBe(lineCost('ascii', 6) + lineCost(wide, 31));
    const batch = queue.cut(1, 100);
    expect(batch?.memory).toBe(lineCost('ascii', 6));
    expect(queue.memory).toBe(lineCost(wide, 31));
    if (batch) queue.unshift(batch);
    expect(queue.takeAll().memory).toBe(lineCost('ascii', 6) + lineCost(wide, 31));
    expect(queue.memory).toBe(0);
  });

  it('cuts batches within maxItems and maxBytes, in order', () => {
    const queue = filled([0, 0, 0, 0, 0]);
    expect(queue.cut(2, 100)?.lines).toEqual(['l0', 'l1']);
    expect(queue.cut(10, 6)?.lines).toEqual(['l2', 'l3']);
    expect(queue.cut(10, 100)?.lines).toEqual(['l4']);
    expect(queue.cut(10, 100)).toBeUndefined();
    expect(queue.count).toBe(0);
  });

  it('cuts one record bigger than maxBytes alone', () => {
    const queue = new LineQueue();
    queue.push('big', 50, 0, 0, 0);
    queue.push('small', 2, 0, 0, 0);
    expect(queue.cut(10, 10)?.lines).toEqual(['big']);
    expect(queue.cut(10, 10)?.lines).toEqual(['small']);
  });

  it('puts entries back at the head in order', () => {
    const queue = filled([0, 0, 0]);
    const batch = queue.cut(2, 100);
    queue.push('l3', 3, 0, 3, 0);
    if (batch) queue.unshift(batch);
    queue.unshift({ lines: [], sizes: [], priorities: [], times: [], origins: [], bytes: 0, memory: 0 });
    expect(queue.headTime()).toBe(0);
    expect(queue.takeAll().lines).toEqual(['l0', 'l1', 'l2', 'l3']);
  });

  it('evicts the oldest record of the lowest priority, only below the given priority', () => {
    const queue = filled([1, 0, 2, 0, 1]);
    expect(queue.lowestPriority()).toBe(0);
    expect(queue.evictBelow(0)).toBeUndefined();
    expect(queue.evictBelow(1)).toEqual({ size: 3, origin: 0 });
    expect(queue.evictBelow(1)).toEqual({ size: 3, origin: 0 });
    expect(queue.evictBelow(1)).toBeUndefined();
    expect(queue.evictBelow(2)).toBeDefined();
    expect(queue.takeAll().lines).toEqual(['l2', 'l4']);
    expect(queue.lowestPriority()).toBeUndefined();
  });

  it('skips evicted holes at the head and when cutting', () => {
    const queue = filled([0, 1, 0, 1]);
    queue.evictBelow(1);
    expect(queue.headTime()).toBe(1);
    queue.evictBelow(1);
    expect(queue.cut(10, 100)?.lines).toEqual(['l1', 'l3']);
    expect(queue.bytes).toBe(0);
  });

  it('keeps eviction right across compaction of a long queue', () => {
    const queue = new LineQueue();
    for (let i = 0; i < 5000; i++) queue.push(`l${i}`, 1, i % 2, i, 0);
    expect(queue.evictBelow(1)).toBeDefined(); // l0
    for (let i = 0; i < 3; i++) queue.cut(1000, 10_000);
    expect(queue.count).toBe(5000 - 1 - 3000);
    expect(queue.evictBelow(1)).toBeDefined();
    const rest = queue.takeAll().lines;
    expect(rest[0]).toBe('l3001');
    expect(rest).not.toContain('l3002');
    expect(rest).toHaveLength(5000 - 3002);
  });
});

describe('LineQueue without priorities and origins', () => {
  it('reports 0 for both and keeps order through unshift', () => {
    const queue = new LineQueue(false, false);
    queue.push('a', 2, 5, 0, 7);
    queue.push('b', 2, 5, 1, 7);
    const batch = queue.cut(1, 100);
    expect(batch?.priorities).toEqual([0]);
    expect(batch?.origins).toEqual([0]);
    if (batch) queue.unshift(batch);
    expect(queue.takeAll().lines).toEqual(['a', 'b']);
  });
});

describe('LineQueue with any numeric priority', () => {
  it('evicts the lowest of negative, fractional, large and small priorities first', () => {
    const queue = new LineQueue();
    const priorities = [3, 100, 2.5, -1, 0, 2.5];
    priorities.forEach((priority, i) => {
      queue.push(`l${i}`, 1, priority, i, 0);
    });
    const order: number[] = [];
    for (let i = 0; i < priorities.length; i++) {
      const lowest = queue.lowestPriority() as number;
      order.push(lowest);
      queue.evictBelow(Number.POSITIVE_INFINITY);
    }
    expect(order).toEqual([-1, 0, 2.5, 2.5, 3, 100]);
    expect(queue.count).toBe(0);
  });
});
