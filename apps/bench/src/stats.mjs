// @ts-check
// Small statistics over a series of numbers.

/**
 * The q-quantile (0..1) of a series, nearest rank (the value at rank ceil(q * n)); NaN when empty.
 *
 * @example
 * ```js
 * quantile([5, 1, 3], 0.5); // 3
 * ```
 * @param {readonly number[]} values
 * @param {number} q
 * @returns {number}
 */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return /** @type {number} */ (sorted[Math.min(sorted.length, rank) - 1]);
}

/**
 * Median, p99, max and count of a series (NaN figures when empty).
 *
 * @example
 * ```js
 * summarize([1, 2, 3]); // { count: 3, median: 2, p99: 3, max: 3 }
 * ```
 * @param {readonly number[]} values
 * @returns {{ count: number, median: number, p99: number, max: number }}
 */
export function summarize(values) {
  return {
    count: values.length,
    median: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}
