import { setFlagsFromString } from 'node:v8';

/** Below this function memory (MB) the garbage collector favours memory over speed. */
export const SMALL_FUNCTION_MEMORY_MB = 1024;

/**
 * Tunes V8's garbage collector for an extension that lives beside the function, at run time: a
 * heap-sizing V8 flag on the command line would make Node 20 and 22 compile their own modules
 * without their code cache (~10-15 ms more per cold start), and loading `node:v8` costs ~3 ms, so
 * this runs once the first `next` is out (off the Init's path).
 *
 * - Below 1,024 MB (Lambda counts the extension's memory in the function's): the young generation
 *   stays at its initial size instead of growing to 32 MB in a log burst, and the heap grows as for a
 *   memory-constrained device. In a burst of 10 x 5,000 lines on a 128 MB function this keeps the
 *   extension's peak RSS where the `--max-heap-size` command-line cap kept it (~71 MiB, against
 *   ~100 with node's defaults), without that flag's Init cost.
 *
 * V8's memory reducer is not turned off here: set at run time, `--no-memory-reducer` leaves the
 * reducer V8 made at start running (traced: its collections still came at the thaws). The launcher
 * passes it on node's command line, where it costs no code cache.
 * @example
 * tuneGarbageCollector(128); // once, after the first `next`
 */
export function tuneGarbageCollector(functionMemoryMb: number): void {
  if (functionMemoryMb < SMALL_FUNCTION_MEMORY_MB) {
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--optimize-for-size');
  }
}
