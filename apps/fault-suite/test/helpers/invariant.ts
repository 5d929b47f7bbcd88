/**
 * The invariant every fault case checks, computed from what the sandboxes produced and what the tap
 * wrote:
 *
 * 1. every record emitted that the extension subscribed to (function lines, platform records,
 *    extension lines other than its own log) is in the tap's Parquet, or counted in a drop record
 *    that is itself in the tap: `dataTaps.dropped` (the extension's drops, by cause) or
 *    `platform.logsDropped` (what Lambda dropped before the extension saw it);
 * 2. a record found more than once carries one id (duplicates only as retries of the same record),
 *    and an id never stands for two different records;
 * 3. the token (and every other secret of the world) never shows in the tap's rows or in the
 *    extension's log.
 *
 * Lambda's drop counts say how many records, not which ones: the check is on counts
 * (`missing <= dropped`), and exact (`missing == 0`) when nothing was reported dropped.
 */
import type { TelemetryRecordEmitted } from '@data-taps/lambda-sandbox';
import { EXTENSION_NAME, isOwnLine, recordKey, type TapRow, type World } from './world.js';

/** One `dataTaps.dropped` record's counts. */
export interface DropRecord {
  records: number;
  bytes: number;
  byCause: Record<string, number>;
}

export interface Accounting {
  /** Records the extension should have shipped. */
  expected: number;
  /** Of those, how many are in the tap (each counted once). */
  delivered: number;
  /** Expected records not in the tap. */
  missing: number;
  /** Some of the missing, for the failure message. */
  missingSamples: string[];
  /** Rows beyond the first of a record with the same id (retries). */
  duplicateRows: number;
  /** Records found under more ids than they were emitted (duplicates with different ids). */
  duplicatesWithNewIds: string[];
  /** Ids used for two different records. */
  idConflicts: string[];
  /** The extension's drops, from the `dataTaps.dropped` rows. */
  extensionDropped: number;
  extensionDropCauses: Record<string, number>;
  /**
   * Invocations the extension saw (INVOKE) whose records had not arrived by SHUTDOWN: Lambda still
   * held them. The extension cannot count those records, only name the invocations
   * (`dataTaps.dropped` with cause `not-received-before-shutdown`).
   */
  notReceivedInvocations: number;
  /** Lambda's drops, from the `platform.logsDropped` rows. */
  lambdaDropped: number;
  /** Lambda's drops as the sandboxes counted them (whether or not the record reached the tap). */
  lambdaDroppedBySandbox: number;
  /** Rows of the extension's own types. */
  statsRows: Record<string, unknown>[];
  dropRows: DropRecord[];
  /** Rows or log lines where the token showed up. */
  tokenLeaks: string[];
  /** Tap rows per type. */
  rowsByType: Record<string, number>;
  /** Lines left in the spool at the end (pending for a next environment: neither delivered nor counted). */
  spoolLeft: number;
}

const categoryOf = (type: string) => (type.startsWith('platform.') ? 'platform' : type);

/** The records of one environment the extension is expected to ship. */
export function expectedRecords(
  emitted: readonly TelemetryRecordEmitted[],
  options: { types: string[]; killedAt: number | undefined },
): TelemetryRecordEmitted[] {
  // The extension logs "shut down" and then closes its listener: what Lambda produces after that
  // line (the line itself coming back, and the platform.logsDropped its failed delivery causes)
  // can reach no one, on Lambda as here.
  const lastLine = emitted.findLastIndex((r) => isOwnLine(r) && (r.text ?? '').includes('"msg":"shut down"'));
  const end = Math.min(options.killedAt ?? emitted.length, lastLine < 0 ? emitted.length : lastLine + 1);
  return emitted.filter(
    (record, index) =>
      index < end &&
      options.types.includes(categoryOf(record.type)) &&
      (record.subscriber === undefined || record.subscriber === EXTENSION_NAME) &&
      !isOwnLine(record),
  );
}

