// @ts-check
// Pure helpers of the shape runs: when records reached the tap (which invocation or SHUTDOWN),
// where every emitted record went, the extension's own drop count, the CPU sample taken before an
// event. No I/O: the runs pass in what they read from the sandbox, the tap and /proc.

/**
 * The phase a tap arrival second falls in: the 1-based number of the invocation it came beside
 * (the last one started in or before that second), `'SHUTDOWN'` from the second the Shutdown
 * phase started in, `'Init'` before the first invocation. Sound when the invocations and SHUTDOWN
 * are more than a second apart (the tap stamps each body with the second it stored it in).
 *
 * @example
 * ```js
 * phaseOf(1_700_000_015, [1_700_000_000_000, 1_700_000_015_200], 1_700_000_030_000); // 2
 * ```
 * @param {number} second Unix seconds (`__bd_ts`)
 * @param {readonly number[]} startsMs Unix ms at which each invocation started, in order
 * @param {number} shutdownAtMs Unix ms at which the Shutdown phase started
 * @returns {number | 'SHUTDOWN' | 'Init'}
 */
export function phaseOf(second, startsMs, shutdownAtMs) {
  if (second >= Math.floor(shutdownAtMs / 1000)) return 'SHUTDOWN';
  let phase = 0;
  startsMs.forEach((start, i) => {
    if (Math.floor(start / 1000) <= second) phase = i + 1;
  });
  return phase === 0 ? 'Init' : phase;
}

/**
 * @typedef {{ phase: number | 'SHUTDOWN' | 'Init', records: number }} PhaseCount
 */

/**
 * Per invocation, how many of its function records reached the tap in which phase.
 *
 * @example
 * ```js
 * const perInvocation = deliveryByInvocation(await tap.functionRecordArrivals(name), requestIds, starts, shutdownAt);
 * perInvocation[0]; // [{ phase: 2, records: 10 }]: the first invocation's 10 lines came beside the second
 * ```
 * @param {readonly { requestId: string | null, second: number, records: number }[]} arrivals
 * @param {readonly string[]} requestIds the invocations' request ids, in order
 * @param {readonly number[]} startsMs
 * @param {number} shutdownAtMs
 * @returns {{ perInvocation: PhaseCount[][], unmatched: number }}
 */
export function deliveryByInvocation(arrivals, requestIds, startsMs, shutdownAtMs) {
  /** @type {PhaseCount[][]} */
  const perInvocation = requestIds.map(() => []);
  let unmatched = 0;
  for (const a of arrivals) {
    const index = a.requestId === null ? -1 : requestIds.indexOf(a.requestId);
    const list = perInvocation[index];
    if (list === undefined) {
      unmatched += a.records;
      continue;
    }
    const phase = phaseOf(a.second, startsMs, shutdownAtMs);
    const entry = list.find((p) => p.phase === phase);
    if (entry) entry.records += a.records;
    else list.push({ phase, records: a.records });
  }
  const order = (/** @type {PhaseCount['phase']} */ p) =>
    p === 'Init' ? 0 : p === 'SHUTDOWN' ? Number.POSITIVE_INFINITY : p;
  for (const list of perInvocation) list.sort((a, b) => order(a.phase) - order(b.phase));
  return { perInvocation, unmatched };
}

/**
 * One invocation's delivery as table text: `10 at #2`, `4 at #2, 6 at SHUTDOWN`, `none`.
 *
 * @example
 * ```js
 * formatDelivery([{ phase: 'SHUTDOWN', records: 10 }]); // '10 at SHUTDOWN'
 * ```
 * @param {readonly PhaseCount[]} list
 * @returns {string}
 */
