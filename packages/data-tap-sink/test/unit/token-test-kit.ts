import type { Logger, TokenEvent } from '../../src/index.js';
import type { LogEntry } from './harness.js';

/** A clock, a recording logger and an event list for token provider tests. */
export function tokenKit(start = Date.UTC(2025, 0, 1, 12)) {
  const state = { clock: start, logs: [] as LogEntry[], events: [] as TokenEvent[] };
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
  return {
    state,
    deps: { now: () => state.clock, logger, onEvent: (event: TokenEvent) => state.events.push(event) },
    kinds: () => state.events.map((event) => event.kind),
    /** Lets queued promise callbacks (a background refresh) run. */
    settle: async () => {
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    },
    /** Waits until `check` holds (a background refresh landed), polling; fails after `timeoutMs` of real time. */
    until: async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
      const deadline = performance.now() + timeoutMs;
      while (!(await check())) {
        if (performance.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
