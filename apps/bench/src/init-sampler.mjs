// @ts-check
// CPU time of an extension process up to its first `next`, read from the outside: the sandbox
// exposes no process id before Init ends and no hook at `next`, so while Init runs this polls the
// benchmark process's children about every millisecond, recognises the extension by its working
// folder (the sandbox starts extensions in the layer folder, the runtime in the function folder)
// and keeps a time-stamped utime + stime sample of it on every tick. The figure is the last sample
// taken before the extension's `platform.extension` record (the sandbox produces it when the first
// `next` arrives).
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { lastBefore } from './accounting.mjs';
import { cpuMs } from './proc.mjs';

/** The sandbox's clock (its default `now`): record times are taken from it. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * Starts sampling. Call `stop()` after Init, then `cpuBefore(recordTimeMs)`.
 *
 * @example
 * ```js
 * const sampler = startInitCpuSampler(layerDir);
 * await sandbox.init();
 * sampler.stop();
 * const cpu = sampler.cpuBefore(Date.parse(extensionRecord.time)); // ms, NaN when never seen
 * ```
 * @param {string} layerDir the folder the sandbox starts the extension in
 */
export function startInitCpuSampler(layerDir) {
  const dir = realpathSync(layerDir);
  const childrenFile = `/proc/${process.pid}/task/${process.pid}/children`;
  /** @type {Set<number>} */
  const seen = new Set();
  /** @type {number | undefined} */
  let pid;
  /** @type {{ at: number, cpuMs: number }[]} */
  const samples = [];
  const tick = () => {
    if (pid === undefined) {
      let children = '';
      try {
        children = readFileSync(childrenFile, 'utf8');
      } catch {
        return; // a kernel without /proc/<pid>/task/<tid>/children: no figure
      }
      for (const text of children.trim().split(/\s+/)) {
        const child = Number(text);
        if (!Number.isInteger(child) || child <= 0 || seen.has(child)) continue;
        seen.add(child);
        try {
          if (readlinkSync(`/proc/${child}/cwd`) === dir) pid = child;
        } catch {
          // gone already
        }
      }
      if (pid === undefined) return;
    }
    const cpu = cpuMs(pid);
    if (cpu !== undefined) samples.push({ at: clock(), cpuMs: cpu });
  };
  const timer = setInterval(tick, 1);
  tick();
  return {
    stop() {
      clearInterval(timer);
    },
    /** The process found (undefined when none was). */
    get pid() {
      return pid;
    },
    /** @returns {number} the CPU ms of the last sample taken before `at` (sandbox clock); NaN without one */
    cpuBefore(/** @type {number} */ at) {
      return lastBefore(samples, at)?.cpuMs ?? Number.NaN;
    },
    samples: () => samples.length,
  };
}
