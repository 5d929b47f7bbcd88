// @ts-check
// Readers of /proc for one process: CPU time (utime + stime) and memory (VmRSS, VmHWM).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux almost always). */
let ticksPerSecond = 0;

/** @returns {number} */
export function clockTicks() {
  if (ticksPerSecond === 0) {
    // spawnSync reports a missing getconf in its result instead of throwing: 100 then
    ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  }
  return ticksPerSecond;
}

/**
 * CPU time a process used so far (user + system), in ms, from the `utime` and `stime` fields of
 * /proc/<pid>/stat; undefined once the process is gone.
 *
 * @example
 * ```js
 * const before = cpuMs(pid); // ... later: cpuMs(pid) - before
 * ```
 * @param {number} pid
 * @returns {number | undefined}
 */
export function cpuMs(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStatCpuMs(text, clockTicks());
}

/**
 * utime + stime of a /proc/<pid>/stat text, in ms. The command name (field 2) may hold spaces and
 * parentheses, so fields are counted after its last `)`: utime and stime are fields 14 and 15.
 *
 * @example
 * ```js
 * parseStatCpuMs('1 (node) S 0 0 0 0 0 0 0 0 0 0 150 50 0 0', 100); // 2000
 * ```
 * @param {string} text
 * @param {number} ticks clock ticks per second
 * @returns {number}
 */
export function parseStatCpuMs(text, ticks) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime (14) is fields[11], stime (15) fields[12]
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc stat line: ${text}`);
  return ((utime + stime) * 1000) / ticks;
}

/**
 * Resident (VmRSS) and peak resident (VmHWM) memory of a process in KiB; undefined once it is gone
 * (a zombie has a status file without memory lines).
 *
 * @example
 * ```js
 * const { rssKb, hwmKb } = memoryKb(process.pid) ?? { rssKb: 0, hwmKb: 0 };
 * ```
 * @param {number} pid
 * @returns {{ rssKb: number, hwmKb: number } | undefined}
 */
export function memoryKb(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStatusMemoryKb(text);
}

/**
 * VmRSS and VmHWM of a /proc/<pid>/status text, in KiB; undefined without them (a zombie).
 *
 * @example
 * ```js
 * parseStatusMemoryKb('VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n'); // { rssKb: 1024, hwmKb: 2048 }
 * ```
 * @param {string} text
 * @returns {{ rssKb: number, hwmKb: number } | undefined}
 */
export function parseStatusMemoryKb(text) {
  const field = (/** @type {string} */ name) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  if (!Number.isFinite(rssKb) || !Number.isFinite(hwmKb)) return undefined;
  return { rssKb, hwmKb };
}
