/**
 * Bad inputs at the telemetry listener, sent straight to it during an invocation (the environment
 * is not frozen then): what the sandbox cannot produce. Each gets a clear answer and a log line, and
 * the extension keeps shipping what Lambda sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listenerPort, postToListener, until } from '../helpers/listener.js';
import { type CaseResult, invokeMany, runCase } from '../helpers/scenario.js';

let result: CaseResult | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
});

const now = () => new Date().toISOString();

describe('bad telemetry bodies', () => {
  it('malformed, oversized, unknown types and invalid UTF-8: clear answers, and shipping goes on', async () => {
    const answers: Record<string, { status: number; body: string }> = {};
    result = await runCase('listener-inputs', async (world) => {
      const env = await world.environment({ sandbox: { timeoutMs: 10_000 } });
      await invokeMany(world, env, 2);
      const tag = `env0-inv${env.invocations.length}`;
      const running = env.invoke({ tag, lines: 3, sleepMs: 1_500 });
      if (world.faulty) {
        await until(() =>
          env.sandbox
            .emitted()
            .some((r) => r.type === 'function' && String(r.record).includes(`${tag} line 2`)),
        );
        const port = listenerPort(env);
        const post = async (name: string, body: Buffer | string) => {
          answers[name] = await postToListener(port, body);
        };
        await post('not JSON', '{"time": oops');
        await post('not an array', JSON.stringify({ time: now(), type: 'function', record: 'x' }));
        await post('element without time and type', JSON.stringify([{ record: 'no envelope' }]));
        await post('empty body', '');
        await post(
          'oversized (5 MiB)',
          JSON.stringify([{ time: now(), type: 'function', record: 'x'.repeat(5 * 1024 * 1024) }]),
        );
        await post(
          'unknown type',
          JSON.stringify([{ time: now(), type: 'platform.futureEvent', record: { fault: 'suite', n: 1 } }]),
        );
        await post(
          'invalid UTF-8',
          Buffer.concat([
            Buffer.from(`[{"time":"${now()}","type":"function","record":"fault-suite bad bytes `),
            Buffer.from([0xff, 0xfe, 0xc3]),
            Buffer.from(' end\\n"}]'),
          ]),
        );
      }
      await running;
      await invokeMany(world, env, 3);
      await env.shutdown();
    });

    expect(answers['not JSON']?.status).toBe(400);
    expect(answers['not an array']?.status).toBe(400);
    expect(answers['element without time and type']?.status).toBe(400);
    expect(answers['empty body']?.status).toBe(400);
    expect([413, -1]).toContain(answers['oversized (5 MiB)']?.status);
    expect(answers['unknown type']?.status).toBe(200);
    expect(answers['invalid UTF-8']?.status).toBe(200);

    const { rows } = result.faulty;
    // Unknown types are kept, as they came.
    const unknown = rows.filter((r) => r.type === 'platform.futureEvent');
    expect(unknown.map((r) => JSON.parse(r.record))).toEqual([{ fault: 'suite', n: 1 }]);
    // Invalid bytes become U+FFFD; the rest of the line is kept.
    const bad = rows.filter((r) => r.type === 'function' && r.record.startsWith('fault-suite bad bytes'));
    expect(bad).toHaveLength(1);
    expect(bad[0]?.record).toContain('\uFFFD');
    expect(bad[0]?.record).toContain(' end\n');

    // Each bad body gave a warning saying why.
    const warnings =
      result.faulty.world.environments[0]?.logLines().filter((l) => l['level'] === 'warn') ?? [];
    const said = warnings.map((l) => `${String(l['msg'])} ${String(l['reason'] ?? '')}`.trim());
    expect(said).toEqual(
      expect.arrayContaining([
        'telemetry batch rejected: malformed invalid-json',
        'telemetry batch rejected: malformed not-an-array',
        'telemetry batch rejected: malformed invalid-envelope',
        'telemetry batch rejected: body too large',
        'telemetry batch is not valid UTF-8: invalid sequences replaced by U+FFFD',
      ]),
    );
    // The listener's counters reached the tap (the latest dataTaps.stats record: most received).
    type Stats = {
      received: number;
      listener?: { invalidUtf8: number; rejected: { malformed: number; tooLarge: number } };
    };
    const last = (result.faulty.accounting.statsRows as Stats[]).reduce<Stats | undefined>(
      (latest, row) => (latest === undefined || row.received >= latest.received ? row : latest),
      undefined,
    );
    expect(last?.listener?.rejected.malformed).toBe(4);
    expect(last?.listener?.rejected.tooLarge).toBe(1);
    expect(last?.listener?.invalidUtf8).toBe(1);
  });
});
