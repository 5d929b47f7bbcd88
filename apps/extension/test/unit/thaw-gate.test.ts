import { describe, expect, it } from 'vitest';
import {
  createGatedQueue,
  createThawGate,
  FROZEN_LATENESS_MS,
  HOLD_MS,
  QUIET_AFTER_MS,
} from '../../src/thaw-gate.js';

/** A clock, timers and an immediate queue the test runs by hand: nothing waits on real time. */
function fakeLoop() {
  let t = 1_000_000;
  let nextHandle = 1;
  const timers = new Map<number, { at: number; ms: number; callback: () => void }>();
  const immediates: (() => void)[] = [];
  return {
    deps: {
      now: () => t,
      setTimeout: (callback: () => void, ms: number) => {
        const handle = nextHandle++;
        timers.set(handle, { at: t + ms, ms, callback });
        return handle;
      },
      clearTimeout: (handle: unknown) => {
        timers.delete(handle as number);
      },
      setImmediate: (callback: () => void) => {
        immediates.push(callback);
      },
    },
    advance(ms: number) {
      t += ms;
    },
    /** Fires the timers due by now, as the loop's timers phase does. */
    fireDue() {
      for (const [handle, timer] of [...timers]) {
        if (timer.at <= t) {
          timers.delete(handle);
          timer.callback();
        }
      }
    },
    runImmediates() {
      for (const callback of immediates.splice(0)) callback();
    },
    pendingTimers: () => [...timers.values()].map((timer) => timer.ms),
  };
}

