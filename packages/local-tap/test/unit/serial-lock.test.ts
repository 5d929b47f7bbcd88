import { describe, expect, it } from 'vitest';
import { createSerialLock } from '../../src/serial-lock.js';

describe('createSerialLock', () => {
  it('runs tasks one at a time in call order, and a failure does not block the next', async () => {
    const lock = createSerialLock();
    const events: string[] = [];
    let release: () => void = () => {};
    const first = lock.run(async () => {
      events.push('first:start');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      events.push('first:end');
      return 1;
    });
    const second = lock.run(async () => {
      events.push('second');
      throw new Error('boom');
    });
    const third = lock.run(async () => {
      events.push('third');
      return 3;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['first:start']);
    release();
    expect(await first).toBe(1);
    await expect(second).rejects.toThrow('boom');
    expect(await third).toBe(3);
    expect(events).toEqual(['first:start', 'first:end', 'second', 'third']);
  });
});
