import type { Timers } from '@data-taps/telemetry-buffer';
import { describeError } from './describe-error.js';

/**
 * Keeps the extension's background work from running ahead of the INVOKE that thawed the
 * environment.
 *
 * Lambda freezes the environment once the runtime and every extension wait in `next`; what was due
 * meanwhile is handled at the thaw, before the INVOKE that woke it: a Data Tap answer that came while
 * frozen (a request is often in flight at the freeze: the tap is remote), the buffer's age timer, a
 * retry. Each of them used to cut and send the next batch at once (1-3 ms of building and writing a
 * request), and the INVOKE was read after it: the invocation's `next` went out that much later, and
 * when the handler was quicker than that, Lambda billed the difference as post-runtime time. Measured
 * in the sandbox at 1 invocation/s: a tap answer then a new request before the INVOKE at almost every
 * thaw, post-runtime p50 0.3-0.9 ms and p90 2.4-4.3 ms (the no-op extension's: 0 and 0-1 ms).
 *
 * The gate: background work asks {@link ThawGate.pass} first: a send before it builds its request
 * body (and again before the request is made), a telemetry batch that arrives while the extension
 * waits before it is made into envelopes (see extension.ts and pipeline.ts). A tap answer is not
 * held: the sink's request timeout, due at the thaw, would take a held answer for none. While the
 * extension waits for an event and its `next` went out more than {@link QUIET_AFTER_MS} ago (the
 * environment may have been frozen since: it cannot tell), a send waits until the next event was
 * handled and `next` is out again, or {@link HOLD_MS} (a long handler, with the extension idle beside
 * it: nothing is frozen and the send goes a few milliseconds later). A hold that was itself frozen
 * (its timer fires late) holds once more: the INVOKE is right behind the thaw. Otherwise, and while
 * an event is handled (the `end` strategy's flush before `next`), a send goes in the check phase
 * (`setImmediate`), after the events of the loop turn that triggered it.
 */

/** A send waits for an event when `next` went out longer ago than this, ms. */
export const QUIET_AFTER_MS = 10;
/** The longest a send waits for an event, ms (repeated once per freeze that came meanwhile). */
export const HOLD_MS = 10;
/** A hold timer that fires this much later than asked was frozen, ms. */
export const FROZEN_LATENESS_MS = 50;

/** The gate the lifecycle drives and the pipeline's sends ask. */
export interface ThawGate {
  /** `next` went out: the extension waits for an event. Releases the sends held meanwhile. */
  waiting(): void;
  /** An event arrived (until the next {@link ThawGate.waiting}, sends are not held). */
  arrived(): void;
  /** Lets everything held go now (a SHUTDOWN: no `next` follows). */
  release(): void;
  /** Resolves when background work (a send, a telemetry batch) may run. */
  pass(): Promise<void>;
  /**
   * Whether background work would be held now: the extension waits for an event and `next` went out
   * more than {@link QUIET_AFTER_MS} ago (the environment may have been frozen since).
   */
  holds(): boolean;
}

/** What background work needs of the gate (the lifecycle alone drives it). */
export type BackgroundGate = Pick<ThawGate, 'pass' | 'holds'>;

/** Timers the gate uses (the global ones by default; tests pass fakes). */
export interface ThawGateDeps {
  now: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  setImmediate?: (callback: () => void) => void;
}

/**
 * Creates the gate.
 * @example
 * const gate = createThawGate({ now: Date.now });
 * gate.waiting(); // after each `next` is sent
 * gate.arrived(); // when its event arrives
 * await gate.pass(); // before a background send builds its request
 */
