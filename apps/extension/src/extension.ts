/**
 * The extension's lifecycle: composes the libraries through the Lambda lifecycle.
 *
 *   (registered by the eager entry, src/entry.ts) + start the telemetry listener -> subscribe ->
 *   first next -> build the pipeline ->
 *   loop on events:
 *     INVOKE   -> the pipeline plans the flush (see flush-planner.ts), then next again
 *     SHUTDOWN -> let the last records arrive, drain before the deadline, spool the rest, exit
 *
 * The registration is sent before this file is even loaded (src/register.ts, by the entry); the
 * outcome is taken over here. Only what the subscription needs runs before it (the config, the
 * Extensions API client, the listener). The shipping pipeline (pipeline.ts: envelopes, buffer,
 * sink, token) is built once the first `next` is out, while Lambda finishes the Init; records the
 * listener receives before it is ready are handed over in order. Nothing here logs per record, and the extension's own
 * log lines are kept out of the tap.
 */
import { createExtensionsClient, type ExtensionsClient } from '@data-taps/extensions-api';
import {
  createTelemetryListener,
  subscribeTelemetry,
  type TelemetryRecord,
} from '@data-taps/telemetry-receiver';
import { type Config, type LoadedConfig, loadConfig } from './config.js';
import { describeError } from './describe-error.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import { httpRequest } from './http-request.js';
import { createLogger, type ExtensionLogger, type Logger } from './logger.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import type { Registration, RegistrationOutcome } from './register.js';
import { createGatedQueue, createThawGate } from './thaw-gate.js';

/** What the entry gives the extension. */
export interface RunOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** File descriptor of the extension's own log (stdout by default). */
  logFd?: number;
  now?: () => number;
  /** Aborting it ends the event loop as a local stop (SIGTERM/SIGINT outside Lambda): drain, then return. */
  signal?: AbortSignal;
  /** The launcher's file name, the name Lambda knows the extension by: the fallback registration name. */
  executableName?: string | undefined;
  /**
   * The registration, already sent: by the eager entry (src/entry.ts) before this file was loaded,
   * or `registerFromEnvironment(env, executableName)` (src/register.ts) in process. `undefined`
   * inside: there was no valid AWS_LAMBDA_RUNTIME_API to send one.
   */
  registration: Promise<RegistrationOutcome | undefined>;
}

/**
 * Runs the extension until SHUTDOWN (or a fatal Extensions API error). Resolves with the exit code.
 * @example
 * const registration = registerFromEnvironment(process.env, process.argv[2]);
 * process.exitCode = await runExtension({ env: process.env, registration });
 */
export async function runExtension(options: RunOptions): Promise<number> {
  // The registration is on its way (the entry sent it before loading this file).
  const registering = options.registration;
  const loaded: LoadedConfig = loadConfig(options.env);
  const level = loaded.ok ? loaded.config.logLevel : (loaded.lifecycle?.logLevel ?? 'info');
  // Info lines are held until the extension registered and subscribed (see createLogger).
  const { logger } = createLogger(level, {
    hold: true,
    ...(options.logFd === undefined ? {} : { fd: options.logFd }),
  });
  try {
    if (!loaded.ok) {
      for (const line of loaded.errors) logger.error(`invalid configuration: ${line}`);
      if (!loaded.lifecycle) {
        logger.error(
          'cannot register with the Extensions API without a valid AWS_LAMBDA_RUNTIME_API and EXTENSION_NAME',
        );
        return 1;
      }
      return await runWithoutShipping(loaded.lifecycle, loaded.errors, logger, options, registering);
    }
    return await runShipping(loaded.config, logger, options, registering);
  } finally {
    logger.release();
  }
}

/** A misconfigured extension stays registered and out of the way, or (strict) fails the Init. */
async function runWithoutShipping(
  lifecycle: { runtimeApi: string; extensionName: string; strict: boolean },
  errors: string[],
  logger: ExtensionLogger,
  options: RunOptions,
  registering: Promise<RegistrationOutcome | undefined>,
): Promise<number> {
  const signal = options.signal;
  const { client } = await registered(registering, lifecycle.runtimeApi, logger);
  logger.release();
  if (lifecycle.strict) {
    logger.error('DATA_TAPS_STRICT is set: reporting the invalid configuration as an Init error');
    await client.initError('Extension.ConfigInvalid', {
      errorType: 'Extension.ConfigInvalid',
      errorMessage: `data-taps-lambda-extension: ${errors.join('; ')}`,
    });
    return 1;
  }
  logger.warn('not shipping telemetry until the configuration above is fixed; the function runs normally');
  return stayRegistered(client, signal, nextOrStop(client, signal));
}

