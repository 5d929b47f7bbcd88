const ERROR_LEVELS = new Set(['error', 'fatal', 'critical', 'crit', 'alert', 'emergency', 'panic']);
const TEXT_LEVEL = /(?:^|\t)\[?(?:ERROR|FATAL|CRITICAL)\]?\t/;
const JSON_LEVEL = /"(?:level|levelname|severity)"\s*:\s*"(?:error|fatal|critical)"/i;

function isErrorLevel(value: unknown): boolean {
  if (typeof value === 'string') return ERROR_LEVELS.has(value.toLowerCase());
  // pino's numeric levels: error = 50, fatal = 60
  return typeof value === 'number' && value >= 50;
}

/** Cheap pre-check before the regular expressions: every level they match contains one of these. */
function mayBeErrorText(text: string): boolean {
  return (
    text.includes('RROR') ||
    text.includes('rror') ||
    text.includes('ATAL') ||
    text.includes('atal') ||
    text.includes('RITICAL') ||
    text.includes('ritical')
  );
}

function isErrorText(text: string): boolean {
  return mayBeErrorText(text) && (TEXT_LEVEL.test(text) || JSON_LEVEL.test(text));
}

/** The fields looked at, on a Telemetry API record, its `record`, or a flat log object. */
interface LooseRecord {
  type?: unknown;
  record?: unknown;
  level?: unknown;
  severity?: unknown;
  levelname?: unknown;
  errorType?: unknown;
}

function isErrorObject(object: LooseRecord): boolean {
  return (
    isErrorLevel(object.level) ||
    isErrorLevel(object.severity) ||
    isErrorLevel(object.levelname) ||
    typeof object.errorType === 'string'
  );
}

/**
 * The default priority of a record for the drop policy (higher is kept longer):
 * 2 for Telemetry API `platform.*` records, 1 for error-level logs (a `level`/`severity` of error,
 * fatal or critical, pino levels >= 50, an `errorType`, or a text log line whose level column is
 * ERROR/FATAL/CRITICAL as Node and Python write them), 0 for the rest. It looks at the record and at
 * its `record` field (the Telemetry API shape), whether that is an object or a string.
 *
 * @example
 * ```ts
 * defaultPriority({ type: 'platform.report', record: {} }); // 2
 * defaultPriority({ type: 'function', record: '2024-01-01T00:00:00.000Z\tabc\tERROR\tboom\n' }); // 1
 * defaultPriority({ type: 'function', record: 'hello\n' }); // 0
 * ```
 */
export function defaultPriority(record: unknown): number {
  if (typeof record === 'string') return isErrorText(record) ? 1 : 0;
  if (record === null || typeof record !== 'object') return 0;
  const object = record as LooseRecord;
  const type = object.type;
  if (typeof type === 'string' && type.startsWith('platform.')) return 2;
  if (isErrorObject(object)) return 1;
  const inner = object.record;
  if (typeof inner === 'string') return isErrorText(inner) ? 1 : 0;
  if (inner !== null && typeof inner === 'object') return isErrorObject(inner as LooseRecord) ? 1 : 0;
  return 0;
}
