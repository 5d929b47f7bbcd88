/**
 * The shipping half of the extension: telemetry records become envelopes (envelope.ts) pushed into
 * the buffer; the buffer cuts batches of NDJSON lines and hands them to the Data Tap sink; lines the
 * sink could not deliver go back to the buffer (and to the /tmp spool past its memory bound or at
 * shutdown), except those the tap will never take (a record larger than a request, a body it
 * refuses for good): the buffer drops and counts them (cause `rejected`, in `dataTaps.dropped`), so
 * they hold back nothing behind them. The lifecycle (extension.ts) builds it once the Init is done
 * and drives it: records in, INVOKE, SHUTDOWN. Nothing here logs per record.
 */
import { createDataTapSink, type DataTapSink, failureKind, type TokenEvent } from '@data-taps/data-tap-sink';
import type { InvokeEvent, ShutdownEvent } from '@data-taps/extensions-api';
import { createTelemetryBuffer, type DropReport, type TelemetryBuffer } from '@data-taps/telemetry-buffer';
import type { ListenerStats, TelemetryRecord } from '@data-taps/telemetry-receiver';
import type { Config } from './config.js';
import { createCounters } from './counters.js';
import { describeError } from './describe-error.js';
import { batchIdOfEnvelopeLines, createEnvelopeFactory, type Envelope } from './envelope.js';
import { createFlushPlanner } from './flush-planner.js';
import { httpRequest } from './http-request.js';
import { isOwnLogLine, type Logger } from './logger.js';
import { type BackgroundGate, gatedTimers } from './thaw-gate.js';
import { createTokenProvider } from './token-provider.js';

/**
 * Time kept, at SHUTDOWN, for the drain after waiting for the last invocation's records: Lambda may
 * hold them up to the Telemetry API's `timeoutMs` after the thaw, so the wait is that plus a grace,
 * cut short so that this much is left before the deadline.
 */
export const SHUTDOWN_DRAIN_RESERVE_MS = 300;
/**
 * Time kept, at a `spindown` SHUTDOWN, after the drain (at most a quarter of what is left), for one
 * small request: the count of what the drain could not send, lost with the environment.
 */
export const LAST_WORD_RESERVE_MS = 200;
/** Time kept before an invocation's deadline by the end-of-invoke wait and flush, so a slow tap never times it out. */
export const INVOKE_DEADLINE_MARGIN_MS = 500;
/** Own counters are shipped at most this often (and always when something was dropped, and at shutdown). */
export const STATS_INTERVAL_MS = 60_000;
/** At most this many invocations awaiting their `platform.report` are tracked (the most recent). */
export const MAX_PENDING_REPORTS = 1_000;

/** The invocations awaiting their `platform.report`, in INVOKE order. See {@link createReportTracker}. */
export interface ReportTracker {
  /** An INVOKE: its report is awaited (as the most recent). */
  started(requestId: string): void;
  /** A `platform.report` came. */
  arrived(requestId: string): void;
  has(requestId: string): boolean;
  /** The ids still awaited, oldest first. */
  pending(): string[];
  /**
   * Invocations whose report never came though a later invocation's did: Lambda sends records in
   * order, so it dropped theirs (its `platform.logsDropped` counts such drops); not awaited any more.
   */
  readonly overtaken: number;
  /** Invocations let go past `max` with their report still awaited: whether their records came is not known. */
  readonly untracked: number;
}

/**
 * Tracks the invocations awaiting their `platform.report`, bounded. Lambda produces an invocation's
 * report once every extension called `next`, so before the next INVOKE: a report that arrives ends
 * the wait for every earlier invocation (those reports were dropped), and at most `max` ids (the
 * most recent) are kept when no report comes at all.
 * @example
 * const reports = createReportTracker();
 * reports.started('r1');
 * reports.arrived('r1');
 * reports.pending(); // []
 */
