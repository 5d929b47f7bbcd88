import { afterEach, describe, expect, it, vi } from 'vitest';
import { gatedTimers } from '../../src/pipeline.js';

/** A gate the test opens by hand. */
function manualGate() {
  let holding = false;
  let open: (() => void)[] = [];
  return {
    gate: {
      holds: () => holding,
      pass: () => new Promise<void>((resolve) => open.push(resolve)),
    },
    hold(value: boolean) {
      holding = value;
    },
    openAll() {
      for (const resolve of open.splice(0)) resolve();
      open = [];
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 3; i += 1) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe('gatedTimers: the buffer’s timers behind the thaw gate', () => {
  it('runs a callback when it comes due while the gate does not hold', () => {
    vi.useFakeTimers();
    const { gate } = manualGate();
    const fired = vi.fn();
    gatedTimers(gate).setTimeout(fired, 100);
    vi.advanceTimersByTime(99);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('makes a callback due while the gate holds (a thaw) wait until the gate lets it go', async () => {
    vi.useFakeTimers();
    const g = manualGate();
    const fired = vi.fn();
    gatedTimers(g.gate).setTimeout(fired, 100);
    g.hold(true);
    vi.advanceTimersByTime(100);
    await settle();
    expect(fired).not.toHaveBeenCalled();
    g.openAll();
    await settle();
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
    timers.clearTimeout(handle); // after it fired, while held
    timers.clearTimeout(undefined); // the buffer clears timers it never set
    g.openAll();
    await settle();
    expect(early).not.toHaveBeenCalled();
    expect(waiting).not.toHaveBeenCalled();
  });
});
