import { afterEach, describe, expect, it, vi } from 'vitest';
import { gatedTimers } from '../../src/thaw-gate.js';

/** A gate the test opens by hand; it keeps every pass it handed out. */
function manualGate() {
  let holding = false;
  const open: (() => void)[] = [];
  const passes: Promise<void>[] = [];
  return {
    gate: {
      holds: () => holding,
      pass: () => {
        const pass = new Promise<void>((resolve) => open.push(resolve));
        passes.push(pass);
        return pass;
      },
    },
    hold(value: boolean) {
      holding = value;
    },
    /** Opens the gate; resolves after what the timers chained on their passes ran (chained first). */
    async openAll() {
      for (const resolve of open.splice(0)) resolve();
      await Promise.all(passes);
    },
    asked: () => passes.length,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('gatedTimers: the buffer’s timers behind the thaw gate', () => {
  it('runs a callback when it comes due while the gate does not hold', () => {
    vi.useFakeTimers();
    const g = manualGate();
    const fired = vi.fn();
    gatedTimers(g.gate).setTimeout(fired, 100);
    vi.advanceTimersByTime(99);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(g.asked()).toBe(0);
  });

  it('makes a callback due while the gate holds (a thaw) wait until the gate lets it go', async () => {
    vi.useFakeTimers();
    const g = manualGate();
    const fired = vi.fn();
    gatedTimers(g.gate).setTimeout(fired, 100);
    g.hold(true);
    vi.advanceTimersByTime(100);
    // due: it asked the gate, and runs only once the gate lets it go
    expect(g.asked()).toBe(1);
    expect(fired).not.toHaveBeenCalled();
    await g.openAll();
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never runs a cleared timer: before it is due, or while its callback waits at the gate', async () => {
    vi.useFakeTimers();
    const g = manualGate();
    const timers = gatedTimers(g.gate);
    const early = vi.fn();
    timers.clearTimeout(timers.setTimeout(early, 100));
    const waiting = vi.fn();
    const handle = timers.setTimeout(waiting, 100);
    g.hold(true);
    vi.advanceTimersByTime(100);
    expect(g.asked()).toBe(1); // only the timer that was not cleared came due
    timers.clearTimeout(handle); // after it fired, while held
    timers.clearTimeout(undefined); // the buffer clears timers it never set
    await g.openAll();
    expect(early).not.toHaveBeenCalled();
    expect(waiting).not.toHaveBeenCalled();
  });
});
