import { readFileSync, readlinkSync } from 'node:fs';

/** The resident memory of one process, from `/proc/<pid>/status`, in kB. */
export interface ProcMemory {
  /** `VmRSS`: what `ps` and `top` show. */
  readonly rssKb: number;
  /** `RssAnon` + `RssShmem`: memory of this process alone (heap, stacks, shared memory). */
  readonly privateKb: number;
  /** `RssFile`: file pages mapped (the executable and its libraries), shared between processes. */
  readonly fileKb: number;
  /** The executable (`/proc/<pid>/exe`), to count the file pages of one executable once. */
  readonly exe: string;
}

/** What the monitor reads from the system (`/proc` on Linux; a fake in tests). */
export interface ProcReader {
  /** Whether process memory can be read here at all (false off Linux). */
  available(): boolean;
  /** The resident memory of one process; undefined when it is gone (or a zombie). */
  memory(pid: number): ProcMemory | undefined;
  /** The process's children (of its main thread). */
  children(pid: number): readonly number[];
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const kbField = (status: string, field: string): number | undefined => {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
};

/**
 * The Linux reader: `/proc/<pid>/status` (`VmRSS`, `RssAnon`, `RssFile`, `RssShmem`),
 * `/proc/<pid>/exe` and `/proc/<pid>/task/<pid>/children`.
 * @internal
 */
export const procReader: ProcReader = {
  available: () => readProc('/proc/self/status')?.includes('RssAnon:') === true,
  memory(pid) {
    const status = readProc(`/proc/${pid}/status`) ?? '';
    const rssKb = kbField(status, 'VmRSS');
    if (rssKb === undefined) return undefined;
    let exe = `pid:${pid}`;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // not ours to read, or gone: its file pages count on their own
    }
    const fileKb = kbField(status, 'RssFile') ?? 0;
    return {
      rssKb,
      privateKb: (kbField(status, 'RssAnon') ?? rssKb - fileKb) + (kbField(status, 'RssShmem') ?? 0),
      fileKb,
      exe,
    };
  },
  children(pid) {
    const text = readProc(`/proc/${pid}/task/${pid}/children`) ?? '';
    return text
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  },
};

/** A process of the environment whose memory is counted (with its descendants). */
export interface MemoryRoot {
  readonly name: string;
  readonly pid: number;
}

/** One process of a sample, its descendants included, in kB. */
export interface ProcessMemory {
  readonly name: string;
  readonly pid: number;
  /** `VmRSS`, summed over the process and its descendants. */
  readonly rssKb: number;
  /** Its private part (`RssAnon` + `RssShmem`), likewise. */
  readonly privateKb: number;
}

/**
 * How the environment's memory is counted: `cgroup`, the private memory of every process plus the
 * file pages of each executable once (two `node` processes map the same binary; a memory cgroup,
 * as Lambda uses, charges a page once); `rss-sum`, the plain sum of `VmRSS` (shared file pages
 * once per process: stricter).
 */
export type MemoryAccounting = 'cgroup' | 'rss-sum';

/** One reading of the environment's memory. */
export interface MemorySample {
  /** Unix ms. */
  readonly at: number;
  /** The environment's memory as the accounting in force counts it, in kB. */
  readonly totalKb: number;
  /** As `cgroup` accounting counts it, in kB. */
  readonly cgroupKb: number;
  /** As `rss-sum` accounting counts it, in kB. */
  readonly rssSumKb: number;
  readonly processes: readonly ProcessMemory[];
}

/**
 * What the sandbox measured of an environment's memory (`report().memory`).
 *
 * @example
 * ```ts
 * const { peakKb, lastKb, processes } = sandbox.report().memory;
 * console.log(`peak ${Math.ceil(peakKb / 1024)} MiB`, processes);
 * ```
 */
export interface MemoryStats {
  /** Whether process memory can be read here (Linux `/proc`); when false every figure is 0. */
  readonly available: boolean;
  /** Whether going over `limitKb` ends the invocation with `Runtime.OutOfMemory`. */
  readonly enforced: boolean;
  /** `memorySizeMb` in kB (MB taken as MiB, as Lambda does). */
  readonly limitKb: number;
  /** How `peakKb` and `lastKb` are counted (and compared with the limit). */
  readonly accounting: MemoryAccounting;
  readonly sampleIntervalMs: number;
  /** Readings taken so far. */
  readonly samples: number;
  /** The highest reading (`MemorySample.totalKb`) since the environment started, in kB. */
  readonly peakKb: number;
  /** The last reading, in kB. */
  readonly lastKb: number;
  /** The highest reading as `cgroup` accounting counts it, in kB. */
  readonly peakCgroupKb: number;
  /** The highest reading as `rss-sum` accounting counts it (the plain sum of `VmRSS`), in kB. */
  readonly peakRssSumKb: number;
  /** When the last reading was taken (Unix ms). */
  readonly lastAt?: number;
  /** Per process (runtime, each extension; descendants included): last and highest `VmRSS`. */
  readonly processes: readonly {
    readonly name: string;
    readonly pid: number;
    readonly lastKb: number;
    readonly peakKb: number;
  }[];
}

/** What {@link createMemoryMonitor} needs. */
export interface MemoryMonitorConfig {
  readonly limitKb: number;
  readonly intervalMs: number;
  readonly enforce: boolean;
  readonly accounting: MemoryAccounting;
  /** The processes to count now (the sandbox's live ones). */
  roots(): readonly MemoryRoot[];
  /** Called with a reading over `limitKb` when enforcing. */
  onOverLimit(sample: MemorySample): void;
  now(): number;
}

