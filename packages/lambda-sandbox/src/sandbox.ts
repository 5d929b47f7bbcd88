import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { startApiServer } from './api-server.js';
import { extensionEnvironment, runtimeEnvironment } from './environment.js';
import { SandboxStateError } from './errors.js';
import {
  createExtensionRegistry,
  type ExtensionEvent,
  type RegisteredExtension,
} from './extension-registry.js';
import { parseJson, readBody, sendError, sendText } from './http-utils.js';
import { type PreparedLayer, prepareLayer } from './layer.js';
import { createLineSplitter } from './line-splitter.js';
import { type Logger, noopLogger } from './logger.js';
import {
  createMemoryMonitor,
  type MemorySample,
  outOfMemoryVictims,
  type ProcReader,
} from './memory-monitor.js';
import { createNodeShim, type NodeShim } from './node-shim.js';
import { type LambdaSandboxOptions, parseSandboxOptions } from './options.js';
import { signalGroup } from './process-tree.js';
import {
  type PhaseStatus,
  platformRecords,
  span,
  type TelemetryRecordEmitted,
  type Tracing,
} from './records.js';
import { durationStats, type InvocationSummary, type SandboxReport } from './report.js';
import { createRuntimeApi, type RuntimeOutcome } from './runtime-api.js';
import { type RuntimeEnvironmentPaths, resolveRuntimeFiles } from './runtime-files.js';
import { createTelemetryHub } from './telemetry-hub.js';
import { validateSubscription } from './telemetry-subscription.js';

/** Injected dependencies of {@link createLambdaSandbox}. */
export interface LambdaSandboxDeps {
  /** Where the sandbox's own diagnostics go (default: nowhere). */
  logger?: Logger;
  /** Unix time in ms, fractional allowed (default: `performance.timeOrigin + performance.now()`). */
  now?: () => number;
  /** Test-only seams: `procReader` replaces the `/proc` reader of the memory monitor. */
  _internal?: { procReader?: ProcReader };
}

/** An extension as the sandbox knows it. */
export interface SandboxExtensionInfo {
  readonly name: string;
  readonly external: boolean;
  readonly events: readonly string[];
  /** The process id (external extensions). */
  readonly pid?: number;
}

/** The outcome of the Init phase. */
export interface InitResult {
  readonly status: PhaseStatus;
  readonly errorType?: string;
  readonly durationMs: number;
  readonly runtimeApi: string;
  readonly extensions: readonly SandboxExtensionInfo[];
  /** The runtime's process id, once started. */
  readonly runtimePid?: number;
}

/** The outcome of one invocation. */
export interface InvokeResult {
  readonly requestId: string;
  /** `success`; `error` (the handler failed); `timeout`; `failure` (a process crashed). */
  readonly status: PhaseStatus;
  /** The response, parsed as JSON when it is JSON, else the text. */
  readonly response?: unknown;
  readonly error?: {
    readonly errorType: string;
    readonly errorMessage?: string;
    readonly [key: string]: unknown;
  };
  /** From the event reaching the runtime to the runtime's response. */
  readonly durationMs: number;
  /** From the runtime's response to the last extension's `next`. */
  readonly postRuntimeExtensionsDurationMs: number;
  readonly billedDurationMs: number;
  /**
   * As in `platform.report`: the highest memory reading of the environment since it started, in
   * MiB rounded up (Lambda's high-water mark); `memorySizeMB` after `Runtime.OutOfMemory`.
   */
  readonly maxMemoryUsedMB: number;
  /** The highest memory reading during this invocation, in kB (0 where memory cannot be read). */
  readonly peakMemoryKb: number;
  /** Set on the first invocation of the environment. */
  readonly initDurationMs?: number;
  /** Extensions the INVOKE event went to. */
  readonly extensionsInvoked: readonly string[];
}

/** How one process ended during Shutdown. */
export interface ProcessOutcome {
  readonly name: string;
  /** `exited` on its own, `killed` by SIGKILL (deadline, or not registered for SHUTDOWN), `gone` before Shutdown. */
  readonly outcome: 'exited' | 'killed' | 'gone';
  readonly code: number | null;
  readonly signal: string | null;
}

/** The outcome of the Shutdown phase. */
export interface ShutdownResult {
  readonly reason: 'spindown' | 'timeout' | 'failure';
  readonly durationMs: number;
  readonly deadlineMs: number;
  /** Extensions the SHUTDOWN event went to. */
  readonly extensionsNotified: readonly string[];
  readonly extensions: readonly ProcessOutcome[];
  readonly runtime?: ProcessOutcome;
  /** Names of the processes ended with SIGKILL. */
  readonly killed: readonly string[];
}

