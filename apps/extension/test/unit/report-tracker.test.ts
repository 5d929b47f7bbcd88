import { describe, expect, it } from 'vitest';
import { createReportTracker } from '../../src/pipeline.js';

describe('createReportTracker: the invocations awaiting their platform.report', () => {
  it('forgets an invocation once its report came', () => {
    const reports = createReportTracker(10);
    reports.started('r1');
    expect(reports.has('r1')).toBe(true);
    reports.arrived('r1');
    expect(reports.has('r1')).toBe(false);
    expect(reports.pending()).toEqual([]);
    expect(reports.overtaken).toBe(0);
  });

  it('a report that came for a later invocation ends the wait for the earlier ones (Lambda dropped theirs)', () => {
    const reports = createReportTracker(10);
    for (const id of ['r1', 'r2', 'r3', 'r4']) reports.started(id);
    reports.arrived('r3');
    expect(reports.pending()).toEqual(['r4']);
    expect(reports.overtaken).toBe(2);
    reports.arrived('r1'); // a late or duplicate report changes nothing
    expect(reports.pending()).toEqual(['r4']);
    expect(reports.overtaken).toBe(2);
  });

  it('holds at most `max` ids, the most recent, and counts the ones it let go as untracked', () => {
    const reports = createReportTracker(3);
    for (let i = 0; i < 10_000; i++) reports.started(`r${i}`);
    expect(reports.pending()).toEqual(['r9997', 'r9998', 'r9999']);
    expect(reports.untracked).toBe(9_997);
  });

  it('an invocation id seen again (an INVOKE retried) is awaited once, as the most recent', () => {
    const reports = createReportTracker(3);
    for (const id of ['a', 'b', 'a']) reports.started(id);
    expect(reports.pending()).toEqual(['b', 'a']);
    expect(reports.untracked).toBe(0);
  });
});
