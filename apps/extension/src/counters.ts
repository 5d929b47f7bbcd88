/**
 * The extension's own counters, shipped to the tap as `dataTaps.stats` records so the data says
 * what was received, sent, retried and lost.
 */

/** Counter names and their meaning. */
export interface Counters {
  /** Telemetry records received from the Telemetry API (own log lines excluded). */
  received: number;
  /** Records the Data Tap acknowledged. */
  sent: number;
  /** HTTP requests made to the tap. */
  requests: number;
  /** Requests retried. */
  retries: number;
  /** Sends that ended with an error (records kept for a later try). */
  failedSends: number;
  /** The extension's own log lines seen in `extension` telemetry and kept out of the tap. */
  ownLinesSkipped: number;
  /** Records Lambda reported dropped before they reached the extension (`platform.logsDropped`). */
  lambdaDroppedRecords: number;
  lambdaDroppedBytes: number;
}

/**
 * Creates a zeroed set of counters.
 * @example
 * const counters = createCounters();
 * counters.add({ received: 10 });
 */
export function createCounters() {
  const values: Counters = {
    received: 0,
    sent: 0,
    requests: 0,
    retries: 0,
    failedSends: 0,
    ownLinesSkipped: 0,
    lambdaDroppedRecords: 0,
    lambdaDroppedBytes: 0,
  };
  return {
    add(delta: Partial<Counters>): void {
      for (const [key, value] of Object.entries(delta) as [keyof Counters, number][]) values[key] += value;
    },
    snapshot(): Counters {
      return { ...values };
    },
  };
}
