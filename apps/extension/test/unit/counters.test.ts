import { describe, expect, it } from 'vitest';
import { createCounters } from '../../src/counters.js';

describe('createCounters', () => {
  it('starts at zero, adds deltas, and gives copies', () => {
    const counters = createCounters();
    counters.add({ received: 3, sent: 2 });
    counters.add({ received: 1 });
    const snapshot = counters.snapshot();
    expect(snapshot).toMatchObject({ received: 4, sent: 2, retries: 0, lambdaDroppedRecords: 0 });
    snapshot.received = 100;
    expect(counters.snapshot().received).toBe(4);
  });
});