/** Goes through the lifecycle without shipping until SHUTDOWN (or a local stop); resolves with 0. */
async function stayRegistered(
  client: ExtensionsClient,
  signal: AbortSignal | undefined,
  first: ReturnType<typeof nextOrStop>,
): Promise<number> {
  let event = await first;
  while (event && event.eventType !== 'SHUTDOWN') event = await nextOrStop(client, signal);
  return 0;
}

/**
 * The registration's outcome, taken over: an Extensions API client with its id, or the error. When
 * Lambda refused EXTENSION_NAME and the extension registered under the launcher's file name
 * instead (src/register.ts), says which variable to fix.
 */
async function registered(
  registering: Promise<RegistrationOutcome | undefined>,
  runtimeApi: string,
  logger: Logger,
): Promise<{ client: ExtensionsClient; registration: Registration }> {
  const outcome = await registering;
  if (!outcome)
    throw new Error('cannot register with the Extensions API without a valid AWS_LAMBDA_RUNTIME_API');
  if (outcome.refused) {
    const { extensionName, executableName, error } = outcome.refused;
    logger.error(
      `registering as EXTENSION_NAME="${extensionName}" failed; registering under the executable's name "${executableName}" instead: set EXTENSION_NAME to the file name in /opt/extensions (or leave it unset)`,
      { error: describeError(error) },
    );
  }
  if (!outcome.ok) throw outcome.error;
  const { registration } = outcome;
  // Calls go through the same keep-alive connection as the Telemetry API subscription (one address
  // for both): the first `next` is then written at once on the socket the subscription used, instead
  // of waiting for a new connection behind the synchronous work that follows it (the pipeline).
  // httpRequest sets no timeout, so the long poll of an idle environment is not cut.
  const client = createExtensionsClient(
    { runtimeApi, extensionName: registration.extensionName, extensionId: registration.extensionId },
    { logger, fetch: httpRequest as unknown as typeof fetch },
  );
  return { client, registration };
}

