import { describe, expect, it } from 'vitest';
import { noopLogger } from '../../src/logger.js';
import { platformRecords } from '../../src/records.js';
import { createTelemetryHub } from '../../src/telemetry-hub.js';
import { type TelemetrySubscription, validateSubscription } from '../../src/telemetry-subscription.js';
import { fakeClock } from '../helpers/fake-clock.js';

function subscription(schemaVersion: string, types: string[], port = 4243): TelemetrySubscription {
  const r = validateSubscription({
    schemaVersion,
    types,
    destination: { protocol: 'HTTP', URI: `http://sandbox.localdomain:${port}` },
    buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 25 },
  });
  if (!r.ok) throw new Error(r.error.errorMessage);
  return r.value;
}

function setup(fail = false) {
  const clock = fakeClock();
  const posts: { port: number; records: { type: string; record: unknown }[] }[] = [];
  const hub = createTelemetryHub({
    now: clock.now,
    queueFactor: 1,
    logger: noopLogger,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    post: async (sub, body) => {
      posts.push({ port: sub.port, records: JSON.parse(body) });
      if (fail) throw new Error('HTTP 500');
    },
  });
  return { clock, hub, posts };
}

const jsonLine = '{"timestamp":"2024-01-01T00:00:00.000Z","level":"INFO","requestId":"r","message":"hi"}';
const flush = () => new Promise((r) => setImmediate(r));

describe('createTelemetryHub', () => {
  it('replays records produced before the subscription, filtered by type', () => {
    const { clock, hub, posts } = setup();
    hub.emit(
      platformRecords.initStart(0, {
        initializationType: 'on-demand',
        phase: 'init',
        functionName: 'f',
        functionVersion: '$LATEST',
      }),
    );
    hub.emit({ time: 't', type: 'extension', record: 'early\n' }, { text: 'early\n', source: 'ext' });
    hub.subscribe('a', subscription('2022-12-13', ['platform']));
    clock.advance(25);
    expect(posts[0]?.records.map((r) => r.type)).toEqual(['platform.initStart']);
    expect(hub.isSubscribed('a')).toBe(true);
    expect(hub.isSubscribed('b')).toBe(false);
  });

  it('sends JSON function records as objects from schema 2022-12-13 and as strings on 2022-07-01', () => {
    const { clock, hub, posts } = setup();
    hub.subscribe('old', subscription('2022-07-01', ['function'], 1));
    hub.subscribe('new', subscription('2022-12-13', ['function'], 2));
    hub.emit(
      { time: 't', type: 'function', record: JSON.parse(jsonLine) },
      { text: `${jsonLine}\n`, source: 'runtime' },
    );
    hub.emit(
      { time: 't', type: 'function', record: 'text line\n' },
      { text: 'text line\n', source: 'runtime' },
    );
    clock.advance(25);
    const byPort = Object.fromEntries(posts.map((p) => [p.port, p.records.map((r) => r.record)]));
    expect(byPort[1]).toEqual([jsonLine, 'text line\n']);
    expect(byPort[2]).toEqual([JSON.parse(jsonLine), 'text line\n']);
    expect(hub.emitted().map((e) => e.seq)).toEqual([1, 2]);
    expect(hub.emitted()[0]).toMatchObject({ source: 'runtime', text: `${jsonLine}\n` });
  });

  it('routes platform.logsDropped to the subscriber that lost records only', async () => {
    const { clock, hub, posts } = setup(true);
    hub.subscribe('slow', subscription('2022-12-13', ['platform', 'function'], 1));
    hub.emit({ time: 't', type: 'function', record: 'x\n' }, { text: 'x\n' });
    clock.advance(25);
    await flush();
    const dropped = hub.emitted().find((e) => e.type === 'platform.logsDropped');
    expect(dropped).toMatchObject({
      subscriber: 'slow',
      record: { droppedRecords: 1, droppedBytes: expect.any(Number) },
    });
    hub.subscribe('late', subscription('2022-12-13', ['platform'], 2));
    clock.advance(25);
    await flush();
    expect(posts.filter((p) => p.port === 2).flatMap((p) => p.records.map((r) => r.type))).not.toContain(
      'platform.logsDropped',
    );
    expect(posts.filter((p) => p.port === 1).flatMap((p) => p.records.map((r) => r.type))).toContain(
      'platform.logsDropped',
    );
    expect(hub.countsByType()).toMatchObject({ function: 1, 'platform.logsDropped': expect.any(Number) });
  });

  it('holds deliveries while paused, also for a subscriber added while paused', () => {
    const { clock, hub, posts } = setup();
    hub.pause();
    hub.subscribe('a', subscription('2022-12-13', ['extension']));
    hub.emit({ time: 't', type: 'extension', record: 'x\n' }, { text: 'x\n' });
    clock.advance(1000);
    expect(posts).toHaveLength(0);
    expect(hub.idle()).toBe(false);
    hub.resume();
    expect(posts).toHaveLength(1);
  });

  it('replaces a subscription without replaying again, and closes', () => {
    const { clock, hub, posts } = setup();
    hub.emit({ time: 't', type: 'extension', record: 'x\n' }, { text: 'x\n' });
    hub.subscribe('a', subscription('2022-12-13', ['extension'], 1));
    hub.subscribe('a', subscription('2022-12-13', ['extension'], 2));
    clock.advance(25);
    expect(posts).toHaveLength(0);
    hub.emit({ time: 't', type: 'extension', record: 'y\n' }, { text: 'y\n' });
    clock.advance(25);
    expect(posts).toEqual([{ port: 2, records: [{ time: 't', type: 'extension', record: 'y\n' }] }]);
    expect(hub.subscribers()[0]).toMatchObject({
      name: 'a',
      schemaVersion: '2022-12-13',
      destination: 'http://sandbox.localdomain:2',
    });
    hub.close();
    hub.emit({ time: 't', type: 'extension', record: 'z\n' }, { text: 'z\n' });
    clock.advance(25);
    expect(posts).toHaveLength(1);
  });
});
