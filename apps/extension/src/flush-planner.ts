/**
 * Decides, at each INVOKE, how the extension flushes and when it gives control back with `next`.
 *
 * The tension: a flush awaited before `next` adds billed time after the runtime is done
 * (PostRuntimeExtensionsDuration); a flush left running when everyone has called `next` is frozen
 * mid-request with the environment. The planner resolves it per invocation:
 *
 * - `background` (default): start a flush of everything buffered at once, in parallel with the
 *   handler, and call `next` at once: nothing is added to the invocation, first and after-idle ones
 *   included. An invocation's records leave during a later invocation (beside its handler) or in the
 *   SHUTDOWN drain. The flush usually ends while the handler runs; when the handler ends first, the
 *   environment may freeze with the request in flight, and the request completes, or times out and
 *   is retried with the same batch and record ids, after the thaw.
 * - `end` (opt-in freshness): wait until this invocation's own records arrived (its
 *   `platform.runtimeDone`, which Lambda sends after the runtime is done, bounded by the Telemetry
 *   API's `timeoutMs`), flush and await, then `next`. It costs billed post-runtime time on every
 *   invocation.
 * - `adaptive` (opt-in): `end` for the first invocation and after a gap longer than
 *   `idleThresholdMs`, `background` otherwise: a rarely invoked function's records leave before the
 *   environment idles, and those invocations pay the `end` cost.
 */

/** What the extension does for one INVOKE. */
export type InvokePlan = { mode: 'background' } | { mode: 'end'; waitForRuntimeDoneMs: number };

/** Planner options. */
export interface FlushPlannerOptions {
  strategy: 'adaptive' | 'background' | 'end';
  idleThresholdMs: number;
  /** The Telemetry API buffering `timeoutMs`: how long Lambda may hold records before sending them. */
  telemetryTimeoutMs: number;
}

/** Extra time granted on top of the Telemetry API's timeoutMs when waiting for an invocation's records, ms. */
export const RUNTIME_DONE_GRACE_MS = 250;

/**
 * Creates a planner; it learns from the times of the INVOKEs it sees.
 * @example
 * const planner = createFlushPlanner({ strategy: 'background', idleThresholdMs: 10_000, telemetryTimeoutMs: 100 }, { now: Date.now });
 * const plan = planner.onInvoke();
 */
export function createFlushPlanner(options: FlushPlannerOptions, deps: { now: () => number }) {
  let lastInvokeAt: number | undefined;

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
      return { mode: 'background' };
    },
  };
}

/** The planner's type. */
export type FlushPlanner = ReturnType<typeof createFlushPlanner>;