export function formatDelivery(list) {
  if (list.length === 0) return 'none';
  return list
    .map((p) => `${p.records} at ${typeof p.phase === 'number' ? `#${p.phase}` : p.phase}`)
    .join(', ');
}

/**
 * Records the extension says it dropped (and counted): the `dropped` total of its last log line
 * (`shut down`, written at the end of SHUTDOWN, read from the `extension` records the sandbox
 * produced), else the sum of the `dataTaps.dropped` reports that reached the tap (with a tap that
 * is down, none does).
 *
 * @example
 * ```js
 * extensionDrops(sandbox.emitted(), await tap.recordsOfType(name, 'dataTaps.dropped'));
 * // { records: 1200, source: 'shutdown log line' }
 * ```
 * @param {readonly { type: string, record?: unknown, text?: string }[]} emitted
 * @param {readonly unknown[]} tapReports
 * @returns {{ records: number, source: 'shutdown log line' | 'dataTaps.dropped in the tap' | 'none' }}
 */
export function extensionDrops(emitted, tapReports) {
  for (let i = emitted.length - 1; i >= 0; i -= 1) {
    const r = /** @type {{ type: string, record?: unknown, text?: string }} */ (emitted[i]);
    if (r.type !== 'extension') continue;
    const text = typeof r.record === 'string' ? r.record : (r.text ?? '');
    if (!text.includes('"shut down"')) continue;
    try {
      const line = JSON.parse(text);
      if (line.msg === 'shut down' && typeof line.dropped === 'number') {
        return { records: line.dropped, source: 'shutdown log line' };
      }
    } catch {
      // not a JSON line of ours
    }
  }
  let sum = 0;
  let found = false;
  for (const report of tapReports) {
    if (report !== null && typeof report === 'object' && 'records' in report) {
      const records = Number(report.records);
      if (Number.isFinite(records)) {
        sum += records;
        found = true;
      }
    }
  }
  return found ? { records: sum, source: 'dataTaps.dropped in the tap' } : { records: 0, source: 'none' };
}

/**
 * Function records emitted but neither in the tap, dropped by Lambda, dropped and counted by the
 * extension, nor left in the spool (never below 0: the drop counts are of every record type).
 *
 * @example
 * ```js
 * unaccounted({ emitted: 100, inTap: 90, lambdaDropped: 5, extensionDropped: 0, spooled: 0 }); // 5
 * ```
 * @param {{ emitted: number, inTap: number, lambdaDropped: number, extensionDropped: number, spooled: number }} c
 * @returns {number}
 */
export function unaccounted(c) {
  return Math.max(0, c.emitted - c.inTap - c.lambdaDropped - c.extensionDropped - c.spooled);
}

/**
 * The last sample taken strictly before a time (undefined when none was).
 *
 * @example
 * ```js
 * lastBefore([{ at: 1, cpuMs: 0 }, { at: 5, cpuMs: 20 }, { at: 9, cpuMs: 30 }], 8); // { at: 5, cpuMs: 20 }
 * ```
 * @template {{ at: number }} T
 * @param {readonly T[]} samples in time order
 * @param {number} at
 * @returns {T | undefined}
 */
export function lastBefore(samples, at) {
  /** @type {T | undefined} */
  let found;
  for (const s of samples) {
    if (s.at < at) found = s;
    else break;
  }
  return found;
}

/**
 * The place of one record in what a subscriber is sent: records are delivered in the order they
 * were produced, each to the subscribers of its category (`platform`, `function`, `extension`;
 * `platform.logsDropped` only to the subscriber it was made for). Returns the 1-based position of
 * the first record matching `match`, or 0.
 *
 * @example
 * ```js
 * const pos = positionInStream(sandbox.emitted(), ['platform', 'function'], 'data-taps', (r) => r.type === 'platform.report');
 * ```
 * @param {readonly { type: string, subscriber?: string }[]} emitted
 * @param {readonly string[]} types the subscription's types
 * @param {string} subscriber
 * @param {(record: any) => boolean} match
 * @returns {number}
 */
export function positionInStream(emitted, types, subscriber, match) {
  let position = 0;
  for (const r of emitted) {
    if (r.subscriber !== undefined && r.subscriber !== subscriber) continue;
    const category = r.type.startsWith('platform.') ? 'platform' : r.type;
    if (!types.includes(category)) continue;
    position += 1;
    if (match(r)) return position;
  }
  return 0;
}
