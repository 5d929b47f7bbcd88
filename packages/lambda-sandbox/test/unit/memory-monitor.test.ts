import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  createMemoryMonitor,
  type MemoryRoot,
  type MemorySample,
  outOfMemoryVictims,
  type ProcReader,
  procReader,
} from '../../src/memory-monitor.js';
import { waitFor } from '../helpers/sandbox.js';

type FakeProcess = { rss?: number; file?: number; exe?: string; children?: number[] };

/** A /proc of made-up processes: pid -> resident kB (of which `file` are file pages of `exe`). */
function fakeProc(table: Record<number, FakeProcess>): ProcReader {
  return {
    available: () => true,
    memory: (pid: number) => {
      const p = table[pid];
      if (p?.rss === undefined) return undefined;
      const fileKb = p.file ?? 0;
      return { rssKb: p.rss, privateKb: p.rss - fileKb, fileKb, exe: p.exe ?? `/bin/p${pid}` };
    },
    children: (pid: number) => table[pid]?.children ?? [],
  };
}

function fakeTimers() {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (fn: () => void) => {
      timers.set(next, fn);
      return next++;
    },
    clearInterval: (handle: unknown) => {
      timers.delete(handle as number);
    },
    tick: () => {
      for (const fn of timers.values()) fn();
    },
    count: () => timers.size,
  };
}

function monitor(
  table: Record<number, FakeProcess>,
  roots: MemoryRoot[],
  overrides: {
    limitKb?: number;
    enforce?: boolean;
    reader?: ProcReader;
    accounting?: 'cgroup' | 'rss-sum';
  } = {},
) {
  const over: MemorySample[] = [];
  const timers = fakeTimers();
  let clock = 1000;
  const m = createMemoryMonitor(
    {
      limitKb: overrides.limitKb ?? 128 * 1024,
      intervalMs: 20,
      enforce: overrides.enforce ?? true,
      accounting: overrides.accounting ?? 'cgroup',
      roots: () => roots,
      onOverLimit: (s) => over.push(s),
      now: () => clock++,
    },
    { reader: overrides.reader ?? fakeProc(table), ...timers },
  );
  return { m, over, timers, roots };
}

