import type { MemoryStats } from './memory-monitor.js';
import type { PhaseStatus } from './records.js';
import type { SubscriberSummary } from './telemetry-hub.js';

/** One invocation in the report. */
export interface InvocationSummary {
  readonly requestId: string;
  readonly status: PhaseStatus;
  readonly errorType?: string;
  readonly durationMs: number;
  readonly postRuntimeExtensionsDurationMs: number;
  readonly billedDurationMs: number;
  /** As in its `platform.report`: the environment's high-water mark in MiB, rounded up. */
  readonly maxMemoryUsedMB: number;
  /** The highest memory reading during this invocation, in kB. */
  readonly peakMemoryKb: number;
}

/** Minimum, mean, percentiles and maximum of a series, in ms. */
export interface DurationStats {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Everything the sandbox measured, JSON-able.
 *
 * @example
 * ```ts
 * const report = sandbox.report();
 * console.log(report.invocations.total, report.overheadMs.p95, report.records.byType['platform.report']);
 * ```
 */
export interface SandboxReport {
  readonly functionName: string;
  readonly memorySizeMB: number;
  readonly logFormat: 'Text' | 'JSON';
  readonly state: string;
  readonly init?: {
    readonly status: PhaseStatus;
    readonly errorType?: string;
    readonly durationMs: number;
    readonly extensions: readonly string[];
  };
  readonly invocations: {
    readonly total: number;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly list: readonly InvocationSummary[];
  };
  /** Runtime durations (`platform.report` `durationMs`). */
  readonly durationMs: DurationStats;
  /** Extension overhead per invocation (`postRuntimeExtensionsDurationMs`). */
  readonly overheadMs: DurationStats;
  readonly billedDurationMs: DurationStats;
  /** The highest memory reading of the environment, in MiB rounded up (not capped at the limit). */
  readonly maxMemoryUsedMB: number;
  /** Memory readings of the environment's processes: peak, last, per process, enforcement. */
  readonly memory: MemoryStats;
  readonly records: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  readonly subscribers: readonly SubscriberSummary[];
  readonly dropped: { readonly records: number; readonly bytes: number };
  readonly crashes: readonly {
    readonly name: string;
    readonly errorType: string;
    readonly code: number | null;
    readonly signal: string | null;
  }[];
  readonly shutdown?: unknown;
}

const r3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Min, mean, p50/p95/p99 (nearest rank) and max of a series; zeros for an empty one.
 *
 * @example
 * ```ts
 * durationStats([1, 2, 3]).p50; // 2
 * ```
 */
export function durationStats(values: readonly number[]): DurationStats {
  if (values.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: r3(sorted[0] as number),
    mean: r3(sum / sorted.length),
    p50: r3(rank(50)),
    p95: r3(rank(95)),
    p99: r3(rank(99)),
    max: r3(sorted[sorted.length - 1] as number),
  };
}
