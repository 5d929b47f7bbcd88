import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTelemetryBuffer,
  type TelemetryBufferDeps,
  type TelemetryBufferOptions,
} from '../../src/index.js';
import { createFlushRecorder, createManualClock } from '../../src/testing/index.js';

export interface Rec {
  type: string;
  n: number;
  record?: unknown;
}

export const rec = (n: number, type = 'function', record: unknown = `line ${n}`): Rec => ({
  type,
  n,
  record,
});
export const line = (n: number, type = 'function', record: unknown = `line ${n}`): string =>
  JSON.stringify(rec(n, type, record));
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

export function harness(options: TelemetryBufferOptions, deps: Partial<TelemetryBufferDeps<Rec>> = {}) {
  const clock = createManualClock(1_000_000);
  const recorder = createFlushRecorder();
  const buffer = createTelemetryBuffer<Rec>(
    { backoff: { jitter: false }, ...options },
    { flush: recorder.flush, now: clock.now, timers: clock.timers, ...deps },
  );
  return { buffer, clock, recorder };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-buffer-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
