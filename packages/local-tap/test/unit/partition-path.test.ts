import { describe, expect, it } from 'vitest';
import { partitionPath } from '../../src/partition-path.js';

describe('partitionPath', () => {
  it('builds zero-padded UTC hive partitions and a timestamped unique file name', () => {
    const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    expect(partitionPath('/out', at, 'abc1')).toEqual({
      dir: '/out/year=2024/month=01/day=02/hour=03',
      file: '/out/year=2024/month=01/day=02/hour=03/2024-01-02_03_04_05_006_abc1.parquet',
    });
  });
});