export function createReportTracker(max = MAX_PENDING_REPORTS): ReportTracker {
  // A Set iterates in insertion order: oldest first.
  const awaited = new Set<string>();
  let overtaken = 0;
  let untracked = 0;
  return {
    started(requestId) {
      awaited.delete(requestId);
      awaited.add(requestId);
      for (const oldest of awaited) {
        if (awaited.size <= max) break;
        awaited.delete(oldest);
        untracked += 1;
      }
    },
    arrived(requestId) {
      if (!awaited.has(requestId)) return;
      for (const earlier of awaited) {
        awaited.delete(earlier);
        if (earlier === requestId) break;
        overtaken += 1;
      }
    },
    has: (requestId) => awaited.has(requestId),
    pending: () => [...awaited],
    get overtaken() {
      return overtaken;
    },
    get untracked() {
      return untracked;
    },
  };
}

/** What the lifecycle tells the pipeline about the subscription it made. */
export interface PipelineContext {
  logger: Logger;
  now: () => number;
  /** The telemetry listener's counters, shipped with the extension's own. */
  listenerStats: () => ListenerStats;
  /** Whether platform records (runtimeDone, report) reach the extension at all. */
  receivesPlatform: boolean;
  /**
   * Holds background work due at a thaw until the INVOKE's `next` is out (thaw-gate.ts): asked
   * before a batch's request is built, before each request to the tap is made (retries included),
   * and by the buffer's timers (its age and backoff timers) before they act.
   */
  gate: BackgroundGate;
}

/** The shipping pipeline, as the lifecycle drives it. */
export interface Pipeline {
  /** Records the listener received (in the order Lambda sent them). */
  receive(records: TelemetryRecord[]): void;
  /** Opens the spool and replays what an earlier environment left in it; never throws. */
  open(): Promise<void>;
  /** An INVOKE: plans the flush; resolves when the extension may call `next` again. */
  invoke(event: InvokeEvent): Promise<void>;
  /**
   * A SHUTDOWN: waits for the last records, drains before the deadline, spools the rest (at a
   * `spindown`, counts it as dropped: the environment's /tmp ends with it), closes.
   */
  shutdown(event: ShutdownEvent): Promise<void>;
  /** A stop without SHUTDOWN (a local signal, a failed Extensions API): drains until `deadlineMs`, closes. */
  finish(deadlineMs: number, reason?: string): Promise<void>;
}

/**
 * Builds the pipeline for a valid configuration: the token provider, the sink and the buffer.
 * @example
 * const pipeline = await createPipeline(config, { logger, now: Date.now, listenerStats, receivesPlatform: true });
 * listener.onBatch = (records) => pipeline.receive(records);
 */
