// @ts-check
// The local Data Tap every run ships to: one tap for the whole benchmark (rows are told apart by
// the envelope's functionName), with a switchable answer delay, a switchable script of answers
// (failures, throttling) and a log of request arrivals.
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
  /** @type {((n: number) => import('@data-taps/local-tap').FaultAction | undefined) | undefined} */
  let script;
  let scripted = 0;
  /** @type {{ at: number, bytes: number }[]} */
  let arrivals = [];
  const tap = createLocalTap(
    { outDir, token, thresholdBytes: 1024 ** 3, thresholdMs: 24 * 3600 * 1000 },
    {
      faults: ({ bytes }) => {
        arrivals.push({ at: performance.now(), bytes });
        if (script) {
          scripted += 1;
          const action = script(scripted);
          if (action) return action;
        }
        return delayMs > 0 ? { delayMs } : undefined;
      },
    },
  );
  const { url } = await tap.start();
  /**
   * The tap's query, with no Parquet file yet (nothing converted) read as no rows.
   * @param {string} sql
   * @returns {Promise<any[]>}
   */
  const query = async (sql) => {
    try {
      return await tap.query(sql);
    } catch (error) {
      if (/No files found/i.test(String(error))) return [];
      throw error;
    }
  };
  return {
    url,
    /** @param {number} ms answer every request this much later (after storing it); 0: at once */
    setDelay(ms) {
      delayMs = ms;
    },
    /**
     * Answers requests by a script: `answer(n)` is called with 1, 2, 3... for the requests from now
     * on and returns the fault to inject (undefined: the tap's own answer, after `setDelay`'s
     * delay); `undefined` ends the script.
     * @param {((n: number) => import('@data-taps/local-tap').FaultAction | undefined) | undefined} answer
     */
    setScript(answer) {
      script = answer;
      scripted = 0;
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
      const [row] = await query(
        `SELECT count(DISTINCT id) AS "distinct", count(*) AS "rows" FROM read_parquet('${tap.outputGlob}', union_by_name=true)
         WHERE type = 'function' AND functionName = ${sqlText(functionName)}`,
      );
      return { distinct: Number(row?.distinct ?? 0), rows: Number(row?.rows ?? 0) };
    },
    /**
     * Distinct function records of one run by request id and by the second the tap stored them in
     * (`__bd_ts`, Unix seconds).
     * @param {string} functionName
     * @returns {Promise<{ requestId: string | null, second: number, records: number }[]>}
     */
    async functionRecordArrivals(functionName) {
      /** @type {{ requestId: string | null, second: unknown, records: unknown }[]} */
      const rows = await query(
        `SELECT requestId, min(__bd_ts) AS "second", count(*) AS "records" FROM (
           SELECT id, any_value(requestId) AS requestId, min(__bd_ts) AS __bd_ts
           FROM read_parquet('${tap.outputGlob}', union_by_name=true)
           WHERE type = 'function' AND functionName = ${sqlText(functionName)} GROUP BY id)
         GROUP BY requestId, __bd_ts ORDER BY 2`,
      );
      return rows.map((r) => ({
        requestId: r.requestId,
        second: Number(r.second),
        records: Number(r.records),
      }));
    },
    /**
     * The original records (parsed JSON of `record`) of one type of one run, such as the
     * extension's `dataTaps.dropped` reports, distinct by envelope id.
     * @param {string} functionName
     * @param {string} type
     * @returns {Promise<unknown[]>}
     */
    async recordsOfType(functionName, type) {
      /** @type {{ record: string }[]} */
      const rows = await query(
        `SELECT any_value(record) AS record FROM read_parquet('${tap.outputGlob}', union_by_name=true)
         WHERE type = ${sqlText(type)} AND functionName = ${sqlText(functionName)} GROUP BY id`,
      );
      return rows.map((r) => {
        try {
          return JSON.parse(r.record);
        } catch {
          return r.record;
        }
      });
    },
    /**
     * Whether a record of one type and request id of one run (such as an invocation's
     * `platform.report`) reached the tap.
     * @param {string} functionName
     * @param {string} type
     * @param {string} requestId
     * @returns {Promise<boolean>}
     */
    async hasRecord(functionName, type, requestId) {
      const [row] = await query(
        `SELECT count(*) AS "rows" FROM read_parquet('${tap.outputGlob}', union_by_name=true)
         WHERE type = ${sqlText(type)} AND functionName = ${sqlText(functionName)} AND requestId = ${sqlText(requestId)}`,
      );
      return Number(row?.rows ?? 0) > 0;
    },
    async stop() {
      await tap.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** @param {string} text a SQL string literal of it */
const sqlText = (text) => `'${text.replace(/'/g, "''")}'`;
