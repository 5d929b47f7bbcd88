import { setFlagsFromString } from 'node:v8';

/**
 * V8's memory reducer shrinks the heap with a full mark-compact some seconds after the allocation
 * rate drops. Its timer runs on wall-clock time, so in an environment frozen between invocations it
 * is always due at a thaw: the collection (8-20 ms measured here) then runs before the extension
 * reads the INVOKE that woke it, and the function's invocation waits for the extension's `next`.
 * The heap stays bounded without it (the launcher's heap cap below 1,024 MB, the buffer's memory
 * bound); ordinary collections still run as the extension allocates. Set at run time, not on the
 * command line: a V8 flag there makes Node 20 and 22 compile their own modules without their code
 * cache (a slower Init).
 * @example
 * tuneGarbageCollector(); // once, at start
 */
export function tuneGarbageCollector(): void {
  setFlagsFromString('--no-memory-reducer');
}