/**
 * A local Lambda execution environment.
 *
 * @example
 * ```ts
 * const sandbox = createLambdaSandbox({ layer: 'layer.zip', handler: 'index.handler', functionDir: 'fn' });
 * await sandbox.init();
 * const r = await sandbox.invoke({ hello: 'world' });
 * await sandbox.shutdown();
 * ```
 */
export interface LambdaSandbox {
  /** `127.0.0.1:PORT` of the server of the Runtime, Extensions and Telemetry APIs (after `init()` started). */
  readonly runtimeApi: string;
  init(): Promise<InitResult>;
  invoke(payload?: unknown): Promise<InvokeResult>;
  shutdown(reason?: 'spindown' | 'timeout' | 'failure'): Promise<ShutdownResult>;
  emitted(): readonly TelemetryRecordEmitted[];
  report(): SandboxReport;
  kill(): Promise<void>;
}

type State = 'created' | 'initializing' | 'ready' | 'invoking' | 'failed' | 'shutting-down' | 'stopped';

type Managed = {
  name: string;
  kind: 'extension' | 'runtime';
  child: ChildProcess;
  pid: number;
  exit?: { code: number | null; signal: string | null };
  exited: Promise<void>;
  sigkilled: boolean;
  /** SIGKILLed for going over the memory limit. */
  oomKilled?: boolean;
};

type Invocation = {
  requestId: string;
  startedAt: number;
  deliveredAt?: number;
  outcome?: RuntimeOutcome;
  extensionsInvoked: string[];
  tracing: Tracing;
  timer?: NodeJS.Timeout;
  resolve(result: InvokeResult): void;
};

const defaultNow = (): number => performance.timeOrigin + performance.now();
const r3 = (n: number): number => Math.round(n * 1000) / 1000;
const mib = (kb: number): number => Math.ceil(kb / 1024);
const OUT_OF_MEMORY = 'Runtime.OutOfMemory';

