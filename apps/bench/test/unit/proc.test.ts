import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clockTicks, cpuMs, memoryKb, parseStatCpuMs, parseStatusMemoryKb } from '../../src/proc.mjs';

describe('parseStatCpuMs', () => {
  it('adds utime and stime (fields 14 and 15) in ms', () => {
    const line = '4242 (node) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 7 0 1000 0 0';
    expect(parseStatCpuMs(line, 100)).toBe(2000);
  });

  it('counts fields after the last parenthesis of a command name with spaces', () => {
    const line = '7 (my (odd) name) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0';
    expect(parseStatCpuMs(line, 1000)).toBe(7);
  });

  it('throws on a text that is no stat line', () => {
    expect(() => parseStatCpuMs('nonsense', 100)).toThrow(/not a \/proc stat line/);
  });
});

describe('parseStatusMemoryKb', () => {
  it('reads VmRSS and VmHWM', () => {
    expect(parseStatusMemoryKb('Name:\tnode\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n')).toEqual({
      rssKb: 1024,
      hwmKb: 2048,
    });
  });

  it('is undefined for a zombie (no memory lines)', () => {
    expect(parseStatusMemoryKb('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });
});

describe('live /proc readers', () => {
  it('read this process', () => {
    expect(clockTicks()).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThan(0);
    const memory = memoryKb(process.pid);
    expect(memory?.rssKb).toBeGreaterThan(0);
    expect(memory?.hwmKb).toBeGreaterThanOrEqual(memory?.rssKb ?? Number.POSITIVE_INFINITY);
  });

  it('answer undefined for a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    expect(cpuMs(pid)).toBeUndefined();
    expect(memoryKb(pid)).toBeUndefined();
  });
});
