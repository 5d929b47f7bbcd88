import type { RejectCause } from './request-verdict.js';

/**
 * Counters of a local tap (a snapshot, from `tap.stats()`).
 *
 * @example
 * ```ts
 * const { accepted, rejected, rows, ignoredLines } = tap.stats();
 * console.log(`${accepted} bodies accepted, ${rejected.auth} refused, ${rows} rows written`);
 * ```
 */
export interface LocalTapStats {
  /** Every HTTP request received. */
  requests: number;
  /** Bodies stored durably (fsynced) in the buffer. */
  accepted: number;
  /** Decoded NDJSON bytes stored. */
  acceptedBytes: number;
  /** Non-blank NDJSON lines stored. */
  acceptedLines: number;
  /** Requests answered without storing their body, by cause. */
  rejected: Record<RejectCause, number>;
  /** Requests whose client went away before the body was complete, or during an injected delay. */
  aborted: number;
  /** Injected faults (see `FaultAction`). */
  faults: { injected: number; delayed: number; resets: number; truncated: number };
  /** Conversions that wrote or tried to write Parquet. */
  conversions: number;
  /** Batches that failed to convert (kept under `<bufferDir>/failed/`). */
  conversionErrors: number;
  /** Parquet files written. */
  files: number;
  /** Rows written to Parquet. */
  rows: number;
  /** Rows DuckDB read from the buffer files (ignored lines included). */
  rowsRead: number;
  /** Lines DuckDB ignored: malformed JSON, or lines carrying no value. */
  ignoredLines: number;
  /** Rows the user's SQL left out. */
  filteredRows: number;
  /** Buffered bytes not yet converted. */
  bufferedBytes: number;
  /** Batches left by an earlier process and converted (or found converted) at start. */
  recoveredBatches: number;
}

const CAUSES: readonly RejectCause[] = [
  'method',
  'auth',
  'expired',
  'badContent',
  'tooLarge',
  'empty',
  'badEncoding',
  'badJson',
  'stopping',
  'internal',
  'fault',
];

/** @internal */
export function createStats(): LocalTapStats {
  return {
    requests: 0,
    accepted: 0,
    acceptedBytes: 0,
    acceptedLines: 0,
    rejected: Object.fromEntries(CAUSES.map((cause) => [cause, 0])) as Record<RejectCause, number>,
    aborted: 0,
    faults: { injected: 0, delayed: 0, resets: 0, truncated: 0 },
    conversions: 0,
    conversionErrors: 0,
    files: 0,
    rows: 0,
    rowsRead: 0,
    ignoredLines: 0,
    filteredRows: 0,
    bufferedBytes: 0,
    recoveredBatches: 0,
  };
}