/** Settles the promise callbacks queued so far. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function tracked(promise: Promise<void>) {
  const state = { passed: false };
  void promise.then(() => {
    state.passed = true;
  });
  return state;
}

describe('createThawGate', () => {
  it('lets a send go in the check phase while an event is handled, and right after `next` went out', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    const beforeAnyNext = tracked(gate.pass());
    gate.waiting();
    loop.advance(QUIET_AFTER_MS - 1);
    const justAfterNext = tracked(gate.pass());
    await settle();
    expect([beforeAnyNext.passed, justAfterNext.passed]).toEqual([false, false]);
    loop.runImmediates();
    await settle();
    expect([beforeAnyNext.passed, justAfterNext.passed]).toEqual([true, true]);

    loop.advance(1_000); // a long wait, then an event: while it is handled (before `next`), no hold
    gate.arrived();
    const duringEvent = tracked(gate.pass());
    loop.runImmediates();
    await settle();
    expect(duringEvent.passed).toBe(true);
    expect(loop.pendingTimers()).toEqual([]);
  });

  it('holds a send due at a thaw until the INVOKE was handled and `next` is out again', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    gate.waiting();
    loop.advance(1_000); // frozen; a tap answer read at the thaw wants the next batch sent
    const send = tracked(gate.pass());
    loop.runImmediates();
    await settle();
    expect(send.passed).toBe(false);
    expect(loop.pendingTimers()).toEqual([HOLD_MS]);

    loop.advance(1); // the INVOKE is read and handled, `next` goes out
    gate.arrived();
    gate.waiting();
    await settle();
    expect(send.passed).toBe(false); // not before the `next` request is written
    loop.runImmediates();
    await settle();
    expect(send.passed).toBe(true);
    expect(loop.pendingTimers()).toEqual([]);
  });

  it('holds a send let go just before a freeze whose check phase runs at the thaw', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    gate.waiting(); // `next` out; the background flush asks at once
    const send = tracked(gate.pass());
    loop.advance(15_000); // frozen before the check phase ran; it runs at the thaw, before the INVOKE
    loop.runImmediates();
    await settle();
    expect(send.passed).toBe(false);
    expect(loop.pendingTimers()).toEqual([HOLD_MS]);
    gate.arrived();
    gate.waiting();
    loop.runImmediates();
    await settle();
    expect(send.passed).toBe(true);
  });

  it('lets a held send go after HOLD_MS when no event comes (a long handler, nothing frozen)', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    gate.waiting();
    loop.advance(QUIET_AFTER_MS);
    const first = tracked(gate.pass());
    const second = tracked(gate.pass());
    expect(loop.pendingTimers()).toEqual([HOLD_MS]); // one timer for every held send
    loop.advance(HOLD_MS - 1);
    loop.fireDue();
    await settle();
    expect(first.passed).toBe(false);
    loop.advance(1);
    loop.fireDue();
    await settle();
    expect([first.passed, second.passed]).toEqual([true, true]);
  });

  it('holds once more when its own timer fires late (frozen while holding): the INVOKE is right behind', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    gate.waiting();
    loop.advance(QUIET_AFTER_MS);
    const send = tracked(gate.pass());
    loop.advance(HOLD_MS + FROZEN_LATENESS_MS); // frozen before the hold ended; thawed now
    loop.fireDue();
    await settle();
    expect(send.passed).toBe(false);
    expect(loop.pendingTimers()).toEqual([HOLD_MS]);
    loop.advance(HOLD_MS);
    loop.fireDue();
    await settle();
    expect(send.passed).toBe(true);
  });
});

describe('createThawGate: holds() and release()', () => {
  it('says it holds exactly when a pass would be held: waiting, and `next` out for QUIET_AFTER_MS', () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    expect(gate.holds()).toBe(false); // no `next` yet
    gate.waiting();
    loop.advance(QUIET_AFTER_MS - 1);
    expect(gate.holds()).toBe(false);
    loop.advance(1);
    expect(gate.holds()).toBe(true);
    gate.arrived();
    expect(gate.holds()).toBe(false);
  });

  it('lets everything held go at once on release() (a SHUTDOWN: no `next` follows), timer cleared', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    gate.waiting();
    loop.advance(QUIET_AFTER_MS + 1_000);
    const held = [gate.pass(), gate.pass()];
    expect(loop.pendingTimers()).toEqual([HOLD_MS]); // held (armed as they were asked)
    gate.release();
    await Promise.all(held); // would never resolve if release() let them wait for the hold timer
    expect(loop.pendingTimers()).toEqual([]);
    expect(gate.holds()).toBe(false);
  });
});

describe('createGatedQueue: telemetry batches at a thaw', () => {
  it('runs a task at once while the gate does not hold', () => {
    const loop = fakeLoop();
    const queue = createGatedQueue(createThawGate(loop.deps), { error: () => {} });
    const ran: number[] = [];
    queue.run(() => ran.push(1));
    expect(ran).toEqual([1]);
  });

  it('holds tasks while the gate holds, then runs them in order (later ones behind them), after `next`', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    const queue = createGatedQueue(gate, { error: () => {} });
    const ran: number[] = [];
    gate.waiting();
    loop.advance(QUIET_AFTER_MS + 11_000); // frozen, then thawed: batches come before the INVOKE
    queue.run(() => ran.push(1));
    queue.run(() => ran.push(2));
    gate.arrived(); // the INVOKE: a batch now still goes behind the held ones
    queue.run(() => ran.push(3));
    expect(loop.pendingTimers()).toEqual([HOLD_MS]); // held at the gate
    expect(ran).toEqual([]);
    gate.waiting(); // `next` is out
    loop.runImmediates();
    await queue.idle();
    expect(ran).toEqual([1, 2, 3]);
    queue.run(() => ran.push(4)); // nothing waits any more: at once
    expect(ran).toEqual([1, 2, 3, 4]);
  });

  it('reports a task that throws and still runs the ones behind it', async () => {
    const loop = fakeLoop();
    const gate = createThawGate(loop.deps);
    const errors: unknown[] = [];
    const queue = createGatedQueue(gate, { error: (message, fields) => errors.push({ message, ...fields }) });
    const ran: number[] = [];
    gate.waiting();
    loop.advance(QUIET_AFTER_MS);
    queue.run(() => {
      throw new Error('boom');
    });
    queue.run(() => ran.push(2));
    gate.release();
    await queue.idle();
    expect(errors).toEqual([
      {
        message: 'telemetry records held at a thaw could not be buffered',
        error: expect.stringContaining('boom'),
      },
    ]);
    expect(ran).toEqual([2]);
  });

  it('is idle at once when nothing was held', async () => {
    const loop = fakeLoop();
    await expect(
      createGatedQueue(createThawGate(loop.deps), { error: () => {} }).idle(),
    ).resolves.toBeUndefined();
  });
});
