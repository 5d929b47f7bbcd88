import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', () => ({ setFlagsFromString }));

const { tuneGarbageCollector } = await import('../../src/gc-tuning.js');

describe('tuneGarbageCollector', () => {
  beforeEach(() => setFlagsFromString.mockClear());

  it('turns off V8’s memory reducer, whose timer is always due at a thaw, at any memory size', () => {
    tuneGarbageCollector(1024);
    expect(setFlagsFromString.mock.calls).toEqual([['--no-memory-reducer']]);
  });

  it('keeps the young generation small and the heap tight below 1,024 MB', () => {
    tuneGarbageCollector(128);
    expect(setFlagsFromString.mock.calls).toEqual([
      ['--no-memory-reducer'],
      ['--semi-space-growth-factor=1'],
      ['--optimize-for-size'],
    ]);
    setFlagsFromString.mockClear();
    tuneGarbageCollector(1023);
    expect(setFlagsFromString).toHaveBeenCalledWith('--optimize-for-size');
  });
});
