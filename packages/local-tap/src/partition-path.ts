import { join } from 'node:path';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * The hive partition folder (`year=/month=/day=/hour=`, UTC, zero-padded like `strftime`) and the
 * file name (`YYYY-MM-DD_HH_MM_SS_mmm_<batch id>.parquet`) of one conversion.
 * @internal
 */
export function partitionPath(outDir: string, at: Date, batchId: string): { dir: string; file: string } {
  const year = pad(at.getUTCFullYear(), 4);
  const month = pad(at.getUTCMonth() + 1);
  const day = pad(at.getUTCDate());
  const hour = pad(at.getUTCHours());
  const dir = join(outDir, `year=${year}`, `month=${month}`, `day=${day}`, `hour=${hour}`);
  const stamp = `${year}-${month}-${day}_${hour}_${pad(at.getUTCMinutes())}_${pad(at.getUTCSeconds())}_${pad(at.getUTCMilliseconds(), 3)}`;
  return { dir, file: join(dir, `${stamp}_${batchId}.parquet`) };
}
