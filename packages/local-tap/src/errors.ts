/**
 * Base class of every error thrown by `@data-taps/local-tap`.
 *
 * @example
 * ```ts
 * try {
 *   await tap.start();
 * } catch (error) {
 *   if (error instanceof LocalTapError) console.error(error.name, error.message);
 * }
 * ```
 */
export class LocalTapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalTapError';
  }
}

/**
 * Invalid options given to `createLocalTap` (or an invalid SQL clause found by `start()`); the
 * message names the option, the value and the accepted range.
 *
 * @example
 * ```ts
 * try {
 *   createLocalTap({ outDir: './out', port: 70_000 });
 * } catch (error) {
 *   if (error instanceof LocalTapOptionsError) console.error(error.message); // names `port`
 * }
 * ```
 */
export class LocalTapOptionsError extends LocalTapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalTapOptionsError';
  }
}

/**
 * A lifecycle call made in the wrong state: `start()` twice, `flush()` before `start()` or after
 * `stop()`.
 *
 * @example
 * ```ts
 * await tap.flush().catch((error) => {
 *   if (error instanceof LocalTapStateError) console.error('not running:', error.state);
 * });
 * ```
 */
export class LocalTapStateError extends LocalTapError {
  /** The state the tap was in: `created`, `starting`, `running`, `stopping` or `stopped`. */
  readonly state: string;
  constructor(message: string, state: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalTapStateError';
    this.state = state;
  }
}

/**
 * DuckDB could not convert a batch of buffered NDJSON to Parquet (for example the user's SQL
 * clause names a column no row of the batch has). The batch is kept, moved to
 * `<bufferDir>/failed/<batchId>/`, and nothing is lost.
 *
 * @example
 * ```ts
 * const result = await tap.flush();
 * for (const failure of result.failed) console.error(failure.batchId, failure.error.message);
 * ```
 */
export class LocalTapConversionError extends LocalTapError {
  /** The id of the batch that failed; its files are under `<bufferDir>/failed/<batchId>/`. */
  readonly batchId: string;
  constructor(message: string, batchId: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalTapConversionError';
    this.batchId = batchId;
  }
}
