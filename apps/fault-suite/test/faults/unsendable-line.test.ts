/**
 * One record the tap can never take must not stall the records behind it (issue #18, item 1).
 *
 * Regression (fixed): with `DATA_TAPS_MAX_REQUEST_BYTES=65536` (an accepted value) and one 200 KB
 * log line in the third of 20 invocations, 30 of 200 log lines and 2 of 20 reports reached the tap;
 * the rest waited until SHUTDOWN. The sink returned the line unsent, the buffer put it back at the
 * head and retried it with backoff, for ever, and nothing behind it went out. Now the sink returns
 * it as `rejected`, the buffer drops it at once, counted (cause `rejected`, in a `dataTaps.dropped`
 * record and the last log line), and the batches behind it go at once.
 *
 * The healthy twin logs no huge line (the fault here is the input): it is the duration baseline and
 * must lose nothing. Both run at debug level, so the case can see the sink's accepted bodies while the
 * environment still runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeAccounting, expectedRecords } from '../helpers/invariant.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';
import { type Environment, EXTENSION_NAME, type World } from '../helpers/world.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const INVOCATIONS = 20;
const LINES = 10;
const HUGE_BYTES = 200_000;
const PROBE_MS = 300;
const MAX_PROBES = 20;

/** Lines the extension's sink says the tap accepted (its debug line per body). */
const acceptedLines = (env: Environment) =>
  env
    .logLines()
    .filter((l) => l['msg'] === 'data tap accepted a batch')
    .reduce((sum, l) => sum + Number(l['lines'] ?? 0), 0);

/** Records the sandbox emitted so far that the extension is to ship. */
const emittedSoFar = (env: Environment) =>
  expectedRecords(env.sandbox.emitted(), {
    types: ['platform', 'function', 'extension'],
    killedAt: undefined,
  }).length;

/**
 * Invokes the function (one probe at a time: an environment only runs, and ships, during an
 * invocation) until the tap has taken at least as many lines as the 20 invocations emitted, less
 * `allowance`: a happens-before edge (the sink logs a body once the tap acknowledged it), not a
 * fixed wait. Each probe runs `PROBE_MS`, longer than the Telemetry API's buffering (`TIMEOUT_MS`,
 * 100 ms), so that Lambda hands the extension what it holds. Throws when the probes run out: the
 * records were held back (before the fix, every one behind the huge line, until SHUTDOWN).
 */
async function probeUntilShipped(world: World, env: Environment, allowance: number): Promise<number> {
  const wanted = emittedSoFar(env) - allowance;
  for (let probes = 0; acceptedLines(env) < wanted; probes++) {
    if (probes >= MAX_PROBES) {
      throw new Error(
        `records held back before SHUTDOWN: after ${probes} more invocations the tap had taken ${acceptedLines(env)} lines of the ${wanted} expected`,
      );
    }
    await invokeMany(world, env, 1, () => ({ lines: 0, sleepMs: PROBE_MS }));
  }
  return wanted;
}

const lastLine = (env: Environment | undefined) => env?.logLines().find((l) => l['msg'] === 'shut down');

describe('a log line larger than DATA_TAPS_MAX_REQUEST_BYTES', () => {
  it('is dropped and counted (rejected) at once; every other record of the 20 invocations reaches the tap before SHUTDOWN', async () => {
    result = await runCase('unsendable-line', async (world) => {
      const env = await world.environment({
        env: { DATA_TAPS_MAX_REQUEST_BYTES: '65536', DATA_TAPS_LOG_LEVEL: 'debug' },
      });
      await invokeMany(world, env, INVOCATIONS, (i) => ({
        lines: LINES,
        ...(i === 2 && world.faulty ? { hugeBytes: HUGE_BYTES } : {}),
      }));
      // Before SHUTDOWN, while the environment still runs: everything but the huge line reaches the
      // tap (the extension's own records, a drop record among them, only make the count easier).
      await probeUntilShipped(world, env, world.faulty ? 1 : 0);
      await env.shutdown('spindown');
    });
    const a = result.faulty.accounting;
    const summary = describeAccounting(a);
    const [env] = result.faulty.world.environments;
    const last = lastLine(env);

    // Only the huge line is missing, and it is counted under its own cause, in the tap and in the
    // last log line.
    expect(a.missing, summary).toBe(1);
    expect(a.missingSamples[0], summary).toContain('env0-inv2 huge ');
    expect(a.extensionDropCauses, summary).toEqual({ rejected: 1 });
    expect(last, summary).toMatchObject({ reason: 'spindown', spooled: 0, dropped: 1 });
    expect(last?.['droppedByCause'], summary).toMatchObject({ rejected: 1 });
    expect(a.rowsByType['function'], summary).toBe(INVOCATIONS * LINES);
    expect(a.rowsByType['platform.report'], summary).toBe(env?.invocations.length);

    // One warning naming how many and why; not taken for a failing tap.
    const logs = env?.logLines() ?? [];
    const said = logs.filter((l) => String(l['msg']).startsWith('the Data Tap will never take'));
    expect(said.map((l) => l['level'])).toEqual(['warn']);
    expect(said[0]).toMatchObject({ rejected: 1 });
    expect(String(said[0]?.['error'])).toMatch(/^LineTooLargeError: .*more than maxBodyBytes \(65536\)/);
    expect(logs.filter((l) => String(l['msg']).startsWith('the Data Tap did not take a batch'))).toEqual([]);
    expect(env?.shutdownResult?.extensions.find((e) => e.name === EXTENSION_NAME)).toMatchObject({
      outcome: 'exited',
      code: 0,
    });
  });
});