async function nextOrStop(client: ExtensionsClient, signal: AbortSignal | undefined) {
  try {
    return await client.next(signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

async function runShipping(
  config: Config,
  logger: ExtensionLogger,
  options: RunOptions,
  registering: Promise<RegistrationOutcome | undefined>,
): Promise<number> {
  const now = options.now ?? Date.now;
  // The registration (sent by the entry) and the listener do not depend on each other.
  const taking = registered(registering, config.runtimeApi, logger);
  taking.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  // Records that arrive before the pipeline is built wait here, in order.
  let pipeline: Pipeline | undefined;
  const early: TelemetryRecord[][] = [];
  // Set when no pipeline can be built: records are then acknowledged and let go.
  let discarding = false;
  // Background sends and batches due at a thaw wait for the INVOKE's `next` (see thaw-gate.ts).
  const gate = createThawGate({ now });
  // Batches that came while the extension waited for an event (at a thaw: often just before the
  // INVOKE that woke it) are acknowledged at once and made into envelopes once `next` is out again,
  // in order.
  const batches = createGatedQueue(gate, logger);
  // No `next` follows a SHUTDOWN or a stop: the batches held at the thaw go into the buffer before
  // the drain.
  const takeHeldBatches = async () => {
    gate.release();
    await batches.idle();
  };
  const listener = createTelemetryListener(
    {
      address: config.receiverAddress,
      port: config.receiverPort,
      // The listener is closed after the SHUTDOWN drain, inside the margin kept before the deadline:
      // a connection still open past half of it is destroyed, so the extension exits before SIGKILL.
      closeTimeoutMs: Math.floor(config.shutdownMarginMs / 2),
    },
    {
      onBatch: (records) => {
        const into = pipeline;
        if (into) batches.run(() => into.receive(records));
        else if (!discarding) early.push(records);
      },
      logger,
    },
  );
  const listening = listener.start().then(
    (bound) => ({ ok: true as const, uri: bound.uri }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let taken: Awaited<typeof taking>;
  try {
    taken = await taking;
  } catch (error) {
    await listening;
    await listener.close();
    throw error;
  }
  const { client, registration } = taken;
  const bound = await listening;
  if (!bound.ok) {
    // Such as a RECEIVER_ADDRESS that is not on this host or does not resolve: the function must not pay for it.
    await listener.close();
    logger.error('the telemetry listener cannot start: nothing will be shipped; the function runs normally', {
      address: config.receiverAddress,
      port: config.receiverPort,
      error: describeError(bound.error),
    });
    if (config.strict) {
      await client.initError(
        'Extension.ListenerFailed',
        bound.error instanceof Error ? bound.error : new Error(String(bound.error)),
      );
      return 1;
    }
    const first = nextOrStop(client, options.signal);
    logger.release();
    return stayRegistered(client, options.signal, first);
  }
  const { uri } = bound;
  logger.info('registered', {
    extensionId: registration.extensionId,
    functionName: registration.functionName,
    functionVersion: registration.functionVersion,
  });
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
      { logger, fetch: httpRequest as unknown as typeof fetch },
    );
    subscribed = subscription.status === 'subscribed';
    if (subscribed) logger.info('subscribed to the Telemetry API', { uri, types: config.telemetry.types });
    else
      logger.warn('the Telemetry API is not supported here (a local emulator?): running without telemetry');
  } catch (error) {
    logger.error('the Telemetry API refused the subscription: nothing will be shipped', {
      error: describeError(error),
    });
    if (config.strict) {
      await client.initError(
        'Extension.TelemetrySubscriptionFailed',
        error instanceof Error ? error : new Error(String(error)),
      );
      await listener.close();
      return 1;
    }
  }

  // Init ends with the first `next`: it goes out now. The pipeline is built after it, beside the
  // runtime's own start, and before the first event is handled; records that arrive meanwhile wait
  // in `early`.
  let nextEvent = nextOrStop(client, options.signal);
  gate.waiting();
  nextEvent.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  // Let the request go out (its socket is attached on the next tick) before the synchronous work.
  await new Promise<void>((resolve) => setImmediate(resolve));
  // The lines held since the start are written now (and pino built for them).
  logger.release();
  tuneGarbageCollector(config.functionMemoryMb);
  let ready: Pipeline;
  try {
    ready = await createPipeline(config, {
      logger,
      now,
      listenerStats: () => listener.stats(),
      receivesPlatform: subscribed && config.telemetry.types.includes('platform'),
      gate,
    });
  } catch (error) {
    // Such as a token source whose module is missing from the layer: the function must not pay for it.
    logger.error('the extension cannot ship telemetry: the function runs normally without it', {
      error: describeError(error),
    });
    // The listener stays up (Lambda's deliveries are acknowledged), its records let go.
    discarding = true;
    early.length = 0;
    const code = await stayRegistered(client, options.signal, nextEvent);
    await listener.close();
    return code;
  }
  pipeline = ready;
  for (const records of early.splice(0)) ready.receive(records);
  // The spool is opened (and what an earlier environment left in it replayed) once the subscription
  // is made: Lambda can send telemetry meanwhile, and records pushed before go behind the replay.
  await ready.open();
  logger.info('shipping to the Data Tap (token hidden)', { tap: new URL(config.tapUrl).host });

  // The listener takes batches while the pipeline waits for the last records and drains (they are
  // shipped, spooled or counted with the rest), and is closed as soon as the pipeline closed its
  // buffer: from close() on it hands nothing more over, a batch still on its way is refused (503)
  // rather than acknowledged and lost in a closed buffer.
  const stop = async (deadlineMs: number, reason?: string) => {
    await takeHeldBatches();
    await ready.finish(deadlineMs, reason);
    await listener.close();
  };
  for (;;) {
    let event: Awaited<ReturnType<ExtensionsClient['next']>> | undefined;
    try {
      event = await nextEvent;
      gate.arrived();
    } catch (error) {
      gate.arrived();
      logger.error('the Extensions API failed; exiting', {
        error: describeError(error),
      });
      await stop(now() + 500);
      return 1;
    }
    if (!event) {
      await stop(now() + 1500);
      return 0;
    }
    if (event.eventType === 'SHUTDOWN') {
      await takeHeldBatches();
      await ready.shutdown(event);
      await listener.close(); // as in stop(): right after the buffer closed
      return 0;
    }
    await ready.invoke(event);
    nextEvent = nextOrStop(client, options.signal);
    gate.waiting();
  }
}
