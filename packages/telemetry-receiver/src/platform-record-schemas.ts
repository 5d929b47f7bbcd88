import * as z from 'zod/mini';

// Shared parts. Every object is loose: fields Lambda adds later are kept, never stripped.
// Fields AWS does not mark as required are optional, across the three schema versions.

const spanSchema = z.looseObject({ name: z.string(), start: z.string(), durationMs: z.number() });
const spansSchema = z.optional(z.array(spanSchema));
const tracingSchema = z.optional(
  z.looseObject({ spanId: z.optional(z.string()), type: z.string(), value: z.string() }),
);
const optionalString = z.optional(z.string());
const optionalNumber = z.optional(z.number());

/**
 * `platform.initStart`: function initialization started. `initializationType` is one of
 * `on-demand`, `provisioned-concurrency`, `snap-start`, `lambda-managed-instances` (kept as a
 * string, so a new value is not an invalid record); `phase` is `init` or `invoke`.
 *
 * @example
 * ```ts
 * const record = platformInitStartRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.000Z',
 *   type: 'platform.initStart',
 *   record: { initializationType: 'on-demand', phase: 'init' },
 * });
 * ```
 */
export const platformInitStartRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.initStart'),
  record: z.looseObject({
    initializationType: z.string(),
    phase: z.string(),
    runtimeVersion: optionalString,
    runtimeVersionArn: optionalString,
    functionName: optionalString,
    functionVersion: optionalString,
    instanceId: optionalString,
    instanceMaxMemory: optionalNumber,
  }),
});
/**
 * A `platform.initStart` record.
 *
 * @example
 * ```ts
 * const kind = (r: PlatformInitStartRecord) => r.record.initializationType;
 * ```
 */
export type PlatformInitStartRecord = z.infer<typeof platformInitStartRecordSchema>;

/**
 * `platform.initRuntimeDone`: the runtime finished its Init (`status`: `success`, `failure`,
 * `error`, `timeout`).
 *
 * @example
 * ```ts
 * platformInitRuntimeDoneRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.200Z',
 *   type: 'platform.initRuntimeDone',
 *   record: { initializationType: 'on-demand', phase: 'init', status: 'success' },
 * });
 * ```
 */
export const platformInitRuntimeDoneRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.initRuntimeDone'),
  record: z.looseObject({
    initializationType: z.string(),
    phase: z.string(),
    status: z.string(),
    errorType: optionalString,
    spans: spansSchema,
  }),
});
/**
 * A `platform.initRuntimeDone` record.
 *
 * @example
 * ```ts
 * const failed = (r: PlatformInitRuntimeDoneRecord) => r.record.status !== 'success';
 * ```
 */
export type PlatformInitRuntimeDoneRecord = z.infer<typeof platformInitRuntimeDoneRecordSchema>;

/**
 * `platform.initReport`: the report of the Init phase, with its duration.
 *
 * @example
 * ```ts
 * platformInitReportRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.210Z',
 *   type: 'platform.initReport',
 *   record: { initializationType: 'on-demand', phase: 'init', status: 'success', metrics: { durationMs: 210.5 } },
 * });
 * ```
 */
export const platformInitReportRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.initReport'),
  record: z.looseObject({
    initializationType: z.string(),
    phase: z.string(),
    status: z.string(),
    errorType: optionalString,
    metrics: z.looseObject({ durationMs: z.number() }),
    spans: spansSchema,
  }),
});
/**
 * A `platform.initReport` record.
 *
 * @example
 * ```ts
 * const initMs = (r: PlatformInitReportRecord) => r.record.metrics.durationMs;
 * ```
 */
export type PlatformInitReportRecord = z.infer<typeof platformInitReportRecordSchema>;

/**
 * `platform.start`: an invocation started.
 *
 * @example
 * ```ts
 * platformStartRecordSchema.parse({
 *   time: '2024-01-01T00:00:01.000Z',
 *   type: 'platform.start',
 *   record: { requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', version: '$LATEST' },
 * });
 * ```
 */
