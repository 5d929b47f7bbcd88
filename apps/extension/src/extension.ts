/**
 * The extension: composes the four libraries through the Lambda lifecycle.
 *
 *   register -> start the telemetry listener -> subscribe -> loop on next:
 *     INVOKE   -> plan the flush (see flush-planner.ts), then next again
 *     SHUTDOWN -> let the last records arrive, drain before the deadline, spool the rest, exit
 *
 * Telemetry records become envelopes (envelope.ts) pushed into the buffer; the buffer cuts batches
 * of NDJSON lines and hands them to the Data Tap sink; lines the sink could not deliver go back to
 * the buffer (and to the /tmp spool past its memory bound or at shutdown). Nothing here logs per
 * record, and the extension's own log lines are kept out of the tap.
 */
import { createDataTapSink, type DataTapSink } from '@data-taps/data-tap-sink';
import { createExtensionsClient, type ExtensionsClient } from '@data-taps/extensions-api';
import { createTelemetryBuffer, type TelemetryBuffer } from '@data-taps/telemetry-buffer';
import {
  createTelemetryListener,
  subscribeTelemetry,
  type TelemetryRecord,
} from '@data-taps/telemetry-receiver';
import { type Config, type LoadedConfig, loadConfig } from './config.js';
import { createCounters } from './counters.js';
import { createEnvelopeFactory, type Envelope } from './envelope.js';
import { createFlushPlanner } from './flush-planner.js';
import { createLogger, isOwnLogLine, type Logger } from './logger.js';

/** What the entry gives the extension. */
export interface RunOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** File descriptor of the extension's own log (stdout by default). */
  logFd?: number;
  now?: () => number;
  /** Aborting it ends the event loop as a local stop (SIGTERM/SIGINT outside Lambda): drain, then return. */
  signal?: AbortSignal;
}

/**
 * Time kept, at SHUTDOWN, for the drain after waiting for the last invocation's records: Lambda may
 * hold them up to the Telemetry API's `timeoutMs` after the thaw, so the wait is that plus a grace,
 * cut short so that this much is left before the deadline.
 */
export const SHUTDOWN_DRAIN_RESERVE_MS = 300;
/** Own counters are shipped at most this often (and always when something was dropped, and at shutdown). */
export const STATS_INTERVAL_MS = 60_000;

/**
 * Runs the extension until SHUTDOWN (or a fatal Extensions API error). Resolves with the exit code.
 * @example
 * process.exitCode = await runExtension({ env: process.env });
 */
export async function runExtension(options: RunOptions): Promise<number> {
  const loaded: LoadedConfig = loadConfig(options.env);
  const level = loaded.ok ? loaded.config.logLevel : (loaded.lifecycle?.logLevel ?? 'info');
  const { logger } = createLogger(level, options.logFd === undefined ? {} : { fd: options.logFd });
  if (!loaded.ok) {
    for (const line of loaded.errors) logger.error(`invalid configuration: ${line}`);
    if (!loaded.lifecycle) {
      logger.error(
        'cannot register with the Extensions API without a valid AWS_LAMBDA_RUNTIME_API and EXTENSION_NAME',
      );
      return 1;
    }
    return runWithoutShipping(loaded.lifecycle, loaded.errors, logger, options.signal);
  }
  return runShipping(loaded.config, logger, options);
}

