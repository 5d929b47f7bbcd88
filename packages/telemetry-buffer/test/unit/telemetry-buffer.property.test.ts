import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTelemetryBuffer, type FlushBatch, type TelemetryBuffer } from '../../src/index.js';
import { createManualClock } from '../../src/testing/index.js';
import { tempDir } from '../support/harness.js';

interface Item {
  type: string;
  id: number;
  pad: string;
}

type Mode = { kind: 'ok' } | { kind: 'fail' } | { kind: 'partial'; keep: number };

type Command =
  | { kind: 'push'; count: number; platform: boolean; pad: number }
  | { kind: 'mode'; mode: Mode }
  | { kind: 'flush' }
  | { kind: 'advance'; ms: number }
  | { kind: 'restart' }
  | { kind: 'drain'; ms: number };

const mode: fc.Arbitrary<Mode> = fc.oneof(
  fc.constant<Mode>({ kind: 'ok' }),
  fc.constant<Mode>({ kind: 'fail' }),
  fc.integer({ min: 0, max: 4 }).map((keep): Mode => ({ kind: 'partial', keep })),
);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      count: fc.integer({ min: 1, max: 8 }),
      platform: fc.boolean(),
      pad: fc.integer({ min: 0, max: 120 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mode' as const), mode }) },
  { weight: 2, arbitrary: fc.constant<Command>({ kind: 'flush' }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'restart' }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('drain' as const), ms: fc.integer({ min: 0, max: 500 }) }),
  },
);

const setup = fc.record({
  maxItems: fc.integer({ min: 1, max: 6 }),
  maxAgeMs: fc.integer({ min: 0, max: 1_000 }),
  capacityRecords: fc.integer({ min: 6, max: 20 }),
  spool: fc.constantFrom('none', 'spool', 'spool+drop', 'tiny-spool'),
  segmentBytes: fc.integer({ min: 100, max: 2_000 }),
  autoFlush: fc.boolean(),
});

describe('property: any interleaving of pushes, flush failures and restarts', () => {
  it('delivers every record exactly once, in order, or counts it as dropped with a cause', async () => {
    await fc.assert(
      fc.asyncProperty(setup, fc.array(command, { maxLength: 40 }), async (config, commands) => {
        const { dir, cleanup } = tempDir();
        try {
          const clock = createManualClock(1_000_000);
          const delivered: number[] = [];
          let current: Mode = { kind: 'ok' };
          const flush = async (batch: FlushBatch) => {
            const ids = batch.lines.map((l) => (JSON.parse(l) as Item).id);
            if (current.kind === 'fail') throw new Error('tap down');
            if (current.kind === 'partial' && current.keep < ids.length) {
              delivered.push(...ids.slice(0, current.keep));
              return { unsent: batch.lines.slice(current.keep) };
            }
            delivered.push(...ids);
            return undefined;
          };
          const spool =
            config.spool === 'none'
              ? undefined
              : {
                  dir,
                  segmentBytes: config.segmentBytes,
                  maxBytes: config.spool === 'tiny-spool' ? 600 : 1e7,
                };
          const make = () =>
            createTelemetryBuffer<Item>(
              {
                maxItems: config.maxItems,
                maxBytes: 400,
                maxAgeMs: config.maxAgeMs,
                capacity: { maxRecords: config.capacityRecords, maxBytes: 2_000 },
                ...(spool ? { spool } : {}),
                overflow: config.spool === 'spool+drop' || config.spool === 'none' ? 'drop' : 'spool',
                autoFlush: config.autoFlush,
                backoff: { initialMs: 10, maxMs: 200, jitter: false },
              },
              { flush, now: clock.now, timers: clock.timers },
            );
          let dropped = 0;
          let buffer: TelemetryBuffer<Item> = make();
          await buffer.open();
          const retire = async () => {
            await buffer.close();
            dropped += buffer.stats().dropped.records;
          };
          let next = 0;
          for (const step of commands) {
            if (step.kind === 'push') {
              const batch = Array.from({ length: step.count }, () => ({
                type: step.platform ? 'platform.report' : 'function',
                id: next++,
                pad: 'x'.repeat(step.pad),
              }));
              buffer.push(batch);
            } else if (step.kind === 'mode') current = step.mode;
            else if (step.kind === 'flush') await buffer.flush();
            else if (step.kind === 'advance') await clock.advance(step.ms);
            else if (step.kind === 'drain') {
              const draining = buffer.drain({ deadlineMs: clock.now() + step.ms });
              await clock.advance(step.ms);
              await draining;
            } else {
              await retire();
              buffer = make();
              await buffer.open();
            }
          }
          // the tap recovers; a last restart, then everything left is flushed
          current = { kind: 'ok' };
          await retire();
          buffer = make();
          await buffer.open();
          for (let i = 0; i < 1_000; i++) {
            const outcome = await buffer.flush();
            if (outcome.remaining === 0 && buffer.stats().inFlight.records === 0) break;
          }
          await buffer.whenIdle();
          await retire();

          expect(new Set(delivered).size).toBe(delivered.length); // exactly once
          for (let i = 1; i < delivered.length; i++) {
            expect(delivered[i] as number).toBeGreaterThan(delivered[i - 1] as number); // in order
          }
          expect(delivered.length + dropped).toBe(next); // the rest is counted as dropped
          if (config.spool === 'spool') expect(dropped).toBe(0); // nothing lost with room on disk
        } finally {
          cleanup();
        }
      }),
      { numRuns: 150 },
    );
  });
});
