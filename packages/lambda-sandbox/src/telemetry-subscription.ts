import type { TelemetryCategory } from './records.js';

/**
 * Telemetry API schema versions the sandbox accepts.
 * @example
 * ```ts
 * TELEMETRY_SCHEMA_VERSIONS.includes('2022-12-13'); // true
 * ```
 */
export const TELEMETRY_SCHEMA_VERSIONS = ['2022-07-01', '2022-12-13', '2025-01-29'] as const;
/** A Telemetry API schema version. */
export type TelemetrySchemaVersion = (typeof TELEMETRY_SCHEMA_VERSIONS)[number];

/**
 * Lambda's buffering ranges and defaults.
 * @example
 * ```ts
 * BUFFERING_LIMITS.timeoutMs; // { min: 25, max: 30000, default: 1000 }
 * ```
 */
export const BUFFERING_LIMITS = {
  maxItems: { min: 1_000, max: 10_000, default: 10_000 },
  maxBytes: { min: 262_144, max: 1_048_576, default: 262_144 },
  timeoutMs: { min: 25, max: 30_000, default: 1_000 },
} as const;

/** A validated subscription. */
export interface TelemetrySubscription {
  readonly schemaVersion: TelemetrySchemaVersion;
  readonly types: readonly TelemetryCategory[];
  readonly buffering: { readonly maxItems: number; readonly maxBytes: number; readonly timeoutMs: number };
  /** The destination as given. */
  readonly uri: string;
  /** Where the sandbox delivers: 127.0.0.1 at this port, this path, with the `Host` header kept. */
  readonly port: number;
  readonly path: string;
  readonly host: string;
}

/** A refused subscription: the HTTP status and Lambda's error body. */
export interface SubscriptionRefusal {
  readonly status: number;
  readonly errorType: string;
  readonly errorMessage: string;
}

const refuse = (errorMessage: string): { ok: false; error: SubscriptionRefusal } => ({
  ok: false,
  error: { status: 400, errorType: 'ValidationError', errorMessage },
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Validates a Telemetry API `PUT` body as Lambda does: schema version, destination (HTTP to
 * `sandbox.localdomain`), types, buffering within Lambda's ranges. Refusals are 400 with
 * `errorType` `ValidationError` and a message naming the field and the range.
 *
 * @example
 * ```ts
 * const r = validateSubscription({ schemaVersion: '2022-12-13', types: ['platform'],
 *   destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' } });
 * if (r.ok) r.value.buffering.timeoutMs; // 1000
 * ```
 */
export function validateSubscription(
  body: unknown,
): { ok: true; value: TelemetrySubscription } | { ok: false; error: SubscriptionRefusal } {
  if (!isRecord(body)) return refuse('the body must be a JSON object');
  const { schemaVersion, destination, types, buffering } = body;
  if (!TELEMETRY_SCHEMA_VERSIONS.includes(schemaVersion as TelemetrySchemaVersion)) {
    return refuse(
      `schemaVersion ${JSON.stringify(schemaVersion)} is not supported; use one of ${TELEMETRY_SCHEMA_VERSIONS.join(', ')}`,
    );
  }
  if (!isRecord(destination))
    return refuse('destination is required: {"protocol":"HTTP","URI":"http://sandbox.localdomain:PORT"}');
  if (destination['protocol'] === 'TCP') {
    return refuse('destination protocol TCP is not supported by this sandbox; use HTTP');
  }
  if (destination['protocol'] !== 'HTTP') {
    return refuse(`destination.protocol ${JSON.stringify(destination['protocol'])} is invalid; use "HTTP"`);
  }
  const uri = destination['URI'];
  let url: URL;
  try {
    url = new URL(String(uri));
  } catch {
    return refuse(`destination.URI ${JSON.stringify(uri)} is not a URL`);
  }
  if (url.protocol !== 'http:' || url.hostname !== 'sandbox.localdomain') {
    return refuse(`destination.URI ${JSON.stringify(uri)} must be http://sandbox.localdomain:PORT[/path]`);
  }
  const port = url.port === '' ? 80 : Number(url.port);
  if (!Array.isArray(types) || types.length === 0) {
    return refuse('types must be a non-empty array of "platform", "function", "extension"');
  }
  for (const t of types) {
    if (t !== 'platform' && t !== 'function' && t !== 'extension') {
      return refuse(`types contains ${JSON.stringify(t)}; allowed: "platform", "function", "extension"`);
    }
  }
  if (buffering !== undefined && !isRecord(buffering)) return refuse('buffering must be an object');
  const resolved = { maxItems: 0, maxBytes: 0, timeoutMs: 0 };
  for (const key of ['maxItems', 'maxBytes', 'timeoutMs'] as const) {
    const limit = BUFFERING_LIMITS[key];
    const value = buffering?.[key] ?? limit.default;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < limit.min || value > limit.max) {
      return refuse(`buffering.${key} ${JSON.stringify(value)} is out of range: ${limit.min}-${limit.max}`);
    }
    resolved[key] = value;
  }
  return {
    ok: true,
    value: {
      schemaVersion: schemaVersion as TelemetrySchemaVersion,
      types: [...new Set(types as TelemetryCategory[])],
      buffering: resolved,
      uri: String(uri),
      port,
      path: `${url.pathname}${url.search}`,
      host: url.host,
    },
  };
}
