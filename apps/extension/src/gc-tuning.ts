import { setFlagsFromString } from 'node:v8';

/** Below this function memory (MB) the garbage collector favours memory over speed. */
export const SMALL_FUNCTION_MEMORY_MB = 1024;

/**
 * Tunes V8's garbage collector for an extension that lives beside the function, at run time: a V8
 * flag on the command line would make Node 20 and 22 compile their own modules without their code
 * cache (~10-15 ms more per cold start), and loading `node:v8` costs ~3 ms, so this runs once the
 * first `next` is out (off the Init's path).
 *
 * - Always: no memory reducer. It shrinks the heap with a full mark-compact some seconds after the
 *   allocation rate drops, on a wall-clock timer; in an environment frozen between invocations that
 *   timer is always due at a thaw, and the collection (8-20 ms measured) ran before the extension read
 *   the INVOKE that woke it, so the invocation waited for its `next`.
 * - Below 1,024 MB (Lambda counts the extension's memory in the function's): the young generation
 *   stays at its initial size instead of growing to 32 MB in a log burst, and the heap grows as for a
 *   memory-constrained device. In a burst of 10 x 5,000 lines on a 128 MB function this keeps the
 *   extension's peak RSS where the `--max-heap-size` command-line cap kept it (~71 MiB, against
 *   ~100 with node's defaults), without that flag's Init cost.
 * @example
 * tuneGarbageCollector(128); // once, after the first `next`
 */
export function tuneGarbageCollector(functionMemoryMb: number): void {
  setFlagsFromString('--no-memory-reducer');
  if (functionMemoryMb < SMALL_FUNCTION_MEMORY_MB) {
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--optimize-for-size');
  }
}