/** A misconfigured extension stays registered and out of the way, or (strict) fails the Init. */
async function runWithoutShipping(
  lifecycle: { runtimeApi: string; extensionName: string; strict: boolean },
  errors: string[],
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<number> {
  const client = createExtensionsClient(
    { runtimeApi: lifecycle.runtimeApi, extensionName: lifecycle.extensionName },
    { logger },
  );
  await client.register(['INVOKE', 'SHUTDOWN']);
  if (lifecycle.strict) {
    logger.error('DATA_TAPS_STRICT is set: reporting the invalid configuration as an Init error');
    await client.initError('Extension.ConfigInvalid', {
      errorType: 'Extension.ConfigInvalid',
      errorMessage: `data-taps-lambda-extension: ${errors.join('; ')}`,
    });
    return 1;
  }
  logger.warn('not shipping telemetry until the configuration above is fixed; the function runs normally');
  for (;;) {
    const event = await nextOrStop(client, signal);
    if (!event || event.eventType === 'SHUTDOWN') return 0;
  }
}

async function nextOrStop(client: ExtensionsClient, signal: AbortSignal | undefined) {
  try {
    return await client.next(signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

async function runShipping(config: Config, logger: Logger, options: RunOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const counters = createCounters();
  const envelopes = createEnvelopeFactory(config.context);
  const planner = createFlushPlanner(
    {
      strategy: config.flushStrategy,
      idleThresholdMs: config.idleThresholdMs,
      telemetryTimeoutMs: config.telemetry.timeoutMs,
    },
    { now },
  );

  const client = createExtensionsClient(
    { runtimeApi: config.runtimeApi, extensionName: config.extensionName },
    { logger },
  );
  const registration = await client.register(['INVOKE', 'SHUTDOWN'], { acceptFeatures: ['accountId'] });
  logger.info('registered', {
    extensionId: registration.extensionId,
    functionName: registration.functionName,
    functionVersion: registration.functionVersion,
  });

  // Sending: the sink, and the deadline each batch gets (short per invocation, the hard one at shutdown).
  let sendDeadline = () => now() + 2 * config.requestTimeoutMs;
  let tapHealthy = true;
  let lastSinkError = '';
  const sink: DataTapSink = createDataTapSink(
    {
      url: config.tapUrl,
      token: config.token,
      maxBodyBytes: config.maxRequestBytes,
      gzip: config.gzip,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    { logger },
  );
  const spool =
    config.spoolMaxBytes > 0 ? { dir: config.spoolDir, maxBytes: config.spoolMaxBytes } : undefined;
  const buffer: TelemetryBuffer<Envelope> = createTelemetryBuffer<Envelope>(
    {
      maxItems: 20_000,
      // A batch is one request, and never more than the memory bound holds.
      maxBytes: Math.min(config.maxRequestBytes, config.memoryMaxBytes),
      maxAgeMs: config.telemetry.timeoutMs,
      capacity: { maxRecords: 1_000_000, maxBytes: config.memoryMaxBytes },
      overflow: spool ? 'spool' : 'drop',
      ...(spool ? { spool } : {}),
    },
    {
      priority: (envelope) =>
        envelope.type.startsWith('platform.') || envelope.type.startsWith('dataTaps.')
          ? 2
          : envelope.level === 'ERROR' || envelope.level === 'FATAL'
            ? 1
            : 0,
      logger,
      flush: async (batch) => {
        const result = await sink.send(batch, { deadline: sendDeadline() });
        counters.add({ sent: result.delivered, requests: result.requests, retries: result.retries });
        if (result.error) {
          tapHealthy = false;
          counters.add({ failedSends: 1 });
          const summary = `${result.error.name}: ${result.error.message}`;
          if (summary !== lastSinkError) {
            lastSinkError = summary;
            logger.warn('the Data Tap did not take a batch; its records are kept and retried', {
              error: summary,
              unsent: result.unsent.length,
            });
          }
        } else if (!tapHealthy) {
          tapHealthy = true;
          lastSinkError = '';
          logger.info('the Data Tap takes batches again');
        }
        return result.unsent.length > 0 ? { unsent: result.unsent } : undefined;
      },
    },
  );
  const recovered = await buffer.open();
  if (recovered.replayed > 0 || recovered.corruptSegments > 0) {
    logger.info('found records spooled by an earlier environment; sending them first', { ...recovered });
  }

  // Receiving: records become envelopes; runtimeDone wakes an end-of-invoke wait.
  const runtimeDone = new Set<string>();
  const reports = new Set<string>();
  let wake: (() => void) | undefined;
  const onBatch = (records: TelemetryRecord[]) => {
    const batch: Envelope[] = [];
    for (const record of records) {
      if (record.type === 'extension' && isOwnLogLine(record.record)) {
        counters.add({ ownLinesSkipped: 1 });
        continue;
      }
      const body = record.record as Record<string, unknown> | undefined;
      if (record.type === 'platform.runtimeDone' && body && typeof body === 'object') {
        if (typeof body['requestId'] === 'string') runtimeDone.add(body['requestId']);
      } else if (record.type === 'platform.report' && body && typeof body === 'object') {
        if (typeof body['requestId'] === 'string') reports.add(body['requestId']);
      } else if (record.type === 'platform.logsDropped' && body && typeof body === 'object') {
        counters.add({
          lambdaDroppedRecords: typeof body['droppedRecords'] === 'number' ? body['droppedRecords'] : 0,
          lambdaDroppedBytes: typeof body['droppedBytes'] === 'number' ? body['droppedBytes'] : 0,
        });
      }
      batch.push(envelopes.fromTelemetry(record));
    }
    counters.add({ received: batch.length });
    buffer.push(batch);
    wake?.();
  };
  const waitFor = async (done: () => boolean, maxMs: number) => {
    const until = now() + maxMs;
    while (!done() && now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, until - now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  const listener = createTelemetryListener(
    { address: config.receiverAddress, port: config.receiverPort },
    { onBatch, logger },
  );
  const { uri } = await listener.start();
  let subscribed = false;
  try {
    const subscription = await subscribeTelemetry(
      {
        runtimeApi: config.runtimeApi,
        extensionId: registration.extensionId,
        apiVersion: config.telemetry.apiVersion,
        schemaVersion: config.telemetry.schemaVersion,
        types: config.telemetry.types,
        buffering: {
          maxItems: config.telemetry.maxItems,
          maxBytes: config.telemetry.maxBytes,
          timeoutMs: config.telemetry.timeoutMs,
        },
        destinationUri: uri,
      },
      { logger },
    );
    subscribed = subscription.status === 'subscribed';
    if (subscribed) logger.info('subscribed to the Telemetry API', { uri, types: config.telemetry.types });
    else
      logger.warn('the Telemetry API is not supported here (a local emulator?): running without telemetry');
  } catch (error) {
    logger.error('the Telemetry API refused the subscription: nothing will be shipped', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    if (config.strict) {
      await client.initError(
        'Extension.TelemetrySubscriptionFailed',
        error instanceof Error ? error : new Error(String(error)),
      );
      await listener.close();
      await buffer.close();
      return 1;
    }
  }
  logger.info('shipping to the Data Tap (token hidden)', { tap: new URL(config.tapUrl).host });

  // Own records: counters (rate-limited) and drop reports.
  let lastStatsAt = Number.NEGATIVE_INFINITY;
  let lastStatsKey = '';
  const emitOwnRecords = (force: boolean) => {
    const drops = buffer.takeDropReport();
    if (drops) {
      buffer.push(
        envelopes.own('dataTaps.dropped', 'WARN', 'records dropped by the extension', { ...drops }),
      );
    }
    const snapshot = {
      ...counters.snapshot(),
      buffer: buffer.stats(),
      listener: listener.stats(),
      environmentId: envelopes.environmentId,
    };
    const key = JSON.stringify({ ...snapshot.buffer, ...counters.snapshot() });
    if ((force || drops || now() - lastStatsAt >= STATS_INTERVAL_MS) && key !== lastStatsKey) {
      lastStatsAt = now();
      lastStatsKey = key;
      buffer.push(envelopes.own('dataTaps.stats', 'INFO', 'data-taps extension counters', snapshot));
    }
  };

  const finish = async (deadlineMs: number, reason?: string) => {
    emitOwnRecords(true);
    sendDeadline = () => deadlineMs;
    const drained = await buffer.drain({ deadlineMs });
    logger.info('shut down', { ...counters.snapshot(), ...drained, reason: reason ?? 'stop' });
    await listener.close();
    await sink.close();
    await buffer.close();
  };

  let currentRequestId: string | undefined;
  for (;;) {
    let event: Awaited<ReturnType<ExtensionsClient['next']>> | undefined;
    try {
      event = await nextOrStop(client, options.signal);
    } catch (error) {
      logger.error('the Extensions API failed; exiting', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      await finish(now() + 500);
      return 1;
    }
    if (!event) {
      await finish(now() + 1500);
      return 0;
    }
    if (event.eventType === 'SHUTDOWN') {
      const hardDeadline = event.deadlineMs - config.shutdownMarginMs;
      const lastRequest = currentRequestId;
      if (subscribed && config.telemetry.types.includes('platform') && lastRequest) {
        await waitFor(
          () => reports.has(lastRequest),
          Math.min(config.telemetry.timeoutMs + 250, hardDeadline - now() - SHUTDOWN_DRAIN_RESERVE_MS),
        );
      }
      await finish(hardDeadline, event.shutdownReason);
      return 0;
    }

    // INVOKE
    currentRequestId = event.requestId;
    runtimeDone.clear();
    const plan = planner.onInvoke();
    const canWaitForRecords = subscribed && config.telemetry.types.includes('platform') && tapHealthy;
    if (plan.mode === 'end' && canWaitForRecords) {
      emitOwnRecords(false);
      const requestId = event.requestId;
      const invokeDeadline = event.deadlineMs;
      await waitFor(
        () => runtimeDone.has(requestId),
        Math.min(plan.waitForRuntimeDoneMs, invokeDeadline - now()),
      );
      const previous = sendDeadline;
      sendDeadline = () => Math.min(now() + config.requestTimeoutMs, invokeDeadline);
      await buffer.flush('end-of-invoke');
      sendDeadline = previous;
    } else {
      // Background: `next` goes out first (nothing is added to the invocation), then the flush runs
      // beside the handler.
      setImmediate(() => {
        emitOwnRecords(false);
        void buffer.flush('invoke');
      });
    }
  }
}