describe('createMemoryMonitor', () => {
  it('sums the resident memory of every root and its descendants, each process once', () => {
    const { m } = monitor(
      {
        10: { rss: 1000, children: [11] },
        11: { rss: 500, children: [12] },
        12: { rss: 250 },
        20: { rss: 2000, children: [12, 21] }, // 12 already counted under 10; 21 is gone
      },
      [
        { name: 'runtime', pid: 10 },
        { name: 'ext', pid: 20 },
      ],
    );
    expect(m.sample()).toEqual({
      at: 1000,
      totalKb: 3750,
      cgroupKb: 3750,
      rssSumKb: 3750,
      processes: [
        { name: 'runtime', pid: 10, rssKb: 1750, privateKb: 1750 },
        { name: 'ext', pid: 20, rssKb: 2000, privateKb: 2000 },
      ],
    });
  });

  it('counts the file pages of one executable once, and those of different executables each', () => {
    const { m } = monitor(
      {
        10: { rss: 5000, file: 3000, exe: '/usr/bin/node' },
        20: { rss: 4500, file: 3500, exe: '/usr/bin/node', children: [21] },
        21: { rss: 600, file: 500, exe: '/bin/sh' },
      },
      [
        { name: 'runtime', pid: 10 },
        { name: 'ext', pid: 20 },
      ],
    );
    // private 2000 + 1000 + 100, node's file pages once (the larger mapping), sh's
    expect(m.sample()).toMatchObject({ totalKb: 3100 + 3500 + 500, cgroupKb: 7100, rssSumKb: 10_100 });
    expect(m.stats()).toMatchObject({ peakKb: 7100, peakCgroupKb: 7100, peakRssSumKb: 10_100 });
  });

  it('counts and enforces the plain sum of VmRSS under rss-sum accounting', () => {
    const { m, over } = monitor(
      {
        10: { rss: 5000, file: 3000, exe: '/usr/bin/node' },
        20: { rss: 4500, file: 3500, exe: '/usr/bin/node' },
      },
      [
        { name: 'runtime', pid: 10 },
        { name: 'ext', pid: 20 },
      ],
      { accounting: 'rss-sum', limitKb: 9000 },
    );
    expect(m.sample()).toMatchObject({ totalKb: 9500, cgroupKb: 6500, rssSumKb: 9500 });
    expect(over).toHaveLength(1);
    expect(m.stats()).toMatchObject({ accounting: 'rss-sum', peakKb: 9500, peakCgroupKb: 6500 });
  });

  it('keeps the peak, the last reading, the window peak and each process peak', () => {
    const table: Record<number, { rss?: number }> = { 10: { rss: 1000 }, 20: { rss: 3000 } };
    const roots = [
      { name: 'runtime', pid: 10 },
      { name: 'ext', pid: 20 },
    ];
    const { m } = monitor(table, roots);
    m.sample();
    table[20] = { rss: 1000 };
    m.beginWindow();
    expect(m.windowPeakKb()).toBe(2000);
    table[10] = { rss: 1500 };
    m.sample();
    expect(m.windowPeakKb()).toBe(2500);
    expect(m.peakKb()).toBe(4000);
    // the extension restarted under a new pid: its figures start again
    roots[1] = { name: 'ext', pid: 21 };
    table[21] = { rss: 100 };
    m.sample();
    expect(m.stats()).toEqual({
      available: true,
      enforced: true,
      limitKb: 128 * 1024,
      accounting: 'cgroup',
      sampleIntervalMs: 20,
      samples: 4,
      peakKb: 4000,
      lastKb: 1600,
      peakCgroupKb: 4000,
      peakRssSumKb: 4000,
      lastAt: 1003,
      processes: [
        { name: 'runtime', pid: 10, lastKb: 1500, peakKb: 1500 },
        { name: 'ext', pid: 21, lastKb: 100, peakKb: 100 },
      ],
    });
  });

  it('calls onOverLimit for a reading over the limit when enforcing, and not at the limit', () => {
    const table = { 10: { rss: 1024 } };
    const roots = [{ name: 'runtime', pid: 10 }];
    const enforcing = monitor(table, roots, { limitKb: 1024 });
    enforcing.m.sample();
    expect(enforcing.over).toEqual([]);
    table[10].rss = 1025;
    enforcing.m.sample();
    expect(enforcing.over.map((s) => s.totalKb)).toEqual([1025]);

    const off = monitor(table, roots, { limitKb: 1024, enforce: false });
    off.m.sample();
    expect(off.over).toEqual([]);
    expect(off.m.stats()).toMatchObject({ enforced: false, peakKb: 1025 });
  });

  it('samples on its interval between start() and stop()', () => {
    const table = { 10: { rss: 100 } };
    const { m, timers } = monitor(table, [{ name: 'runtime', pid: 10 }]);
    expect(m.running()).toBe(false);
    m.start();
    m.start();
    expect(timers.count()).toBe(1);
    expect(m.running()).toBe(true);
    timers.tick();
    timers.tick();
    expect(m.stats().samples).toBe(2);
    m.stop();
    m.stop();
    expect(timers.count()).toBe(0);
    expect(m.running()).toBe(false);
  });

  it('reads nothing, enforces nothing and reports zeros where /proc is not available', () => {
    const reader: ProcReader = { ...fakeProc({ 10: { rss: 10 ** 9 } }), available: () => false };
    const { m, timers, over } = monitor({}, [{ name: 'runtime', pid: 10 }], { reader });
    m.start();
    expect(timers.count()).toBe(0);
    expect(m.sample()).toBeUndefined();
    m.beginWindow();
    expect(over).toEqual([]);
    expect(m.stats()).toEqual({
      available: false,
      enforced: false,
      limitKb: 128 * 1024,
      accounting: 'cgroup',
      sampleIntervalMs: 20,
      samples: 0,
      peakKb: 0,
      lastKb: 0,
      peakCgroupKb: 0,
      peakRssSumKb: 0,
      processes: [],
    });
  });

  it('samples on a real interval with the default timers', async () => {
    const m = createMemoryMonitor(
      {
        limitKb: 10 ** 9,
        intervalMs: 5,
        enforce: true,
        accounting: 'cgroup',
        roots: () => [{ name: 'self', pid: process.pid }],
        onOverLimit: () => {},
        now: Date.now,
      },
      { reader: fakeProc({ [process.pid]: { rss: 1 } }) },
    );
    m.start();
    await waitFor(() => m.stats().samples >= 2);
    m.stop();
    expect(m.stats().samples).toBeGreaterThanOrEqual(2);
  });
});