export async function createPipeline(config: Config, context: PipelineContext): Promise<Pipeline> {
  const { logger, now, receivesPlatform } = context;
  const { gate } = context;
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

  // Sending: the sink, and the deadline each batch gets (short per invocation, the hard one at shutdown).
  let sendDeadline = () => now() + 2 * config.requestTimeoutMs;
  let tapHealthy = true;
  let lastFailureKind = '';
  // The kinds of refusal for good already warned about (once per kind: their count is in dataTaps.dropped).
  const rejectionKinds = new Set<string>();
  // The token: fixed, or renewed in the background before it expires (never logged). Its events
  // (expiring, expired, refused, refresh failed) become records of their own, so users see them.
  const tokenEvents: TokenEvent[] = [];
  const tokens = await createTokenProvider(config.tokens, {
    logger,
    onEvent: (event) => {
      if (event.kind !== 'obtained') tokenEvents.push(event);
    },
  });
  void tokens.refresh?.();
  const tapSink = createDataTapSink(
    {
      url: config.tapUrl,
      token: tokens,
      maxBodyBytes: config.maxRequestBytes,
      gzip: config.gzip,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    {
      logger,
      // Each request waits at the gate right before it is made: a step of a send (the token, a retry
      // timer) that went on past a freeze must not make its request ahead of the INVOKE at the thaw.
      fetch: (async (url: string, init: Parameters<typeof httpRequest>[1]) => {
        await gate.pass();
        return httpRequest(url, init);
      }) as unknown as typeof fetch,
    },
  );
  // The breaker spares a failing tap while the function runs; at SHUTDOWN (the last chance to send
  // before the environment and its /tmp go) the drain tries the tap whatever the breaker says, with
  // the same sink otherwise (a token the tap refused is not sent again).
  let sink: DataTapSink = tapSink;
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
      timers: gatedTimers(gate),
      priority: (envelope) =>
        envelope.type.startsWith('platform.') || envelope.type.startsWith('dataTaps.')
          ? 2
          : envelope.level === 'ERROR' || envelope.level === 'FATAL'
            ? 1
            : 0,
      logger,
      flush: async (batch) => {
        // A batch cut at a thaw (a timer that expired or a tap answer that came while the environment
        // was frozen) is cut before the loop reads the INVOKE that woke it: its id, its body and its
        // request are made once that INVOKE was handled and `next` sent (the gate, see thaw-gate.ts;
        // the sink's fetch asks it again before each request), so the thaw's work never delays `next`.
        await gate.pass();
        // The batch id is a digest of the record ids (no hash of the bytes sent).
        const id = batchIdOfEnvelopeLines(batch.lines);
        const result = await sink.send(
          id === undefined ? { lines: batch.lines } : { lines: batch.lines, id },
          {
            deadline: sendDeadline(),
          },
        );
        counters.add({ sent: result.delivered, requests: result.requests, retries: result.retries });
        const rejected = result.rejected ?? [];
        if (rejected.length > 0) {
          // Records the tap will never take (larger than a request, or a body refused for good): the
          // buffer drops and counts them (cause `rejected`), so they never hold back the records
          // behind them. Said once per kind; not a tap failure.
          const why = result.rejectedError ?? (result.error as Error);
          const kind = failureKind(why);
          const fields = { rejected: rejected.length, error: `${why.name}: ${why.message}` };
          const message =
            'the Data Tap will never take these records (larger than DATA_TAPS_MAX_REQUEST_BYTES, or refused for good): dropped, counted in dataTaps.dropped (cause rejected)';
          if (rejectionKinds.has(kind)) logger.debug(message, fields);
          else {
            rejectionKinds.add(kind);
            logger.warn(message, fields);
          }
        }
        if (result.unsent.length > 0) {
          tapHealthy = false;
          counters.add({ failedSends: 1 });
          // Said once per kind of failure (name and status): messages change with every batch.
          const error = result.error as Error;
          const kind = failureKind(error);
          const fields = {
            error: `${error.name}: ${error.message}`,
            unsent: result.unsent.length,
          };
          if (kind !== lastFailureKind) {
            lastFailureKind = kind;
            logger.warn('the Data Tap did not take a batch; its records are kept and retried', fields);
          } else logger.debug('the Data Tap did not take a batch; its records are kept and retried', fields);
        } else if (!tapHealthy && result.delivered > 0) {
          // (a batch of one line too large for any request makes no request: it says nothing of the tap)
          tapHealthy = true;
          lastFailureKind = '';
          logger.info('the Data Tap takes batches again');
        }
        if (result.unsent.length === 0 && rejected.length === 0) return undefined;
        return { unsent: result.unsent, rejected };
      },
    },
  );

  // Receiving: records become envelopes; runtimeDone wakes an end-of-invoke wait.
  const runtimeDone = new Set<string>();
  // Invocations whose platform.report has not arrived yet (a few: reports follow their invocation;
  // bounded, and ended by a later report when Lambda dropped one).
  const pendingReports = createReportTracker();
  let initReportReceived = false;
  let wake: (() => void) | undefined;
  const receive = (records: TelemetryRecord[]) => {
    const batch: Envelope[] = [];
    for (const record of records) {
      if (record.type === 'extension' && isOwnLogLine(record.record)) {
        counters.add({ ownLinesSkipped: 1 });
        continue;
      }
      const body = record.record as Record<string, unknown> | undefined;
      if (record.type === 'platform.runtimeDone' && body && typeof body === 'object') {
        if (typeof body['requestId'] === 'string') runtimeDone.add(body['requestId']);
      } else if (record.type === 'platform.initReport') {
        initReportReceived = true;
      } else if (record.type === 'platform.report' && body && typeof body === 'object') {
        if (typeof body['requestId'] === 'string') pendingReports.arrived(body['requestId']);
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

  // Own records: counters (rate-limited) and drop reports. They are kept in memory within the
  // buffer's reserve even when the rest overflows (to a full or broken spool), so that the drop
  // counts reach the tap with the next batch that goes out.
  const pushOwn = (envelope: Envelope) => buffer.push(envelope, { reserved: true });
  const pushDropReport = (report: DropReport) =>
    pushOwn(envelopes.own('dataTaps.dropped', 'WARN', 'records dropped by the extension', { ...report }));
  // The first counters go out a minute in (or at a drop, or at shutdown): not alone in a request at the first INVOKE.
  let lastStatsAt = now();
  let lastStatsKey = '';
  const emitTokenEvents = () => {
    for (const event of tokenEvents.splice(0)) {
      const { kind, source } = event;
      const fields: Record<string, unknown> = { kind, source };
      if (event.expiresAt !== undefined) fields['expiresAt'] = new Date(event.expiresAt).toISOString();
      if (event.kind === 'refresh-failed') fields['error'] = `${event.error.name}: ${event.error.message}`;
      pushOwn(
        envelopes.own(
          'dataTaps.token',
          kind === 'expiring' ? 'WARN' : 'ERROR',
          `the Data Tap token: ${kind}`,
          fields,
        ),
      );
    }
  };
  const emitOwnRecords = (force: boolean) => {
    emitTokenEvents();
    const drops = buffer.takeDropReport();
    if (drops) {
      pushDropReport(drops);
    }
    const snapshot = {
      ...counters.snapshot(),
      buffer: buffer.stats(),
      listener: context.listenerStats(),
      environmentId: envelopes.environmentId,
    };
    const key = JSON.stringify({ ...snapshot.buffer, ...counters.snapshot() });
    if ((force || drops || now() - lastStatsAt >= STATS_INTERVAL_MS) && key !== lastStatsKey) {
      lastStatsAt = now();
      lastStatsKey = key;
      pushOwn(envelopes.own('dataTaps.stats', 'INFO', 'data-taps extension counters', snapshot));
    }
  };

  const finish = async (deadlineMs: number, reason?: string) => {
    sink = tapSink.withoutBreaker();
    // The spool serves resets of the same environment: a `timeout` or `failure` SHUTDOWN (the Init
    // runs again on the same /tmp), or a stop without SHUTDOWN (reason unknown: kept). After a
    // `spindown` the environment and its /tmp are gone for good: what the drain cannot send then is
    // lost, so it is counted as dropped (`environment-ended`), never called spooled, and the drain
    // stops a little early so that a record with that count can still go out.
    const ends = reason === 'spindown';
    const leftover = ends ? 'drop' : 'spool';
    // Lambda may still hold records of invocations whose report never came: say so, with the ids.
    // So may the Init's (its platform.initReport not in yet: invocations that follow the Init at
    // once, with nothing holding `next`, can all be over before Lambda sends the Init's batch); the
    // Init then counts as one more in `invocations`.
    const notReceived = pendingReports.pending(); // only filled when platform records are received
    const { untracked } = pendingReports;
    const initPending = receivesPlatform && !initReportReceived;
    if (notReceived.length > 0 || initPending) {
      pushOwn(
        envelopes.own(
          'dataTaps.dropped',
          'WARN',
          'records of these invocations did not arrive before SHUTDOWN',
          {
            cause: 'not-received-before-shutdown',
            invocations: notReceived.length + (initPending ? 1 : 0),
            // the most recent: the ones Lambda may still hold
            requestIds: notReceived.slice(-100),
            initPhase: initPending,
            // older invocations let go with their report still awaited: not known whether it came
            ...(untracked > 0 ? { untrackedInvocations: untracked } : {}),
          },
        ),
      );
    }
    emitOwnRecords(true);
    const drainUntil = ends
      ? deadlineMs - Math.min(LAST_WORD_RESERVE_MS, Math.max(0, (deadlineMs - now()) / 4))
      : deadlineMs;
    sendDeadline = () => drainUntil;
    let drained = await buffer.drain({ deadlineMs: drainUntil, leftover });
    let delivered = drained.delivered;
    sendDeadline = () => deadlineMs;
    // What the drain itself had to drop (spool full or failing, or left at a spindown) gets a record
    // too, sent (or spooled) if there is still time and room; the totals are in the last log line in
    // any case. So do the token's events of the drain's own requests (an expired or refused token is
    // often first seen there, when nothing was sent during the invocations).
    const late = buffer.takeDropReport();
    if (late || tokenEvents.length > 0) {
      emitTokenEvents();
      if (late) pushDropReport(late);
      drained = await buffer.drain({ deadlineMs, leftover });
      delivered += drained.delivered;
    }
    const { dropped } = buffer.stats();
    logger.info('shut down', {
      ...counters.snapshot(),
      ...drained,
      delivered,
      dropped: dropped.records,
      droppedByCause: dropped.byCause,
      notReceivedInvocations: notReceived.length,
      reportsOvertaken: pendingReports.overtaken,
      untrackedInvocations: untracked,
      initRecordsReceived: !initPending,
      reason: reason ?? 'stop',
    });
    await tapSink.close();
    await buffer.close();
  };

  let currentRequestId: string | undefined;
  return {
    receive,
    async open() {
      try {
        const recovered = await buffer.open();
        if (recovered.replayed > 0 || recovered.corruptSegments > 0) {
          logger.info('found records spooled by an earlier environment; sending them first', {
            ...recovered,
          });
        }
      } catch (error) {
        // A full or read-only /tmp must not take the function down: memory only, spool writes counted.
        logger.warn(
          'the spool folder cannot be used: buffering in memory only, what it cannot hold is counted',
          { spoolDir: config.spoolDir, error: describeError(error) },
        );
      }
    },
    async invoke(event) {
      currentRequestId = event.requestId;
      runtimeDone.clear();
      if (receivesPlatform) pendingReports.started(event.requestId);
      const plan = planner.onInvoke();
      const canWaitForRecords = receivesPlatform && tapHealthy;
      if (plan.mode === 'end' && canWaitForRecords) {
        const requestId = event.requestId;
        // The wait and the flush end well before the invocation's deadline, whatever the tap does: a
        // flush still running then goes on beside the next invocation (retried after a thaw if need be).
        const invokeDeadline = event.deadlineMs - INVOKE_DEADLINE_MARGIN_MS;
        await waitFor(
          () => runtimeDone.has(requestId),
          Math.min(plan.waitForRuntimeDoneMs, invokeDeadline - now()),
        );
        emitOwnRecords(false);
        const flushUntil = Math.min(now() + config.requestTimeoutMs, invokeDeadline);
        if (flushUntil > now()) {
          const previous = sendDeadline;
          sendDeadline = () => flushUntil;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            buffer.flush('end-of-invoke'),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, flushUntil - now());
            }),
          ]);
          clearTimeout(timer);
          sendDeadline = previous;
        }
      } else {
        // Background: `next` goes out first (nothing is added to the invocation), then the flush runs
        // beside the handler.
        setImmediate(() => {
          emitOwnRecords(false);
          void buffer.flush('invoke');
        });
      }
    },
    async shutdown(event) {
      const hardDeadline = event.deadlineMs - config.shutdownMarginMs;
      const lastRequest = currentRequestId;
      if (receivesPlatform && lastRequest) {
        await waitFor(
          () => !pendingReports.has(lastRequest),
          Math.min(config.telemetry.timeoutMs + 250, hardDeadline - now() - SHUTDOWN_DRAIN_RESERVE_MS),
        );
      }
      await finish(hardDeadline, event.shutdownReason);
    },
    finish,
  };
}
