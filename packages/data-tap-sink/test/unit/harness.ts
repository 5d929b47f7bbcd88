import { createHash } from 'node:crypto';
import {
  createDataTapSink,
  type DataTapSinkDeps,
  type DataTapSinkOptionsInput,
  type Logger,
} from '../../src/index.js';

export const TAP_ORIGIN = 'https://tap.example.test';
export const TAP_URL = `${TAP_ORIGIN}/ingest`;
export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zm9vYmFyYmF6cXV4';

/** The id the sink must send for a body. */
export function expectedBatchId(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 32);
}

export interface LogEntry {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A sink on a fake clock: `sleep` advances the clock and records the wait. */
export function makeSink(options: Partial<DataTapSinkOptionsInput> = {}, deps: DataTapSinkDeps = {}) {
  const state = { clock: 1_700_000_000_000, sleeps: [] as number[], logs: [] as LogEntry[] };
  const record =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      state.logs.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const sink = createDataTapSink(
    { url: TAP_URL, token: TOKEN, ...options },
    {
      now: () => state.clock,
      sleep: async (ms) => {
        state.sleeps.push(ms);
        state.clock += ms;
      },
      random: () => 0.5,
      logger,
      ...deps,
    },
  );
  return { sink, state, deadline: (ms = 60_000) => state.clock + ms };
}