describe('procReader', () => {
  it('reads the memory and the children of a process from /proc, and nothing for a pid that does not exist', async () => {
    expect(procReader.available()).toBe(true);
    const self = procReader.memory(process.pid);
    expect(self?.exe).toBe(process.execPath);
    expect(self?.fileKb).toBeGreaterThan(1000);
    expect(self?.privateKb).toBeGreaterThan(1000);
    expect((self?.privateKb ?? 0) + (self?.fileKb ?? 0)).toBeLessThanOrEqual((self?.rssKb ?? 0) + 1024);
    expect(procReader.memory(2 ** 30)).toBeUndefined();
    expect(procReader.children(2 ** 30)).toEqual([]);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await waitFor(() => procReader.children(process.pid).includes(child.pid as number));
      expect(procReader.children(process.pid)).toContain(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('outOfMemoryVictims', () => {
  // [name, private kB, VmRSS kB]
  const sample = (processes: [string, number, number?][]): MemorySample => ({
    at: 0,
    totalKb: processes.reduce((a, [, kb]) => a + kb, 0),
    cgroupKb: 0,
    rssSumKb: 0,
    processes: processes.map(([name, privateKb, rssKb], i) => ({
      name,
      pid: i + 1,
      rssKb: rssKb ?? privateKb,
      privateKb,
    })),
  });
  const victims = (processes: [string, number, number?][], limitKb: number, accounting = 'cgroup') =>
    outOfMemoryVictims(sample(processes), limitKb, 'runtime', accounting as 'cgroup' | 'rss-sum');

  it('kills the runtime first, then the largest others until the rest fit under the limit', () => {
    const few: [string, number][] = [
      ['a', 60],
      ['runtime', 50],
      ['b', 30],
    ];
    expect(victims(few, 100)).toEqual(['runtime']);
    const big: [string, number][] = [
      ['a', 300],
      ['runtime', 50],
      ['b', 30],
    ];
    expect(victims(big, 100)).toEqual(['runtime', 'a']);
    const many: [string, number][] = [
      ['b', 40],
      ['a', 90],
      ['runtime', 50],
      ['c', 80],
    ];
    expect(victims(many, 60)).toEqual(['runtime', 'a', 'c']);
  });

  it('kills the largest process when there is no runtime yet (during Init)', () => {
    const init: [string, number][] = [
      ['a', 40],
      ['b', 200],
    ];
    expect(victims(init, 100)).toEqual(['b']);
  });

  it('sizes processes by private memory under cgroup accounting, by VmRSS under rss-sum', () => {
    // a: little private memory, much VmRSS; b: the other way round
    const mixed: [string, number, number][] = [
      ['a', 10, 300],
      ['b', 100, 120],
    ];
    expect(victims(mixed, 20)).toEqual(['b']);
    expect(victims(mixed, 20, 'rss-sum')).toEqual(['a']);
  });
});
