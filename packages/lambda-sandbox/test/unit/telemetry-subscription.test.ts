import { describe, expect, it } from 'vitest';
import { validateSubscription } from '../../src/telemetry-subscription.js';

const valid = {
  schemaVersion: '2022-12-13',
  destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
  types: ['platform', 'function', 'extension'],
  buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 1000 },
};

const refusal = (body: unknown) => {
  const r = validateSubscription(body);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
};

describe('validateSubscription', () => {
  it("accepts AWS's documented subscription body", () => {
    const r = validateSubscription(valid);
    expect(r).toEqual({
      ok: true,
      value: {
        schemaVersion: '2022-12-13',
        types: ['platform', 'function', 'extension'],
        buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 1000 },
        uri: 'http://sandbox.localdomain:4243',
        port: 4243,
        path: '/',
        host: 'sandbox.localdomain:4243',
      },
    });
  });

  it('accepts every schema version and applies buffering defaults', () => {
    for (const schemaVersion of ['2022-07-01', '2022-12-13', '2025-01-29']) {
      const r = validateSubscription({ ...valid, schemaVersion, buffering: undefined });
      expect(r.ok && r.value.buffering).toEqual({ maxItems: 10000, maxBytes: 262144, timeoutMs: 1000 });
    }
  });

  it('keeps a path and defaults the port to 80', () => {
    const r = validateSubscription({
      ...valid,
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain/logs?x=1' },
    });
    expect(r.ok && [r.value.port, r.value.path, r.value.host]).toEqual([
      80,
      '/logs?x=1',
      'sandbox.localdomain',
    ]);
  });

  it.each([
    ['maxItems', 999],
    ['maxItems', 10001],
    ['maxBytes', 262143],
    ['maxBytes', 1048577],
    ['timeoutMs', 24],
    ['timeoutMs', 30001],
    ['timeoutMs', 25.5],
    ['timeoutMs', '100'],
  ])('refuses buffering.%s = %s with 400 and the range', (key, value) => {
    const error = refusal({ ...valid, buffering: { ...valid.buffering, [key]: value } });
    expect(error.status).toBe(400);
    expect(error.errorType).toBe('ValidationError');
    expect(error.errorMessage).toContain(`buffering.${key}`);
    expect(error.errorMessage).toMatch(/out of range: \d+-\d+/);
  });

  it('accepts the range boundaries', () => {
    for (const buffering of [
      { maxItems: 1000, maxBytes: 262144, timeoutMs: 25 },
      { maxItems: 10000, maxBytes: 1048576, timeoutMs: 30000 },
    ]) {
      expect(validateSubscription({ ...valid, buffering }).ok).toBe(true);
    }
  });

  it.each([
    ['a non-object body', 'x', /JSON object/],
    ['an unknown schema version', { ...valid, schemaVersion: '2020-08-15' }, /schemaVersion/],
    ['a missing destination', { ...valid, destination: undefined }, /destination is required/],
    ['a TCP destination', { ...valid, destination: { protocol: 'TCP', port: 4243 } }, /TCP is not supported/],
    ['another protocol', { ...valid, destination: { protocol: 'HTTPS', URI: 'x' } }, /protocol/],
    ['a URI that is no URL', { ...valid, destination: { protocol: 'HTTP', URI: 'not a url' } }, /not a URL/],
    [
      'another host',
      { ...valid, destination: { protocol: 'HTTP', URI: 'http://127.0.0.1:4243' } },
      /sandbox\.localdomain/,
    ],
    [
      'https',
      { ...valid, destination: { protocol: 'HTTP', URI: 'https://sandbox.localdomain:4243' } },
      /sandbox\.localdomain/,
    ],
    ['no types', { ...valid, types: [] }, /non-empty/],
    ['an unknown type', { ...valid, types: ['platform', 'logs'] }, /"logs"/],
    ['buffering not an object', { ...valid, buffering: 5 }, /buffering must be an object/],
  ])('refuses %s', (_what, body, message) => {
    expect(refusal(body).errorMessage).toMatch(message);
  });
});
