import { DeadlineExceededError } from './errors.js';
import type { SendOptions } from './sink.js';

/**
 * Why a send may not start: its signal aborted or its deadline passed; `undefined` when it may.
 *
 * @example
 * ```ts
 * const late = checkDeadline({ deadline: Date.now() + 1_000 }, Date.now());
 * if (late) return { delivered: 0, unsent: lines, error: late, requests: 0, retries: 0 };
 * ```
 */
export function checkDeadline(options: SendOptions, now: number): DeadlineExceededError | undefined {
  if (options.signal?.aborted) {
    return new DeadlineExceededError("send aborted by the caller's signal before it started", {
      aborted: true,
    });
  }
  if (now >= options.deadline) {
    return new DeadlineExceededError('deadline reached before the send started', { aborted: false });
  }
  return undefined;
}
