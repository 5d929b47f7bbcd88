/**
 * Runs one fault case: its script in a faulty world, and (unless told otherwise) the same script in
 * a healthy world, then checks the invariant (invariant.ts) on the faulty run and compares its
 * invocations with the healthy twin's.
 *
 * The overhead bound (documented in the README): against the healthy twin's same invocation,
 * - every invocation succeeds;
 * - the function's own duration grows by at most `SLACK_MS`;
 * - the post-runtime time (`PostRuntimeExtensionsDuration`) grows by at most `SLACK_MS`: at the
 *   default flush strategy (`background`) nothing holds `next`. A case that opts in to a blocking
 *   strategy allows the extension's `DATA_TAPS_REQUEST_TIMEOUT_MS` more where that strategy flushes
 *   at the end of an invocation, before it can know the tap is failing: every invocation for `end`,
 *   the first of an environment for `adaptive`.
 * `SLACK_MS` absorbs scheduling noise on a loaded 2-core machine; every fault that would make
 * invocations wait for the tap (delays of several seconds, refused connections retried with
 * backoff) is far beyond it, so the comparison cannot pass by luck nor fail by jitter.
 */
import { expect } from 'vitest';
import { type Accounting, account, describeAccounting } from './invariant.js';
import { createWorld, type TapRow, type World } from './world.js';

/** Noise allowance per invocation, in ms. */
export const SLACK_MS = 1_000;

export interface Run {
  world: World;
  rows: TapRow[];
  accounting: Accounting;
}

export type Script = (world: World) => Promise<void>;

async function runWorld(name: string, faulty: boolean, script: Script): Promise<Run> {
  const world = await createWorld({ name, faulty });
  try {
    await script(world);
    const { rows } = await world.finish();
    return { world, rows, accounting: account(world, rows) };
  } catch (error) {
    await world.dispose();
    throw error;
  }
}

export interface CaseOptions {
  /** Run the healthy twin and compare durations (default true). */
  baseline?: boolean;
  /** Skip the invariant check (for a case that checks something narrower itself). */
  invariant?: boolean;
}

export interface CaseResult {
  faulty: Run;
  healthy: Run | undefined;
  /** Removes both worlds' folders. */
  dispose(): Promise<void>;
}

/** Runs a case and its healthy twin; asserts the invariant and the overhead bound. */
export async function runCase(name: string, script: Script, options: CaseOptions = {}): Promise<CaseResult> {
  const healthy = options.baseline === false ? undefined : await runWorld(`${name}-healthy`, false, script);
  let faulty: Run;
  try {
    faulty = await runWorld(name, true, script);
  } catch (error) {
    await healthy?.world.dispose();
    throw error;
  }
  const result: CaseResult = {
    faulty,
    healthy,
    dispose: async () => {
      await faulty.world.dispose();
      await healthy?.world.dispose();
    },
  };
  try {
    if (healthy) expectHealthyTwinLosesNothing(healthy);
    if (options.invariant !== false) expectInvariant(faulty.accounting);
    expectInvocationsUnharmed(faulty.world, healthy?.world);
  } catch (error) {
    await result.dispose();
    throw error;
  }
  return result;
}

/** The invariant: nothing lost without a count, duplicates only under one id, no token anywhere. */
export function expectInvariant(a: Accounting): void {
  const summary = describeAccounting(a);
  expect(a.expected, `nothing was emitted: ${summary}`).toBeGreaterThan(0);
  expect(a.idConflicts, `one id for two records: ${summary}`).toEqual([]);
  expect(a.duplicatesWithNewIds, `duplicates under new ids: ${summary}`).toEqual([]);
  expect(a.tokenLeaks, 'the token showed up').toEqual([]);
  expect(a.missing, `records lost without a drop count: ${summary}`).toBeLessThanOrEqual(
    a.extensionDropped + a.lambdaDropped,
  );
}

/** A healthy run delivers every record, once, and drops nothing. */
export function expectHealthyTwinLosesNothing(run: Run): void {
  const a = run.accounting;
  const summary = describeAccounting(a);
  expect(a.missing, `healthy twin lost records: ${summary}`).toBe(0);
  expect(a.extensionDropped + a.lambdaDropped, `healthy twin dropped records: ${summary}`).toBe(0);
  expect(a.duplicatesWithNewIds).toEqual([]);
}

/** Every Init and invocation of the faulty run succeeded, and none took longer than its healthy twin beyond the bound. */
export function expectInvocationsUnharmed(faulty: World, healthy: World | undefined): void {
  faulty.environments.forEach((environment, e) => {
    expect(environment.init.status, `environment ${e} Init`).toBe('success');
    const requestTimeoutMs = Number(environment.env['DATA_TAPS_REQUEST_TIMEOUT_MS'] ?? 5_000);
    const strategy = environment.env['DATA_TAPS_FLUSH_STRATEGY'] ?? 'background';
    const holdsNext = (i: number) => strategy === 'end' || (strategy === 'adaptive' && i === 0);
    environment.invocations.forEach((invocation, i) => {
      const where = `environment ${e}, invocation ${i}`;
      expect(invocation.status, where).toBe('success');
      const twin = healthy?.environments[e]?.invocations[i];
      if (!twin) return;
      expect(invocation.durationMs, `${where}: function duration`).toBeLessThanOrEqual(
        twin.durationMs + SLACK_MS,
      );
      const allowance = (holdsNext(i) ? requestTimeoutMs : 0) + SLACK_MS;
      expect(
        invocation.postRuntimeExtensionsDurationMs,
        `${where}: post-runtime ${invocation.postRuntimeExtensionsDurationMs} ms vs healthy ${twin.postRuntimeExtensionsDurationMs} ms`,
      ).toBeLessThanOrEqual(twin.postRuntimeExtensionsDurationMs + allowance);
    });
  });
}

/** `n` invocations with tagged lines. */
export async function invokeMany(
  world: World,
  environment: World['environments'][number],
  count: number,
  event: (i: number) => Record<string, unknown> = () => ({}),
): Promise<void> {
  const index = world.environments.indexOf(environment);
  for (let i = 0; i < count; i++) {
    await environment.invoke({
      tag: `env${index}-inv${environment.invocations.length}`,
      lines: 3,
      ...event(i),
    });
  }
}
