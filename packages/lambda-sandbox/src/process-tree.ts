import { readFileSync } from 'node:fs';

/**
 * Sends a signal to a process group (the sandbox starts each process as a group leader, so
 * children of a launcher script are reached too). Returns false when the group is gone.
 * @internal
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function childrenOf(pid: number): number[] {
  const tasks = readProc(`/proc/${pid}/task/${pid}/children`);
  return tasks
    .split(' ')
    .filter((s) => s.trim() !== '')
    .map(Number);
}

/** Peak resident memory (VmHWM) of a process, in kB; 0 when unknown. */
function peakKb(pid: number): number {
  const status = readProc(`/proc/${pid}/status`);
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * The sum of the peak resident memory (VmHWM, from /proc) of the given processes and all their
 * descendants, in kB (synchronous: a few small /proc reads). 0 where /proc is not available.
 * @internal
 */
export function treePeakMemoryKb(pids: readonly number[]): number {
  const seen = new Set<number>();
  const stack = [...pids];
  let total = 0;
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += peakKb(pid);
    stack.push(...childrenOf(pid));
  }
  return total;
}
