import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installSafetyNet, MAX_DISTINCT_ERRORS } from '../../src/safety-net.js';

function target() {
  const emitter = new EventEmitter();
  return {
    emitter,
    on: (event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void) =>
      emitter.on(event, listener),
  };
}

describe('installSafetyNet', () => {
  it('writes each distinct unexpected error once, counts every one, and never the token', () => {
    const t = target();
    const lines: string[] = [];
    const net = installSafetyNet(t, (line) => lines.push(line), ['tok-secret-123', undefined, '']);
    t.emitter.emit('unhandledRejection', new Error('refresh failed with tok-secret-123 in it'));
    t.emitter.emit('unhandledRejection', new Error('refresh failed with tok-secret-123 in it'));
    t.emitter.emit('uncaughtException', new TypeError('x is not a function'));
    t.emitter.emit('uncaughtException', 'a thrown string');
    expect(net.caught()).toBe(4);
    expect(lines).toHaveLength(3);
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0]).toMatchObject({
      level: 'error',
      logger: 'data-taps',
      kind: 'unhandledRejection',
      error: 'Error: refresh failed with [redacted] in it',
    });
    expect(parsed[1]).toMatchObject({ kind: 'uncaughtException', error: 'TypeError: x is not a function' });
    expect(parsed[2]).toMatchObject({ error: 'a thrown string' });
    expect(lines.join('')).not.toContain('tok-secret-123');
  });

  it('writes at most MAX_DISTINCT_ERRORS lines, and survives a writer or an error that throws', () => {
    const t = target();
    const lines: string[] = [];
    const net = installSafetyNet(t, (line) => lines.push(line));
    for (let i = 0; i < MAX_DISTINCT_ERRORS + 5; i += 1)
      t.emitter.emit('unhandledRejection', new Error(`e${i}`));
    expect(lines).toHaveLength(MAX_DISTINCT_ERRORS);
    expect(net.caught()).toBe(MAX_DISTINCT_ERRORS + 5);

    const broken = target();
    const brokenNet = installSafetyNet(broken, () => {
      throw new Error('stderr is gone');
    });
    const unprintable = {
      toString() {
        throw new Error('no');
      },
    };
    expect(() => broken.emitter.emit('uncaughtException', unprintable)).not.toThrow();
    expect(() => broken.emitter.emit('uncaughtException', new Error('y'))).not.toThrow();
    expect(brokenNet.caught()).toBe(2);
  });
});
