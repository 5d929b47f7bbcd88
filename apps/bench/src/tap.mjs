// @ts-check
// The local Data Tap every run ships to: one tap for the whole benchmark (rows are told apart by
// the envelope's functionName), with a switchable answer delay and a log of request arrivals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTap } from '@data-taps/local-tap';

/**
 * Starts the tap. Conversions to Parquet only happen on `convert()` (huge thresholds), so DuckDB
 * never competes with a measurement for the CPU.
 *
 * @example
 * ```js
 * const tap = await startBenchTap('secret');
 * tap.setDelay(200); // every answer 200 ms late
 * const rows = await tap.countFunctionRecords('tp-small');
 * await tap.stop();
 * ```
 * @param {string} token
 */
export async function startBenchTap(token) {
  const outDir = mkdtempSync(join(tmpdir(), 'data-taps-bench-tap-'));
  let delayMs = 0;
  /** @type {{ at: number, bytes: number }[]} */
  let arrivals = [];
  const tap = createLocalTap(
    { outDir, token, thresholdBytes: 1024 ** 3, thresholdMs: 24 * 3600 * 1000 },
    {
      faults: ({ bytes }) => {
        arrivals.push({ at: performance.now(), bytes });
        return delayMs > 0 ? { delayMs } : undefined;
      },
    },
  );
  const { url } = await tap.start();
  return {
    url,
    /** @param {number} ms answer every request this much later (after storing it); 0: at once */
    setDelay(ms) {
      delayMs = ms;
    },
    /** Request arrivals (performance.now() ms, body bytes) since the previous call. */
    takeArrivals() {
      const out = arrivals;
      arrivals = [];
      return out;
    },
    stats: () => tap.stats(),
    /** Converts what is buffered into Parquet (DuckDB). */
    convert: () => tap.flush(),
    /**
     * Distinct function records (by envelope id) of one run that reached the tap, and all rows.
     * @param {string} functionName
     * @returns {Promise<{ distinct: number, rows: number }>}
     */
    async countFunctionRecords(functionName) {
      /** @type {{ distinct: number, rows: number }[]} */
      const [row] = await tap.query(
        `SELECT count(DISTINCT id) AS "distinct", count(*) AS "rows" FROM read_parquet('${tap.outputGlob}', union_by_name=true)
         WHERE type = 'function' AND functionName = '${functionName.replace(/'/g, "''")}'`,
      );
      return { distinct: Number(row?.distinct ?? 0), rows: Number(row?.rows ?? 0) };
    },
    async stop() {
      await tap.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