export const platformStartRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.start'),
  record: z.looseObject({ requestId: z.string(), version: optionalString, tracing: tracingSchema }),
});
/**
 * A `platform.start` record.
 *
 * @example
 * ```ts
 * const id = (r: PlatformStartRecord) => r.record.requestId;
 * ```
 */
export type PlatformStartRecord = z.infer<typeof platformStartRecordSchema>;

/**
 * `platform.runtimeDone`: the runtime finished an invocation (`status`: `success`, `failure`,
 * `error`, `timeout`), with the response spans.
 *
 * @example
 * ```ts
 * platformRuntimeDoneRecordSchema.parse({
 *   time: '2024-01-01T00:00:01.050Z',
 *   type: 'platform.runtimeDone',
 *   record: { requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', status: 'success', metrics: { durationMs: 50.1 } },
 * });
 * ```
 */
export const platformRuntimeDoneRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.runtimeDone'),
  record: z.looseObject({
    requestId: z.string(),
    status: z.string(),
    errorType: optionalString,
    metrics: z.optional(z.looseObject({ durationMs: z.number(), producedBytes: optionalNumber })),
    spans: spansSchema,
    tracing: tracingSchema,
  }),
});
/**
 * A `platform.runtimeDone` record.
 *
 * @example
 * ```ts
 * const bytes = (r: PlatformRuntimeDoneRecord) => r.record.metrics?.producedBytes ?? 0;
 * ```
 */
export type PlatformRuntimeDoneRecord = z.infer<typeof platformRuntimeDoneRecordSchema>;

/**
 * `platform.report`: the report of an invocation (billed duration, memory). It is produced after
 * every extension called `next`, so it often arrives with the next invocation's batch.
 *
 * @example
 * ```ts
 * platformReportRecordSchema.parse({
 *   time: '2024-01-01T00:00:01.060Z',
 *   type: 'platform.report',
 *   record: {
 *     requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
 *     status: 'success',
 *     metrics: { durationMs: 51.2, billedDurationMs: 52, memorySizeMB: 128, maxMemoryUsedMB: 70 },
 *   },
 * });
 * ```
 */
export const platformReportRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.report'),
  record: z.looseObject({
    requestId: z.string(),
    status: z.string(),
    errorType: optionalString,
    metrics: z.looseObject({
      durationMs: z.number(),
      billedDurationMs: z.number(),
      memorySizeMB: z.number(),
      maxMemoryUsedMB: z.number(),
      initDurationMs: optionalNumber,
      restoreDurationMs: optionalNumber,
      billedRestoreDurationMs: optionalNumber,
    }),
    spans: spansSchema,
    tracing: tracingSchema,
  }),
});
/**
 * A `platform.report` record.
 *
 * @example
 * ```ts
 * const coldStart = (r: PlatformReportRecord) => r.record.metrics.initDurationMs !== undefined;
 * ```
 */
export type PlatformReportRecord = z.infer<typeof platformReportRecordSchema>;

/**
 * `platform.restoreStart`: a SnapStart restore started.
 *
 * @example
 * ```ts
 * platformRestoreStartRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.000Z',
 *   type: 'platform.restoreStart',
 *   record: { runtimeVersion: 'nodejs:20.v20' },
 * });
 * ```
 */
export const platformRestoreStartRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.restoreStart'),
  record: z.looseObject({
    runtimeVersion: optionalString,
    runtimeVersionArn: optionalString,
    functionName: optionalString,
    functionVersion: optionalString,
    instanceId: optionalString,
    instanceMaxMemory: optionalNumber,
  }),
});
/**
 * A `platform.restoreStart` record.
 *
 * @example
 * ```ts
 * const version = (r: PlatformRestoreStartRecord) => r.record.runtimeVersion;
 * ```
 */
export type PlatformRestoreStartRecord = z.infer<typeof platformRestoreStartRecordSchema>;

/**
 * `platform.restoreRuntimeDone`: the runtime's restore hooks finished.
 *
 * @example
 * ```ts
 * platformRestoreRuntimeDoneRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.300Z',
 *   type: 'platform.restoreRuntimeDone',
 *   record: { status: 'success' },
 * });
 * ```
 */
export const platformRestoreRuntimeDoneRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.restoreRuntimeDone'),
  record: z.looseObject({ status: z.string(), errorType: optionalString, spans: spansSchema }),
});
/**
 * A `platform.restoreRuntimeDone` record.
 *
 * @example
 * ```ts
 * const ok = (r: PlatformRestoreRuntimeDoneRecord) => r.record.status === 'success';
 * ```
 */
export type PlatformRestoreRuntimeDoneRecord = z.infer<typeof platformRestoreRuntimeDoneRecordSchema>;

/**
 * `platform.restoreReport`: the report of a SnapStart restore.
 *
 * @example
 * ```ts
 * platformRestoreReportRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.310Z',
 *   type: 'platform.restoreReport',
 *   record: { status: 'success', metrics: { durationMs: 310.2 } },
 * });
 * ```
 */
export const platformRestoreReportRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.restoreReport'),
  record: z.looseObject({
    status: z.string(),
    errorType: optionalString,
    metrics: z.looseObject({ durationMs: z.number() }),
    spans: spansSchema,
  }),
});
/**
 * A `platform.restoreReport` record.
 *
 * @example
 * ```ts
 * const restoreMs = (r: PlatformRestoreReportRecord) => r.record.metrics.durationMs;
 * ```
 */
export type PlatformRestoreReportRecord = z.infer<typeof platformRestoreReportRecordSchema>;

/**
 * `platform.extension`: an extension registered (`state` such as `Ready`), with its events.
 *
 * @example
 * ```ts
 * platformExtensionRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.100Z',
 *   type: 'platform.extension',
 *   record: { name: 'data-taps', state: 'Ready', events: ['INVOKE', 'SHUTDOWN'] },
 * });
 * ```
 */
export const platformExtensionRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.extension'),
  record: z.looseObject({
    name: z.string(),
    state: z.string(),
    events: z.array(z.string()),
    errorType: optionalString,
  }),
});
/**
 * A `platform.extension` record.
 *
 * @example
 * ```ts
 * const name = (r: PlatformExtensionRecord) => r.record.name;
 * ```
 */
export type PlatformExtensionRecord = z.infer<typeof platformExtensionRecordSchema>;

/**
 * `platform.telemetrySubscription`: an extension subscribed to the Telemetry API.
 *
 * @example
 * ```ts
 * platformTelemetrySubscriptionRecordSchema.parse({
 *   time: '2024-01-01T00:00:00.120Z',
 *   type: 'platform.telemetrySubscription',
 *   record: { name: 'data-taps', state: 'Subscribed', types: ['platform', 'function'] },
 * });
 * ```
 */
export const platformTelemetrySubscriptionRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.telemetrySubscription'),
  record: z.looseObject({ name: z.string(), state: z.string(), types: z.array(z.string()) }),
});
/**
 * A `platform.telemetrySubscription` record.
 *
 * @example
 * ```ts
 * const types = (r: PlatformTelemetrySubscriptionRecord) => r.record.types;
 * ```
 */
export type PlatformTelemetrySubscriptionRecord = z.infer<typeof platformTelemetrySubscriptionRecordSchema>;

/**
 * `platform.logsDropped`: Lambda dropped records because the subscriber did not keep up.
 *
 * @example
 * ```ts
 * platformLogsDroppedRecordSchema.parse({
 *   time: '2024-01-01T00:00:05.000Z',
 *   type: 'platform.logsDropped',
 *   record: { droppedBytes: 262144, droppedRecords: 1000, reason: 'Some logs were dropped' },
 * });
 * ```
 */
export const platformLogsDroppedRecordSchema = z.looseObject({
  time: z.string(),
  type: z.literal('platform.logsDropped'),
  record: z.looseObject({ droppedBytes: z.number(), droppedRecords: z.number(), reason: z.string() }),
});
/**
 * A `platform.logsDropped` record.
 *
 * @example
 * ```ts
 * const lost = (r: PlatformLogsDroppedRecord) => r.record.droppedRecords;
 * ```
 */
export type PlatformLogsDroppedRecord = z.infer<typeof platformLogsDroppedRecordSchema>;
