/**
 * Decides, at each INVOKE, how the extension flushes and when it gives control back with `next`.
 *
 * The tension: a flush awaited before `next` adds billed time after the runtime is done
 * (PostRuntimeExtensionsDuration); a flush left running when everyone has called `next` is frozen
 * mid-request with the environment. The planner resolves it per invocation:
 *
 * - `background`: start a flush of everything buffered at once, in parallel with the handler, and
 *   wait for it before `next` only while the handler is expected to be still running (a budget
 *   from the recent runtime durations, conservatively their 10th percentile). When the handler
 *   outlives the flush (the common case), nothing is in flight at the freeze and nothing is added to
 *   the invocation. Otherwise `next` is called anyway and the request finishes, or times out and is
 *   retried with the same batch and record ids, after the thaw.
 * - `end`: wait until this invocation's own records arrived (its `platform.runtimeDone`, which
 *   Lambda sends after the runtime is done, bounded by the Telemetry API's `timeoutMs`), flush and
 *   await, then `next`. It costs post-runtime time, so the adaptive strategy uses it only for
 *   invocations after an idle gap, when the next INVOKE (which would carry the records) may be far.
 * - `adaptive` (default): `end` for the first invocation and after a gap longer than
 *   `idleThresholdMs`, `background` otherwise.
 */

/** What the extension does for one INVOKE. */
export type InvokePlan =
  | { mode: 'background'; waitBudgetMs: number }
  | { mode: 'end'; waitForRuntimeDoneMs: number };

/** Planner options. */
export interface FlushPlannerOptions {
  strategy: 'adaptive' | 'background' | 'end';
  idleThresholdMs: number;
  /** The Telemetry API buffering `timeoutMs`: how long Lambda may hold records before sending them. */
  telemetryTimeoutMs: number;
}

const WINDOW = 32;
/** Safety margin taken off the background wait budget, ms. */
export const BUDGET_MARGIN_MS = 2;
/** Extra time granted on top of the Telemetry API's timeoutMs when waiting for an invocation's records, ms. */
export const RUNTIME_DONE_GRACE_MS = 250;

/**
 * Creates a planner; it learns from the INVOKEs it sees and the runtime durations reported to it.
 * @example
 * const planner = createFlushPlanner({ strategy: 'adaptive', idleThresholdMs: 10_000, telemetryTimeoutMs: 1000 }, { now: Date.now });
 * const plan = planner.onInvoke();
 */
export function createFlushPlanner(options: FlushPlannerOptions, deps: { now: () => number }) {
  const durations: number[] = [];
  let lastInvokeAt: number | undefined;

  const lowRuntimeMs = (): number => {
    if (durations.length === 0) return 0;
    const sorted = [...durations].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) * 0.1)] ?? 0;
  };

  return {
    /** Called when an INVOKE arrives; returns the plan for it. */
    onInvoke(): InvokePlan {
      const now = deps.now();
      const gap = lastInvokeAt === undefined ? Number.POSITIVE_INFINITY : now - lastInvokeAt;
      lastInvokeAt = now;
      const end =
        options.strategy === 'end' || (options.strategy === 'adaptive' && gap > options.idleThresholdMs);
      if (end)
        return { mode: 'end', waitForRuntimeDoneMs: options.telemetryTimeoutMs + RUNTIME_DONE_GRACE_MS };
      return { mode: 'background', waitBudgetMs: Math.max(0, lowRuntimeMs() - BUDGET_MARGIN_MS) };
    },
    /** Feeds the runtime duration of a finished invocation (`platform.runtimeDone` metrics.durationMs). */
    onRuntimeDuration(durationMs: number): void {
      if (!Number.isFinite(durationMs) || durationMs < 0) return;
      durations.push(durationMs);
      if (durations.length > WINDOW) durations.shift();
    },
    /** The budget the background mode would grant now (for stats). */
    budgetMs(): number {
      return Math.max(0, lowRuntimeMs() - BUDGET_MARGIN_MS);
    },
  };
}

/** The planner's type. */
export type FlushPlanner = ReturnType<typeof createFlushPlanner>;
