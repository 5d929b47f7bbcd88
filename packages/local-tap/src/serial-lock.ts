/**
 * Runs async tasks one at a time, in call order; a failing task does not block the next ones.
 * @internal
 */
export interface SerialLock {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** @internal */
export function createSerialLock(): SerialLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
