import type { FlushBatch, FlushResult } from '../types.js';

/**
 * A scriptable `flush` callback that records what it receives: make the next calls reject, deliver
 * only part of a batch, refuse some lines for good, or wait until released.
 *
 * @example
 * ```ts
 * const recorder = createFlushRecorder();
 * const buffer = createTelemetryBuffer({}, { flush: recorder.flush });
 * recorder.failNext(2);
 * ```
 */
export interface FlushRecorder {
  /** Pass this as `deps.flush`. */
  flush(batch: FlushBatch): Promise<FlushResult>;
  /** Every batch received, delivered or not. */
  readonly calls: FlushBatch[];
  /** The lines delivered, in delivery order. */
  readonly delivered: string[];
  /** The next `times` calls reject with `error`. */
  failNext(times?: number, error?: Error): void;
  /** The next call delivers only its first `count` lines and returns the rest as `unsent`. */
  partialNext(count: number): void;
  /**
   * The next call returns the lines for which `match(line, index)` is true as `rejected` (never to
   * be delivered) and delivers the others; with `unsent`, the lines after the first `unsent.deliver`
   * non-rejected ones come back as `unsent` instead of being delivered.
   */
  rejectNext(match: (line: string, index: number) => boolean, unsent?: { deliver: number }): void;
  /** The next call waits until the returned function is called. */
  holdNext(): () => void;
}

/**
 * Creates a {@link FlushRecorder}.
 *
 * @example
 * ```ts
 * const recorder = createFlushRecorder();
 * await recorder.flush({ lines: ['{"a":1}'], bytes: 8, reason: 'manual' });
 * recorder.delivered; // ['{"a":1}']
 * ```
 */
export function createFlushRecorder(): FlushRecorder {
  const calls: FlushBatch[] = [];
  const delivered: string[] = [];
  const script: Array<
    | { kind: 'fail'; error: Error }
    | { kind: 'partial'; count: number }
    | {
        kind: 'reject';
        match: (line: string, index: number) => boolean;
        deliver: number;
      }
    | { kind: 'hold'; gate: Promise<void> }
  > = [];
  return {
    calls,
    delivered,
    async flush(batch) {
      calls.push({ lines: [...batch.lines], bytes: batch.bytes, reason: batch.reason });
      const before = delivered.length;
      const step = script.shift();
      if (step?.kind === 'hold') await step.gate;
      if (step?.kind === 'fail') throw step.error;
      if (step?.kind === 'partial') {
        delivered.push(...batch.lines.slice(0, step.count));
        return { unsent: batch.lines.slice(step.count) };
      }
      if (step?.kind === 'reject') {
        const rejected: string[] = [];
        const unsent: string[] = [];
        batch.lines.forEach((line, index) => {
          if (step.match(line, index)) rejected.push(line);
          else if (delivered.length - before < step.deliver) delivered.push(line);
          else unsent.push(line);
        });
        return { unsent, rejected };
      }
      delivered.push(...batch.lines);
      return undefined;
    },
    failNext(times = 1, error = new Error('flush failed (scripted)')) {
      for (let i = 0; i < times; i++) script.push({ kind: 'fail', error });
    },
    partialNext(count) {
      script.push({ kind: 'partial', count });
    },
    rejectNext(match, unsent) {
      script.push({ kind: 'reject', match, deliver: unsent?.deliver ?? Number.POSITIVE_INFINITY });
    },
    holdNext() {
      let release = (): void => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      script.push({ kind: 'hold', gate });
      return release;
    },
  };
}