export function createThawGate(deps: ThawGateDeps): ThawGate {
  const now = deps.now;
  const setTimer = deps.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer =
    deps.clearTimeout ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const immediate = deps.setImmediate ?? ((callback: () => void) => void setImmediate(callback));
  let waitingSince: number | undefined;
  let held: (() => void)[] = [];
  let timer: unknown;

  const mayGo = () => waitingSince === undefined || now() - waitingSince < QUIET_AFTER_MS;
  const releaseAll = () => {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
    const released = held;
    held = [];
    for (const resolve of released) resolve();
  };
  const armHold = () => {
    const armedAt = now();
    timer = setTimer(() => {
      timer = undefined;
      if (now() - armedAt >= HOLD_MS + FROZEN_LATENESS_MS) armHold();
      else releaseAll();
    }, HOLD_MS);
  };

  return {
    waiting() {
      waitingSince = now();
      // after the request's socket write (attached on the next tick): the sends go behind `next`
      if (held.length > 0) immediate(releaseAll);
    },
    arrived() {
      waitingSince = undefined;
    },
    release() {
      waitingSince = undefined;
      releaseAll();
    },
    holds: () => !mayGo(),
    pass() {
      return new Promise<void>((resolve) => {
        const hold = () => {
          held.push(resolve);
          if (timer === undefined) armHold();
        };
        if (!mayGo()) {
          hold();
          return;
        }
        // Asked again in the check phase: the environment may have frozen in between (`next` was
        // out and the runtime done), and the check phase then runs at the thaw, before the INVOKE.
        immediate(() => (mayGo() ? resolve() : hold()));
      });
    },
  };
}

/** Work run in order behind a gate (see {@link createGatedQueue}). */
export interface GatedQueue {
  /** Runs `task` now when nothing waits and the gate does not hold; else after the work before it. */
  run(task: () => void): void;
  /** Resolves when every task given so far has run. */
  idle(): Promise<void>;
}

/**
 * Runs tasks in the order given, each at once unless the gate holds (or earlier tasks still wait):
 * the telemetry batches that arrive at a thaw, before the INVOKE that woke the environment, are made
 * into envelopes once `next` is out again. A task that throws (not expected: receiving takes what the
 * listener validated) is logged as an error; the next ones still run.
 * @example
 * const batches = createGatedQueue(gate, logger);
 * batches.run(() => pipeline.receive(records));
 */
export function createGatedQueue(
  gate: BackgroundGate,
  logger: { error(message: string, fields: Record<string, unknown>): void },
): GatedQueue {
  const onError = (error: unknown) =>
    logger.error('telemetry records held at a thaw could not be buffered', { error: describeError(error) });
  let tail: Promise<void> | undefined;
  return {
    run(task) {
      if (tail === undefined && !gate.holds()) {
        task();
        return;
      }
      const turn = (tail ?? gate.pass()).then(task).catch(onError);
      tail = turn;
      void turn.then(() => {
        if (tail === turn) tail = undefined;
      });
    },
    idle: () => tail ?? Promise.resolve(),
  };
}

/** A timer of {@link gatedTimers}: cleared stays cleared, also while its callback waits at the gate. */
interface GatedTimer {
  timer: ReturnType<typeof setTimeout>;
  cleared: boolean;
}

/**
 * Timers for the buffer whose callbacks, when they come due while the gate holds (at a thaw, before
 * the INVOKE that woke the environment was read), wait for it: the batch an age timer cuts, or a
 * retry a backoff timer starts, goes behind `next` instead of ahead of it.
 * @example
 * createTelemetryBuffer(options, { flush, timers: gatedTimers(gate) });
 */
export function gatedTimers(gate: BackgroundGate): Timers {
  return {
    setTimeout(callback, ms) {
      const handle: GatedTimer = {
        cleared: false,
        timer: setTimeout(() => {
          if (!gate.holds()) callback();
          else void gate.pass().then(() => handle.cleared || callback());
        }, ms),
      };
      return handle;
    },
    clearTimeout(handle) {
      const gated = handle as GatedTimer | undefined;
      if (gated === undefined) return;
      gated.cleared = true;
      clearTimeout(gated.timer);
    },
  };
}
