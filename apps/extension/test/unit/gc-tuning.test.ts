import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', () => ({ setFlagsFromString }));

const { tuneGarbageCollector } = await import('../../src/gc-tuning.js');

describe('tuneGarbageCollector', () => {
  beforeEach(() => setFlagsFromString.mockClear());

  it('sets nothing at 1,024 MB and above (the memory reducer is off from the launcher’s command line)', () => {
    tuneGarbageCollector(1024);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });

  it('keeps the young generation small and the heap tight below 1,024 MB', () => {
    tuneGarbageCollector(128);
    expect(setFlagsFromString.mock.calls).toEqual([
      ['--semi-space-growth-factor=1'],
      ['--optimize-for-size'],
    ]);
    setFlagsFromString.mockClear();
    tuneGarbageCollector(1023);
    expect(setFlagsFromString).toHaveBeenCalledWith('--optimize-for-size');
  });
});
