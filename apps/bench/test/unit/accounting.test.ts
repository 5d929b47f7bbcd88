import { describe, expect, it } from 'vitest';
import {
  deliveryByInvocation,
  extensionDrops,
  formatDelivery,
  lastBefore,
  phaseOf,
  positionInStream,
  unaccounted,
} from '../../src/accounting.mjs';

// invocations at 100.5 s, 115.2 s and 130.9 s; SHUTDOWN at 146.0 s (Unix ms / seconds)
const starts = [100_500, 115_200, 130_900];
const shutdownAt = 146_000;

describe('phaseOf', () => {
  it('names the invocation an arrival second came beside, SHUTDOWN from its second on, Init before', () => {
    expect(phaseOf(99, starts, shutdownAt)).toBe('Init');
    expect(phaseOf(100, starts, shutdownAt)).toBe(1);
    expect(phaseOf(101, starts, shutdownAt)).toBe(1);
    expect(phaseOf(115, starts, shutdownAt)).toBe(2);
    expect(phaseOf(131, starts, shutdownAt)).toBe(3);
    expect(phaseOf(146, starts, shutdownAt)).toBe('SHUTDOWN');
    expect(phaseOf(147, starts, shutdownAt)).toBe('SHUTDOWN');
  });
});

describe('deliveryByInvocation', () => {
  it('groups each invocation’s records by phase, in phase order, and counts records of other request ids', () => {
    const { perInvocation, unmatched } = deliveryByInvocation(
      [
        { requestId: 'b', second: 146, records: 6 },
        { requestId: 'a', second: 115, records: 10 },
        { requestId: 'b', second: 131, records: 4 },
        { requestId: 'b', second: 131, records: 1 },
        { requestId: null, second: 100, records: 2 },
        { requestId: 'z', second: 100, records: 3 },
      ],
      ['a', 'b', 'c'],
      starts,
      shutdownAt,
    );
    expect(perInvocation).toEqual([
      [{ phase: 2, records: 10 }],
      [
        { phase: 3, records: 5 },
        { phase: 'SHUTDOWN', records: 6 },
      ],
      [],
    ]);
    expect(unmatched).toBe(5);
  });

  it('puts records that arrived during Init first', () => {
    const { perInvocation } = deliveryByInvocation(
      [
        { requestId: 'a', second: 146, records: 1 },
        { requestId: 'a', second: 99, records: 2 },
      ],
      ['a'],
      starts,
      shutdownAt,
    );
    expect(perInvocation[0]?.map((p) => p.phase)).toEqual(['Init', 'SHUTDOWN']);
  });
});

describe('formatDelivery', () => {
  it('writes the count and the phase of each part, or none', () => {
    expect(formatDelivery([])).toBe('none');
    expect(
      formatDelivery([
        { phase: 2, records: 4 },
        { phase: 'SHUTDOWN', records: 6 },
      ]),
    ).toBe('4 at #2, 6 at SHUTDOWN');
  });
});

describe('extensionDrops', () => {
  const line = (fields: Record<string, unknown>) => ({
    type: 'extension',
    record: `${JSON.stringify({ level: 'info', msg: 'shut down', ...fields })}\n`,
  });

  it('reads the dropped total of the last shut down line, before any tap report', () => {
    const emitted = [
      { type: 'function', record: 'x "shut down"\n' },
      line({ dropped: 3 }),
      { type: 'extension', record: 'not json "shut down"' },
      line({ dropped: 12 }),
      { type: 'platform.report', record: {} },
    ];
    expect(extensionDrops(emitted, [{ records: 99 }])).toEqual({ records: 12, source: 'shutdown log line' });
  });

  it('reads the line from the text when the record is an object (JSON log format)', () => {
    const text = `${JSON.stringify({ msg: 'shut down', dropped: 5 })}\n`;
    expect(extensionDrops([{ type: 'extension', record: { msg: 'x' }, text }], [])).toEqual({
      records: 5,
      source: 'shutdown log line',
    });
  });

  it('sums the dataTaps.dropped reports in the tap without such a line, and says none without either', () => {
    const noCount = [line({ dropped: 'many' }), { type: 'extension', record: {} }];
    expect(extensionDrops(noCount, [{ records: 4 }, 'text', null, { records: 'x' }, { records: 6 }])).toEqual(
      {
        records: 10,
        source: 'dataTaps.dropped in the tap',
      },
    );
    expect(extensionDrops([], [{ bytes: 1 }])).toEqual({ records: 0, source: 'none' });
  });
});

describe('unaccounted', () => {
  it('is what no destination explains, never below 0', () => {
    expect(unaccounted({ emitted: 100, inTap: 80, lambdaDropped: 5, extensionDropped: 3, spooled: 2 })).toBe(
      10,
    );
    expect(unaccounted({ emitted: 100, inTap: 90, lambdaDropped: 20, extensionDropped: 0, spooled: 0 })).toBe(
      0,
    );
  });
});

describe('lastBefore', () => {
  it('takes the last sample strictly before the time', () => {
    const samples = [
      { at: 1, cpuMs: 0 },
      { at: 5, cpuMs: 20 },
      { at: 9, cpuMs: 30 },
    ];
    expect(lastBefore(samples, 9)).toEqual({ at: 5, cpuMs: 20 });
    expect(lastBefore(samples, 100)).toEqual({ at: 9, cpuMs: 30 });
    expect(lastBefore(samples, 1)).toBeUndefined();
  });
});

describe('positionInStream', () => {
  it('counts the records a subscriber is sent, up to the first match', () => {
    const emitted = [
      { type: 'platform.initStart' },
      { type: 'extension' },
      { type: 'platform.logsDropped', subscriber: 'other' },
      { type: 'function' },
      { type: 'platform.logsDropped', subscriber: 'me' },
      { type: 'platform.report', id: 1 },
      { type: 'platform.report', id: 2 },
    ];
    const isReport = (r: { type: string }) => r.type === 'platform.report';
    expect(positionInStream(emitted, ['platform', 'function', 'extension'], 'me', isReport)).toBe(5);
    expect(positionInStream(emitted, ['platform'], 'me', isReport)).toBe(3);
    expect(positionInStream(emitted, ['function'], 'me', isReport)).toBe(0);
  });
});
