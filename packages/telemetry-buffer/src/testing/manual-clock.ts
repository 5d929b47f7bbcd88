import type { Timers } from '../types.js';

/**
 * A clock and timers that move only when told: deterministic tests of the age trigger, the backoff
 * and drain deadlines, without real waiting.
 *
 * @example
 * ```ts
 * const clock = createManualClock(1_000);
 * const buffer = createTelemetryBuffer({ maxAgeMs: 500 }, { flush, now: clock.now, timers: clock.timers });
 * buffer.push(record);
 * await clock.advance(500); // the age trigger fires, the flush runs
 * ```
 */
export interface ManualClock {
  /** The current time (epoch ms). */
  now(): number;
  /** Timers driven by {@link ManualClock.advance}. */
  readonly timers: Timers;
  /** Moves time forward by `ms`, firing due timers in order, letting promises settle after each. */
  advance(ms: number): Promise<void>;
  /** Timers scheduled and not yet fired or cleared. */
  pending(): number;
}

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/** Lets pending promise callbacks run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Creates a {@link ManualClock} starting at `start` (epoch ms).
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * clock.timers.setTimeout(() => console.log('fired'), 10);
 * await clock.advance(10); // logs 'fired'
 * ```
 */
export function createManualClock(start = 0): ManualClock {
  let time = start;
  let nextId = 1;
  const scheduled: Scheduled[] = [];
  const timers: Timers = {
    setTimeout(callback, ms) {
      const id = nextId++;
      scheduled.push({ id, at: time + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      const index = scheduled.findIndex((entry) => entry.id === handle);
      if (index !== -1) scheduled.splice(index, 1);
    },
  };
  return {
    now: () => time,
    timers,
    pending: () => scheduled.length,
    async advance(ms) {
      const target = time + ms;
      await settle();
      for (;;) {
        let due: Scheduled | undefined;
        for (const entry of scheduled) {
          if (entry.at <= target && (due === undefined || entry.at < due.at)) due = entry;
        }
        if (!due) break;
        scheduled.splice(scheduled.indexOf(due), 1);
        time = Math.max(time, due.at);
        due.callback();
        await settle();
      }
      time = target;
      await settle();
    },
  };
}