function traceId(at: number): string {
  const seconds = Math.floor(at / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

function parseResponse(body: Buffer): unknown {
  const parsed = parseJson(body);
  return parsed.ok ? parsed.value : body.toString('utf8');
}

/**
 * Creates a local Lambda execution environment: the layer's extensions and a Node runtime as real
 * processes, the Runtime, Extensions and Telemetry APIs on one loopback port, Lambda's lifecycle
 * (Init, Invoke with freeze and thaw, Shutdown) and the telemetry records Lambda produces.
 * Nothing starts before `init()`.
 *
 * @example
 * ```ts
 * const sandbox = createLambdaSandbox({
 *   layer: 'dist/extension.zip', handler: 'index.handler', functionDir: 'fn',
 *   env: { LOG_LEVEL: 'debug' }, hostEnv: process.env,
 * });
 * const init = await sandbox.init();
 * if (init.status === 'success') await sandbox.invoke({ id: 1 });
 * const shutdown = await sandbox.shutdown();
 * console.log(shutdown.killed, sandbox.report().records.byType);
 * ```
 */
export function createLambdaSandbox(
  options: LambdaSandboxOptions,
  deps: LambdaSandboxDeps = {},
): LambdaSandbox {
  const opts = parseSandboxOptions(options);
  const now = deps.now ?? defaultNow;
  const logger = deps.logger ?? noopLogger;
  const hub = createTelemetryHub({ now, queueFactor: opts.subscriberQueueFactor, logger });

  let state: State = 'created';
  let failure: { errorType: string; message: string } | undefined;
  let runtimeApi: string | undefined;
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  let layer: PreparedLayer | undefined;
  // The extensions' `node` with the hosts preload (resolveSandboxHost), for launchers that drop NODE_OPTIONS.
  let nodeShim: NodeShim | undefined;
  let files: RuntimeEnvironmentPaths | undefined;
  let frozen = false;
  let killing = false;
  let chain: Promise<unknown> = Promise.resolve();
  const processes: Managed[] = [];
  const crashes: { name: string; errorType: string; code: number | null; signal: string | null }[] = [];
  const invocations: InvocationSummary[] = [];
  let shutdownResult: ShutdownResult | undefined;

  // Init bookkeeping
  let initStartedAt = 0;
  let initDurationMs: number | undefined;
  let initResult: InitResult | undefined;
  let initResolve: ((r: InitResult) => void) | undefined;
  let initTimer: NodeJS.Timeout | undefined;
  let runtimeStarted = false;
  let runtimeReady = false;
  let runtimeDoneEmitted = false;
  let registrationClosed = false;
  let externalNames: string[] = [];

  let current: Invocation | undefined;

  const live = (): Managed[] => processes.filter((p) => !p.exit);
  const limitKb = opts.memorySizeMb * 1024;
  const memory = createMemoryMonitor(
    {
      limitKb,
      intervalMs: opts.memorySampleIntervalMs,
      enforce: opts.enforceMemoryLimit,
      accounting: opts.memoryAccounting,
      // a process SIGKILLed and not yet reaped no longer counts
      roots: () => live().flatMap((p) => (p.sigkilled ? [] : [{ name: p.name, pid: p.pid }])),
      onOverLimit: (sample) => outOfMemory(sample),
      now,
    },
    { reader: deps._internal?.procReader },
  );
  const runtimeProcess = (): Managed | undefined => processes.find((p) => p.kind === 'runtime');

  const initBase = { initializationType: 'on-demand', phase: 'init' as const };

  const registry = createExtensionRegistry({
    get externalNames() {
      return externalNames;
    },
    registerBody: {
      functionName: opts.functionName,
      functionVersion: opts.functionVersion,
      handler: opts.handler,
    },
    accountId: opts.accountId,
    now,
    hooks: {
      registrationOpen: () => !registrationClosed,
      onRegistered: () => maybeStartRuntime(),
      onNext: (ext) => {
        if (ext.nextCalls === 1) {
          hub.emit(
            platformRecords.extension(now(), { name: ext.name, state: 'Ready', events: [...ext.events] }),
          );
        }
        progress();
      },
      onInitError: (ext, errorType) => {
        if (state !== 'initializing') return false;
        logger.warn('extension reported an init error', { extension: ext.name, errorType });
        finishInit('error', errorType);
        return true;
      },
      onExitError: (ext, errorType) => {
        logger.warn('extension reported an exit error', { extension: ext.name, errorType });
        progress();
      },
    },
  } as Parameters<typeof createExtensionRegistry>[0]);

  const runtime = createRuntimeApi({
    now,
    hooks: {
      onNext: () => {
        if (!runtimeReady) {
          runtimeReady = true;
          registrationClosed = true;
          if (state === 'initializing') {
            runtimeDoneEmitted = true;
            hub.emit(platformRecords.initRuntimeDone(now(), { ...initBase, status: 'success' }));
          }
        }
        progress();
      },
      onInitError: (errorType) => {
        if (state !== 'initializing' || runtimeReady) return false;
        runtimeDoneEmitted = true;
        hub.emit(platformRecords.initRuntimeDone(now(), { ...initBase, status: 'error', errorType }));
        finishInit('error', errorType);
        return true;
      },
      onDelivered: (requestId, at) => {
        if (current?.requestId === requestId) current.deliveredAt = at;
      },
      onOutcome: (requestId, outcome) => onRuntimeOutcome(requestId, outcome),
    },
  });

  // ---- processes -------------------------------------------------------------------------------

  function track(name: string, kind: Managed['kind'], child: ChildProcess): Managed {
    let done: () => void = () => {};
    const managed: Managed = {
      name,
      kind,
      child,
      pid: child.pid as number,
      exited: new Promise<void>((resolve) => {
        done = resolve;
      }),
      sigkilled: false,
    };
    processes.push(managed);
    child.on('exit', (code, signal) => {
      managed.exit = { code, signal };
      done();
      onProcessExit(managed);
    });
    return managed;
  }

  function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    const splitter = createLineSplitter(onLine);
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('end', () => splitter.end());
  }

  function functionRecord(text: string): void {
    let record: unknown = text;
    if (opts.logFormat === 'JSON') {
      const parsed = parseJson(Buffer.from(text));
      if (
        parsed.ok &&
        parsed.value !== null &&
        typeof parsed.value === 'object' &&
        !Array.isArray(parsed.value)
      ) {
        record = parsed.value;
      }
    }
    hub.emit({ time: new Date(now()).toISOString(), type: 'function', record }, { text, source: 'runtime' });
  }

  function spawnExtension(name: string, path: string, env: Record<string, string>): void {
    const child = spawn(path, [], {
      cwd: (layer as PreparedLayer).dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.on('error', (error) => {
      logger.error('extension failed to start', { extension: name, error: String(error) });
      crashes.push({ name, errorType: 'Extension.LaunchError', code: null, signal: null });
      if (state === 'initializing') finishInit('error', 'Extension.LaunchError');
    });
    if (child.pid === undefined) return;
    track(name, 'extension', child);
    const onLine = (line: string): void => {
      hub.emit(
        { time: new Date(now()).toISOString(), type: 'extension', record: line },
        { text: line, source: name },
      );
    };
    pipeLines(child.stdout as NodeJS.ReadableStream, onLine);
    pipeLines(child.stderr as NodeJS.ReadableStream, onLine);
  }

  function startRuntime(): void {
    runtimeStarted = true;
    const paths = files as RuntimeEnvironmentPaths;
    const env = runtimeEnvironment(opts, envContext());
    const child = spawn(paths.node, [paths.bootstrap], {
      cwd: opts.functionDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    track('runtime', 'runtime', child);
    pipeLines(child.stdout as NodeJS.ReadableStream, functionRecord);
    pipeLines(child.stderr as NodeJS.ReadableStream, functionRecord);
    pipeLines(child.stdio[3] as NodeJS.ReadableStream, (frame) => {
      const parsed = parseJson(Buffer.from(frame));
      const text = parsed.ok && typeof parsed.value === 'string' ? parsed.value : frame;
      functionRecord(
        opts.logFormat === 'JSON' ? text.replace(/\n$/, '') : text.endsWith('\n') ? text : `${text}\n`,
      );
    });
  }

  function maybeStartRuntime(): void {
    if (runtimeStarted || state !== 'initializing') return;
    if (externalNames.every((n) => registry.byName(n))) startRuntime();
  }

  function envContext() {
    const paths = files as RuntimeEnvironmentPaths;
    return {
      runtimeApi: runtimeApi as string,
      layerDir: (layer as PreparedLayer).dir,
      nodePath: paths.node,
      logStreamName: logStream,
      hostsPreload: opts.resolveSandboxHost ? paths.hostsPreload : undefined,
      binDir: nodeShim?.dir,
    };
  }
  const logStream = (() => {
    const d = new Date();
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    return `${day}/[${opts.functionVersion}]${randomBytes(16).toString('hex')}`;
  })();

  function freeze(): void {
    if (!opts.freeze || frozen) return;
    frozen = true;
    memory.stop();
    hub.pause();
    for (const p of live()) signalGroup(p.pid, 'SIGSTOP');
  }

  function thaw(): void {
    if (!frozen) return;
    frozen = false;
    for (const p of live()) signalGroup(p.pid, 'SIGCONT');
    memory.start();
    hub.resume();
  }

  // Over the limit: Lambda's kernel kills processes of the environment and reports the runtime
  // killed. Here: the runtime, then the largest others until the rest fit; the Init or the
  // invocation fails with Runtime.OutOfMemory and the environment is failed (reset by the caller).
  // A failed environment that still grows (an extension) loses its largest processes the same way.
  function outOfMemory(sample: MemorySample): void {
    if (state === 'created' || state === 'stopped' || killing) return;
    const victims = outOfMemoryVictims(sample, limitKb, 'runtime', opts.memoryAccounting).flatMap((name) => {
      const p = live().find((q) => q.name === name);
      return p ? [p] : [];
    });
    logger.error('the environment went over its memory limit', {
      memoryKb: sample.totalKb,
      limitKb,
      killed: victims.map((p) => p.name),
    });
    for (const p of victims) {
      p.oomKilled = true;
      crashes.push({ name: p.name, errorType: OUT_OF_MEMORY, code: null, signal: 'SIGKILL' });
    }
    if (state === 'initializing') finishInit('error', OUT_OF_MEMORY);
    else if (state === 'invoking') failInvoke('failure', OUT_OF_MEMORY, 'error');
    else if (state === 'ready') {
      state = 'failed';
      failure = { errorType: OUT_OF_MEMORY, message: 'the environment went over its memory limit' };
    }
    for (const p of victims) sigkill(p);
  }

  function onProcessExit(p: Managed): void {
    if (p.kind === 'extension') registry.markGone(p.name);
    if (state === 'shutting-down' || state === 'stopped' || killing || p.oomKilled) return;
    const ext = p.kind === 'extension' ? registry.byName(p.name) : undefined;
    const errorType =
      p.kind === 'runtime'
        ? 'Runtime.ExitError'
        : ext?.state === 'gone' && ext.errorType
          ? ext.errorType
          : 'Extension.Crash';
    const exit = p.exit as { code: number | null; signal: string | null };
    crashes.push({ name: p.name, errorType, ...exit });
    logger.error('process exited outside the Shutdown phase', { name: p.name, errorType, ...exit });
    if (state === 'initializing') {
      finishInit('error', errorType);
      return;
    }
    if (state === 'invoking') {
      failInvoke('failure', errorType);
      return;
    }
    if (state === 'ready') {
      state = 'failed';
      failure = { errorType, message: `${p.name} exited outside the Shutdown phase (${errorType})` };
    }
  }

  // ---- Init ------------------------------------------------------------------------------------

  // every caller checks that the sandbox is still initializing; finishInit leaves that state
  function finishInit(status: PhaseStatus, errorType?: string): void {
    if (initTimer) clearTimeout(initTimer);
    const at = now();
    const durationMs = at - initStartedAt;
    initDurationMs = durationMs;
    if (!runtimeDoneEmitted) {
      runtimeDoneEmitted = true;
      const rtErrorType = status === 'timeout' ? undefined : errorType;
      hub.emit(platformRecords.initRuntimeDone(at, { ...initBase, status, errorType: rtErrorType }));
    }
    hub.emit(
      platformRecords.initReport(at, {
        ...initBase,
        status,
        errorType: status === 'timeout' ? undefined : errorType,
        durationMs,
      }),
    );
    if (status === 'success') {
      state = 'ready';
      freeze();
    } else {
      state = 'failed';
      failure = {
        errorType: errorType ?? 'Sandbox.Timedout',
        message: `Init failed: ${status} ${errorType ?? ''}`.trim(),
      };
    }
    const extByName = new Map(processes.filter((p) => p.kind === 'extension').map((p) => [p.name, p.pid]));
    initResult = {
      status,
      ...(errorType ? { errorType } : {}),
      durationMs: r3(durationMs),
      runtimeApi: runtimeApi as string,
      extensions: registry.list().map((e) => ({
        name: e.name,
        external: e.external,
        events: [...e.events],
        ...(extByName.has(e.name) ? { pid: extByName.get(e.name) } : {}),
      })),
      ...(runtimeProcess() ? { runtimePid: (runtimeProcess() as Managed).pid } : {}),
    };
    initResolve?.(initResult);
  }

  function progress(): void {
    if (state === 'initializing' && runtimeReady && registry.allWaiting()) {
      memory.sample(); // the reading at the end of Init; over the limit, it fails the Init
      if (state !== 'initializing') return;
      finishInit('success');
      return;
    }
    if (state === 'invoking') maybeCompleteInvoke();
  }

  async function doInit(): Promise<InitResult> {
    if (state !== 'created')
      throw new SandboxStateError(`init() can be called once; the sandbox is ${state}`, state);
    state = 'initializing';
    initStartedAt = now();
    try {
      files = resolveRuntimeFiles();
      layer = await prepareLayer(opts.layer, opts.tmpDir);
      if (opts.resolveSandboxHost)
        nodeShim = await createNodeShim(files.node, files.hostsPreload, opts.tmpDir);
      api = await startApiServer(
        {
          register: (req, res) => registry.register(req, res),
          extensionNext: (req, res) => registry.next(req, res),
          extensionInitError: (req, res) => registry.initError(req, res),
          extensionExitError: (req, res) => registry.exitError(req, res),
          telemetrySubscribe: (req, res) => subscribe(req, res),
          runtimeNext: (req, res) => runtime.next(req, res),
          runtimeResponse: (req, res, id) => runtime.response(req, res, id as string),
          runtimeError: (req, res, id) => runtime.error(req, res, id as string),
          runtimeInitError: (req, res) => runtime.initError(req, res),
        },
        (error) => logger.error('API handler failed', { error: String(error) }),
      );
    } catch (error) {
      state = 'stopped';
      await layer?.cleanup();
      await nodeShim?.cleanup();
      throw error;
    }
    runtimeApi = `127.0.0.1:${api.port}`;
    hub.emit(
      platformRecords.initStart(initStartedAt, {
        ...initBase,
        runtimeVersion: `nodejs:${process.versions.node}`,
        functionName: opts.functionName,
        functionVersion: opts.functionVersion,
      }),
    );
    const result = new Promise<InitResult>((resolve) => {
      initResolve = resolve;
    });
    initTimer = setTimeout(() => finishInit('timeout', 'Sandbox.Timedout'), opts.initTimeoutMs);
    const extensions = layer.extensions;
    externalNames = extensions.map((e) => e.name);
    const notExecutable = extensions.find((e) => !e.executable);
    if (notExecutable) {
      crashes.push({
        name: notExecutable.name,
        errorType: 'Extension.LaunchError',
        code: null,
        signal: null,
      });
      logger.error('extension is not executable', { extension: notExecutable.name });
      finishInit('error', 'Extension.LaunchError');
      return result;
    }
    const env = extensionEnvironment(opts, envContext());
    if (!memory.available && opts.enforceMemoryLimit) {
      logger.warn('process memory cannot be read here (no /proc): memorySizeMb is not enforced');
    }
    for (const ext of extensions) spawnExtension(ext.name, ext.path, env);
    memory.start();
    maybeStartRuntime();
    return result;
  }

  // ---- Telemetry API ---------------------------------------------------------------------------

  async function subscribe(
    req: Parameters<typeof registry.next>[0],
    res: Parameters<typeof registry.next>[1],
  ) {
    const { body } = await readBody(req, 64 * 1024);
    const ext = registry.authenticate(req, res);
    if (!ext) return;
    const parsed = parseJson(body);
    if (!parsed.ok) {
      sendError(res, 400, 'ValidationError', 'The body is not valid JSON');
      return;
    }
    const checked = validateSubscription(parsed.value);
    if (!checked.ok) {
      sendError(res, checked.error.status, checked.error.errorType, checked.error.errorMessage);
      return;
    }
    if (state !== 'initializing' && !hub.isSubscribed(ext.name)) {
      sendError(
        res,
        403,
        'Telemetry.SubscriptionClosed',
        'Subscriptions are accepted only during the Init phase',
      );
      return;
    }
    hub.subscribe(ext.name, checked.value);
    sendText(res, 200, 'OK');
    hub.emit(
      platformRecords.telemetrySubscription(now(), {
        name: ext.name,
        state: 'Subscribed',
        types: [...checked.value.types],
      }),
    );
  }

  // ---- Invoke ----------------------------------------------------------------------------------

  function onRuntimeOutcome(requestId: string, outcome: RuntimeOutcome): void {
    // the Runtime API answers only the current, unanswered invocation
    const inv = current as Invocation;
    inv.outcome = outcome;
    const deliveredAt = inv.deliveredAt ?? inv.startedAt;
    const { status, errorType } = outcomeStatus(outcome);
    hub.emit(
      platformRecords.runtimeDone(outcome.endedAt, {
        requestId,
        status,
        errorType,
        durationMs: outcome.endedAt - deliveredAt,
        producedBytes: outcome.kind === 'too-large' ? outcome.size : outcome.body.length,
        spans: [
          span('responseLatency', deliveredAt, outcome.startedAt - deliveredAt),
          span('responseDuration', outcome.startedAt, outcome.endedAt - outcome.startedAt),
        ],
        tracing: inv.tracing,
      }),
    );
    maybeCompleteInvoke();
  }

  function outcomeStatus(outcome: RuntimeOutcome): { status: PhaseStatus; errorType?: string } {
    if (outcome.kind === 'response') return { status: 'success' };
    if (outcome.kind === 'error') return { status: 'error', errorType: outcome.errorType };
    return { status: 'error', errorType: 'Function.ResponseSizeTooLarge' };
  }

  function finishInvoke(
    inv: Invocation,
    end: {
      /** The status of the records (and of the result unless `resultStatus` says otherwise). */
      status: PhaseStatus;
      errorType: string | undefined;
      durationMs: number;
      postMs: number;
      resultStatus?: PhaseStatus;
      errorMessage?: string;
    },
  ): void {
    const { status, errorType, durationMs, postMs } = end;
    if (inv.timer) clearTimeout(inv.timer);
    const peakMemoryKb = memory.windowPeakKb();
    const memoryMB = errorType === OUT_OF_MEMORY ? opts.memorySizeMb : mib(memory.peakKb());
    const billedDurationMs = Math.ceil(durationMs + postMs);
    const first = invocations.length === 0;
    hub.emit(
      platformRecords.report(now(), {
        requestId: inv.requestId,
        status,
        errorType,
        durationMs,
        billedDurationMs,
        memorySizeMB: opts.memorySizeMb,
        maxMemoryUsedMB: memoryMB,
        initDurationMs: first ? initDurationMs : undefined,
        tracing: inv.tracing,
      }),
    );
    const summary: InvocationSummary = {
      requestId: inv.requestId,
      status,
      ...(errorType ? { errorType } : {}),
      durationMs: r3(durationMs),
      postRuntimeExtensionsDurationMs: r3(postMs),
      billedDurationMs,
      maxMemoryUsedMB: memoryMB,
      peakMemoryKb,
    };
    invocations.push(summary);
    current = undefined;
    const outcome = inv.outcome;
    let response: unknown;
    let error: InvokeResult['error'];
    if (outcome?.kind === 'response') response = parseResponse(outcome.body);
    else if (outcome?.kind === 'error') {
      const detail = outcome.error;
      error =
        detail !== null && typeof detail === 'object'
          ? { ...(detail as Record<string, unknown>), errorType: outcome.errorType }
          : { errorType: outcome.errorType, errorMessage: String(detail) };
    }
    if (!error && errorType) {
      error = end.errorMessage ? { errorType, errorMessage: end.errorMessage } : { errorType };
    }
    inv.resolve({
      requestId: inv.requestId,
      status: end.resultStatus ?? status,
      ...(response !== undefined ? { response } : {}),
      ...(error ? { error } : {}),
      durationMs: summary.durationMs,
      postRuntimeExtensionsDurationMs: summary.postRuntimeExtensionsDurationMs,
      billedDurationMs,
      maxMemoryUsedMB: memoryMB,
      peakMemoryKb,
      ...(first && initDurationMs !== undefined ? { initDurationMs: r3(initDurationMs) } : {}),
      extensionsInvoked: inv.extensionsInvoked,
    });
  }

  function maybeCompleteInvoke(): void {
    const inv = current;
    if (!inv?.outcome || !runtime.waiting() || !registry.allWaiting()) return;
    const outcome = inv.outcome;
    const deliveredAt = inv.deliveredAt ?? inv.startedAt;
    let extensionsDoneAt = outcome.endedAt;
    for (const name of inv.extensionsInvoked) {
      const ext = registry.byName(name) as RegisteredExtension;
      if (ext.state === 'active') extensionsDoneAt = Math.max(extensionsDoneAt, ext.lastNextAt);
    }
    memory.sample(); // the reading at the end of every invocation; over the limit, it fails it
    if (current !== inv) return;
    const { status, errorType } = outcomeStatus(outcome);
    finishInvoke(inv, {
      status,
      errorType,
      durationMs: outcome.endedAt - deliveredAt,
      postMs: extensionsDoneAt - outcome.endedAt,
    });
    state = 'ready';
    freeze();
  }

  /** Ends the current invocation and fails the environment; `recordStatus` is what the records say. */
  function failInvoke(
    status: 'timeout' | 'failure',
    errorType: string,
    recordStatus: PhaseStatus = status,
  ): void {
    const inv = current as Invocation;
    const oom = errorType === OUT_OF_MEMORY;
    state = 'failed';
    failure = {
      errorType,
      message:
        status === 'timeout'
          ? 'the invocation timed out'
          : oom
            ? 'the environment went over its memory limit'
            : `${errorType}`,
    };
    runtime.abandon();
    const at = now();
    const deliveredAt = inv.deliveredAt ?? inv.startedAt;
    if (!inv.outcome) {
      hub.emit(
        platformRecords.runtimeDone(at, {
          requestId: inv.requestId,
          status: recordStatus,
          errorType: status === 'timeout' ? undefined : errorType,
          durationMs: at - deliveredAt,
          tracing: inv.tracing,
        }),
      );
    }
    const durationMs = inv.outcome ? inv.outcome.endedAt - deliveredAt : at - deliveredAt;
    const postMs = inv.outcome ? at - inv.outcome.endedAt : 0;
    finishInvoke(inv, {
      status: recordStatus,
      errorType,
      durationMs,
      postMs,
      resultStatus: status,
      ...(oom
        ? { errorMessage: `RequestId: ${inv.requestId} Error: Runtime exited with error: signal: killed` }
        : {}),
    });
  }

  async function doInvoke(payload: unknown): Promise<InvokeResult> {
    if (state !== 'ready') {
      const why = failure ? `: ${failure.message}` : '';
      throw new SandboxStateError(`invoke() needs a ready environment; the sandbox is ${state}${why}`, state);
    }
    state = 'invoking';
    const startedAt = now();
    const requestId = randomUUID();
    const tracing: Tracing = { type: 'X-Amzn-Trace-Id', value: traceId(startedAt) };
    const deadlineMs = Math.round(startedAt + opts.timeoutMs);
    const arn = `arn:aws:lambda:${opts.region}:${opts.accountId}:function:${opts.functionName}`;
    const result = new Promise<InvokeResult>((resolve) => {
      current = { requestId, startedAt, extensionsInvoked: [], tracing, resolve };
    });
    const inv = current as unknown as Invocation;
    thaw();
    hub.emit(platformRecords.start(startedAt, { requestId, version: opts.functionVersion, tracing }));
    const event: ExtensionEvent = {
      eventType: 'INVOKE',
      deadlineMs,
      requestId,
      invokedFunctionArn: arn,
      tracing: { type: 'X-Amzn-Trace-Id', value: tracing.value },
    };
    inv.extensionsInvoked = registry.deliver(event);
    runtime.deliver({
      requestId,
      payload: JSON.stringify(payload === undefined ? {} : payload),
      deadlineMs,
      invokedFunctionArn: arn,
      traceId: tracing.value,
    });
    inv.timer = setTimeout(() => {
      if (current === inv) failInvoke('timeout', 'Sandbox.Timedout');
    }, opts.timeoutMs);
    memory.beginWindow(); // the invocation's peak starts from this reading
    return result;
  }

  // ---- Shutdown --------------------------------------------------------------------------------

  function outcomeOf(p: Managed): ProcessOutcome {
    const exit = p.exit ?? { code: null, signal: null };
    return { name: p.name, outcome: p.sigkilled ? 'killed' : 'exited', code: exit.code, signal: exit.signal };
  }

  const waitExit = (ps: Managed[], ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      void Promise.all(ps.map((p) => p.exited)).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  const sigkill = (p: Managed): void => {
    if (p.exit) return;
    p.sigkilled = true;
    signalGroup(p.pid, 'SIGKILL');
  };

  async function closeAll(): Promise<void> {
    memory.stop();
    hub.close();
    await api?.close();
    await layer?.cleanup();
    await nodeShim?.cleanup();
  }

  async function doShutdown(reason: ShutdownResult['reason']): Promise<ShutdownResult> {
    if (state === 'stopped' || state === 'shutting-down' || state === 'initializing') {
      throw new SandboxStateError(`shutdown() is not possible: the sandbox is ${state}`, state);
    }
    const goneBefore = new Set(processes.filter((p) => p.exit).map((p) => p.name));
    const startedAt = now();
    const deadlineMs = Math.round(startedAt + opts.shutdownTimeoutMs);
    if (state === 'created') {
      state = 'stopped';
      shutdownResult = {
        reason,
        durationMs: 0,
        deadlineMs,
        extensionsNotified: [],
        extensions: [],
        killed: [],
      };
      return shutdownResult;
    }
    state = 'shutting-down';
    if (initTimer) clearTimeout(initTimer);
    thaw();
    const rt = runtimeProcess();
    if (rt && !rt.exit) {
      signalGroup(rt.pid, 'SIGTERM');
      await waitExit([rt], Math.min(opts.runtimeShutdownMs, deadlineMs - now()));
      sigkill(rt);
      await waitExit([rt], 1000);
    }
    const notified = registry.deliver({ eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
    const extensionProcs = processes.filter((p) => p.kind === 'extension');
    for (const p of extensionProcs) {
      const ext = registry.byName(p.name);
      if (!ext?.events.includes('SHUTDOWN')) sigkill(p);
    }
    await waitExit(extensionProcs, deadlineMs - now());
    for (const p of extensionProcs) sigkill(p);
    await waitExit(extensionProcs, 1000);
    const result: ShutdownResult = {
      reason,
      durationMs: r3(now() - startedAt),
      deadlineMs,
      extensionsNotified: notified,
      extensions: extensionProcs.map((p) =>
        goneBefore.has(p.name) ? { ...outcomeOf(p), outcome: 'gone' as const } : outcomeOf(p),
      ),
      ...(rt
        ? {
            runtime: goneBefore.has(rt.name) ? { ...outcomeOf(rt), outcome: 'gone' as const } : outcomeOf(rt),
          }
        : {}),
      killed: processes.filter((p) => p.sigkilled).map((p) => p.name),
    };
    shutdownResult = result;
    state = 'stopped';
    await closeAll();
    return result;
  }

  async function doKill(): Promise<void> {
    if (state === 'stopped') return;
    killing = true;
    if (state === 'initializing' && initResolve) finishInit('failure', 'Sandbox.Killed');
    if (current) failInvoke('failure', 'Sandbox.Killed');
    for (const p of live()) sigkill(p);
    await waitExit(processes, 2000);
    state = 'stopped';
    await closeAll();
  }

  const enqueue = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  return {
    get runtimeApi(): string {
      if (runtimeApi === undefined) {
        throw new SandboxStateError('runtimeApi is known once init() has started the server', state);
      }
      return runtimeApi;
    },
    init: () => enqueue(doInit),
    invoke: (payload?: unknown) => enqueue(() => doInvoke(payload)),
    shutdown: (reason = 'spindown') => enqueue(() => doShutdown(reason)),
    emitted: () => hub.emitted(),
    kill: () => doKill(),
    report(): SandboxReport {
      const byStatus: Record<string, number> = {};
      for (const i of invocations) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
      const subscribers = hub.subscribers();
      const counts = hub.countsByType();
      return {
        functionName: opts.functionName,
        memorySizeMB: opts.memorySizeMb,
        logFormat: opts.logFormat,
        state,
        ...(initResult
          ? {
              init: {
                status: initResult.status,
                ...(initResult.errorType ? { errorType: initResult.errorType } : {}),
                durationMs: initResult.durationMs,
                extensions: initResult.extensions.map((e) => e.name),
              },
            }
          : {}),
        invocations: { total: invocations.length, byStatus, list: [...invocations] },
        durationMs: durationStats(invocations.map((i) => i.durationMs)),
        overheadMs: durationStats(invocations.map((i) => i.postRuntimeExtensionsDurationMs)),
        billedDurationMs: durationStats(invocations.map((i) => i.billedDurationMs)),
        maxMemoryUsedMB: mib(memory.peakKb()),
        memory: memory.stats(),
        records: { total: hub.emitted().length, byType: counts },
        subscribers,
        dropped: {
          records: subscribers.reduce((a, s) => a + s.droppedRecords, 0),
          bytes: subscribers.reduce((a, s) => a + s.droppedBytes, 0),
        },
        crashes: [...crashes],
        ...(shutdownResult ? { shutdown: shutdownResult } : {}),
      };
    },
  };
}