/** Injected I/O and timers. */
export interface MemoryMonitorDeps {
  reader?: ProcReader;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

/**
 * Samples the resident memory of every process of an environment (each root and its
 * descendants, summed) on an interval while started, and on demand. Keeps the peak since creation
 * and the peak of the current window (an invocation). A reading over the limit calls
 * `onOverLimit` when enforcing. Off Linux (no `/proc`) it reads nothing and never enforces.
 * @internal
 */
export function createMemoryMonitor(config: MemoryMonitorConfig, deps: MemoryMonitorDeps = {}) {
  const reader = deps.reader ?? procReader;
  const every =
    deps.setInterval ??
    ((fn: () => void, ms: number) => {
      const handle = setInterval(fn, ms);
      handle.unref();
      return handle;
    });
  const cancel = deps.clearInterval ?? ((handle: unknown) => clearInterval(handle as NodeJS.Timeout));
  const available = reader.available();
  let timer: unknown;
  let samples = 0;
  let peakKb = 0;
  let lastKb = 0;
  let peakRssSumKb = 0;
  let peakCgroupKb = 0;
  let lastAt: number | undefined;
  let windowPeakKb = 0;
  const perProcess = new Map<string, { name: string; pid: number; lastKb: number; peakKb: number }>();

  // one root and its descendants; file pages go to `fileByExe` (the largest mapping per executable)
  function tree(root: MemoryRoot, seen: Set<number>, fileByExe: Map<string, number>): ProcessMemory {
    let rssKb = 0;
    let privateKb = 0;
    const stack = [root.pid];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const m = reader.memory(pid);
      if (m) {
        rssKb += m.rssKb;
        privateKb += m.privateKb;
        fileByExe.set(m.exe, Math.max(fileByExe.get(m.exe) ?? 0, m.fileKb));
      }
      stack.push(...reader.children(pid));
    }
    return { name: root.name, pid: root.pid, rssKb, privateKb };
  }

  function sample(): MemorySample | undefined {
    if (!available) return undefined;
    const seen = new Set<number>();
    const fileByExe = new Map<string, number>();
    const processes = config.roots().map((root) => tree(root, seen, fileByExe));
    let cgroupKb = 0;
    for (const kb of fileByExe.values()) cgroupKb += kb;
    for (const p of processes) cgroupKb += p.privateKb;
    const rssSumKb = processes.reduce((sum, p) => sum + p.rssKb, 0);
    const totalKb = config.accounting === 'rss-sum' ? rssSumKb : cgroupKb;
    const at = config.now();
    samples += 1;
    lastKb = totalKb;
    lastAt = at;
    peakKb = Math.max(peakKb, totalKb);
    peakRssSumKb = Math.max(peakRssSumKb, rssSumKb);
    peakCgroupKb = Math.max(peakCgroupKb, cgroupKb);
    windowPeakKb = Math.max(windowPeakKb, totalKb);
    for (const p of processes) {
      const known = perProcess.get(p.name);
      if (known && known.pid === p.pid) {
        known.lastKb = p.rssKb;
        known.peakKb = Math.max(known.peakKb, p.rssKb);
      } else perProcess.set(p.name, { name: p.name, pid: p.pid, lastKb: p.rssKb, peakKb: p.rssKb });
    }
    const result = { at, totalKb, cgroupKb, rssSumKb, processes };
    if (config.enforce && totalKb > config.limitKb) config.onOverLimit(result);
    return result;
  }

  return {
    available,
    /** Samples on the interval until `stop()` (no-op when running or unavailable). */
    start(): void {
      if (!available || timer !== undefined) return;
      timer = every(() => {
        sample();
      }, config.intervalMs);
    },
    stop(): void {
      if (timer === undefined) return;
      cancel(timer);
      timer = undefined;
    },
    running: (): boolean => timer !== undefined,
    /** Takes a reading now. */
    sample,
    /** Starts a new window (an invocation): its peak starts from the reading taken now. */
    beginWindow(): void {
      windowPeakKb = 0;
      sample();
    },
    /** The highest reading of the current window, in kB. */
    windowPeakKb: (): number => windowPeakKb,
    /** The highest reading since creation, in kB. */
    peakKb: (): number => peakKb,
    stats(): MemoryStats {
      return {
        available,
        enforced: config.enforce && available,
        limitKb: config.limitKb,
        accounting: config.accounting,
        sampleIntervalMs: config.intervalMs,
        samples,
        peakKb,
        lastKb,
        peakCgroupKb,
        peakRssSumKb,
        ...(lastAt !== undefined ? { lastAt } : {}),
        processes: [...perProcess.values()].map((p) => ({ ...p })),
      };
    },
  };
}

/** The monitor's type. */
export type MemoryMonitor = ReturnType<typeof createMemoryMonitor>;

/**
 * Which processes to SIGKILL for a reading over the limit: the runtime first (Lambda reports the
 * runtime killed), then the largest others until the rest fit under the limit (under `cgroup`
 * accounting a killed process surely frees its private memory only: shared file pages may stay).
 * @internal
 */
export function outOfMemoryVictims(
  sample: MemorySample,
  limitKb: number,
  runtimeName: string,
  accounting: MemoryAccounting,
): string[] {
  const size = (p: ProcessMemory): number => (accounting === 'rss-sum' ? p.rssKb : p.privateKb);
  const order = [...sample.processes].sort((a, b) =>
    a.name === runtimeName ? -1 : b.name === runtimeName ? 1 : size(b) - size(a),
  );
  const victims: string[] = [];
  let remaining = sample.totalKb;
  for (const p of order) {
    if (remaining <= limitKb && victims.length > 0) break;
    victims.push(p.name);
    remaining -= size(p);
  }
  return victims;
}
