import type { DropCause, DropCount, DropReport } from './types.js';

/** Every drop cause, in a stable order. */
export const DROP_CAUSES: readonly DropCause[] = [
  'capacity',
  'evicted',
  'spool-full',
  'spool-error',
  'spool-corrupt',
  'serialize',
  'closed',
  'environment-ended',
  'rejected',
];

/** Counts drops by cause: totals for `stats()` and a period for `takeDropReport()`. */
export class DropCounter {
  records = 0;
  bytes = 0;
  private readonly totals = new Map<DropCause, number>();
  private period = new Map<DropCause, { records: number; bytes: number }>();
  private since: number;

  constructor(now: number) {
    this.since = now;
  }

  add(cause: DropCause, records: number, bytes: number): void {
    if (records === 0) return;
    this.records += records;
    this.bytes += bytes;
    this.totals.set(cause, (this.totals.get(cause) ?? 0) + records);
    const current = this.period.get(cause);
    if (current) {
      current.records += records;
      current.bytes += bytes;
    } else this.period.set(cause, { records, bytes });
  }

  byCause(): Record<DropCause, number> {
    const out = {} as Record<DropCause, number>;
    for (const cause of DROP_CAUSES) out[cause] = this.totals.get(cause) ?? 0;
    return out;
  }

  take(now: number): DropReport | null {
    if (this.period.size === 0) return null;
    const byCause: Partial<Record<DropCause, DropCount>> = {};
    let records = 0;
    let bytes = 0;
    for (const cause of DROP_CAUSES) {
      const count = this.period.get(cause);
      if (!count) continue;
      byCause[cause] = count;
      records += count.records;
      bytes += count.bytes;
    }
    const report: DropReport = { since: this.since, until: now, records, bytes, byCause };
    this.period = new Map();
    this.since = now;
    return report;
  }
}
