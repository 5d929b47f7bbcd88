/**
 * What the timeouts of this package know about a freeze: a Lambda environment is frozen between
 * invocations (timers, sockets and requests in flight stop), and at the thaw every timer that came
 * due meanwhile fires at once, before the loop reads the sockets.
 */

/**
 * A request's timeout takes effect this much after its timer fired, so that an answer that arrived
 * while the process was frozen (a Lambda environment between invocations) is read first, ms.
 */
export const THAW_GRACE_MS = 1;

/**
 * A timeout's timer that fires this much later than it was due did not measure the request: the
 * process was frozen (or its loop stalled) meanwhile, ms.
 */
export const FROZEN_LATENESS_MS = 1_000;