const parse = (text: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Matches what the environments emitted against the tap's rows. */
export function account(world: World, rows: readonly TapRow[]): Accounting {
  const expectedByKey = new Map<string, number>();
  let expected = 0;
  let lambdaDroppedBySandbox = 0;
  for (const environment of world.environments) {
    const types = (environment.env['DATA_TAPS_TYPES'] ?? 'platform,function,extension')
      .split(',')
      .map((t) => t.trim());
    const emitted = environment.sandbox.emitted();
    for (const record of expectedRecords(emitted, { types, killedAt: environment.killedAt })) {
      const key = recordKey(record.type, record.record);
      expectedByKey.set(key, (expectedByKey.get(key) ?? 0) + 1);
      expected += 1;
    }
    for (const subscriber of environment.sandbox.report().subscribers) {
      lambdaDroppedBySandbox += subscriber.droppedRecords;
    }
  }

  const idsByKey = new Map<string, Set<string>>();
  const keyById = new Map<string, string>();
  const idConflicts: string[] = [];
  const rowsByType: Record<string, number> = {};
  const statsRows: Record<string, unknown>[] = [];
  const dropRows: DropRecord[] = [];
  const extensionDropCauses: Record<string, number> = {};
  const tokenLeaks: string[] = [];
  let extensionDropped = 0;
  let notReceivedInvocations = 0;
  let lambdaDropped = 0;
  let duplicateRows = 0;
  for (const row of rows) {
    rowsByType[row.type] = (rowsByType[row.type] ?? 0) + 1;
    if (world.secrets.some((secret) => row.record.includes(secret))) {
      tokenLeaks.push(`tap row ${row.id} (${row.type})`);
    }
    const key = recordKey(row.type, row.record);
    const previous = keyById.get(row.id);
    if (previous !== undefined) {
      duplicateRows += 1;
      if (previous !== key) idConflicts.push(row.id);
      continue;
    }
    keyById.set(row.id, key);
    if (row.type === 'dataTaps.stats') {
      statsRows.push(parse(row.record));
      continue;
    }
    if (row.type === 'dataTaps.dropped') {
      const body = parse(row.record);
      const byCause: Record<string, number> = {};
      // byCause: { cause: { records, bytes } } (or a bare count).
      for (const [cause, value] of Object.entries((body['byCause'] as Record<string, unknown>) ?? {})) {
        const n =
          typeof value === 'object' && value !== null
            ? num((value as Record<string, unknown>)['records'])
            : num(value);
        if (n === 0) continue;
        byCause[cause] = n;
        extensionDropCauses[cause] = (extensionDropCauses[cause] ?? 0) + n;
      }
      if (body['cause'] === 'not-received-before-shutdown')
        notReceivedInvocations += num(body['invocations']);
      const drop = { records: num(body['records']), bytes: num(body['bytes']), byCause };
      dropRows.push(drop);
      extensionDropped += drop.records;
      continue;
    }
    if (row.type === 'platform.logsDropped') lambdaDropped += num(parse(row.record)['droppedRecords']);
    let ids = idsByKey.get(key);
    if (!ids) {
      ids = new Set();
      idsByKey.set(key, ids);
    }
    ids.add(row.id);
  }

  let delivered = 0;
  let missing = 0;
  const missingSamples: string[] = [];
  const duplicatesWithNewIds: string[] = [];
  for (const [key, count] of expectedByKey) {
    const found = idsByKey.get(key)?.size ?? 0;
    delivered += Math.min(found, count);
    if (found < count) {
      missing += count - found;
      if (missingSamples.length < 5) missingSamples.push(key.replace('\u0000', ' ').slice(0, 200));
    }
    if (found > count) duplicatesWithNewIds.push(key.replace('\u0000', ' ').slice(0, 200));
  }
  for (const environment of world.environments) {
    for (const line of environment.logText()) {
      // Never the secret itself in the failure message.
      const leaked = world.secrets.find((secret) => line.includes(secret));
      if (leaked !== undefined) tokenLeaks.push(`log: ${line.replaceAll(leaked, '[the secret]')}`);
    }
  }
  return {
    expected,
    delivered,
    missing,
    missingSamples,
    duplicateRows,
    duplicatesWithNewIds,
    idConflicts,
    extensionDropped,
    extensionDropCauses,
    notReceivedInvocations,
    lambdaDropped,
    lambdaDroppedBySandbox,
    statsRows,
    dropRows,
    tokenLeaks,
    rowsByType,
    spoolLeft: world.spoolLines(),
  };
}

/** A one-line summary for failure messages and the suite's output. */
export function describeAccounting(a: Accounting): string {
  return JSON.stringify({
    expected: a.expected,
    delivered: a.delivered,
    missing: a.missing,
    duplicateRows: a.duplicateRows,
    extensionDropped: a.extensionDropped,
    causes: a.extensionDropCauses,
    lambdaDropped: a.lambdaDropped,
    lambdaDroppedBySandbox: a.lambdaDroppedBySandbox,
    spoolLeft: a.spoolLeft,
    missingSamples: a.missingSamples,
  });
}
