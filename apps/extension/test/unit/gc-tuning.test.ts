import { describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', () => ({ setFlagsFromString }));

const { tuneGarbageCollector } = await import('../../src/gc-tuning.js');

describe('tuneGarbageCollector', () => {
  it('turns off V8 memory reducer, whose timer is always due at a thaw', () => {
    tuneGarbageCollector();
    expect(setFlagsFromString).toHaveBeenCalledExactlyOnceWith('--no-memory-reducer');
  });
});
