/**
 * An in-process Lambda for the extension: the fake Extensions API with the fake Telemetry API mounted
 * on the same address (as AWS_LAMBDA_RUNTIME_API is one address for both), a recording Data Tap on
 * loopback, a temporary spool folder and a log file for the extension's own log.
 */
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createFakeExtensionsApi, type FakeExtensionsApi } from '@data-taps/extensions-api/testing';
import { createFakeTelemetryApi, type FakeTelemetryApi } from '@data-taps/telemetry-receiver/testing';
import { runExtension } from '../../src/extension.js';
import { registerFromEnvironment } from '../../src/register.js';

export const TOKEN = 'tok-SECRET-1234567890';

/** One request the tap received. */
export interface TapRequest {
  headers: IncomingMessage['headers'];
  lines: Record<string, unknown>[];
  status: number;
}

/** A Data Tap on loopback that records what it takes and answers as told. */
export async function startTap() {
  const requests: TapRequest[] = [];
  let answer: (req: IncomingMessage) => { status: number; body?: string } = () => ({ status: 200 });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const { status, body: out } = answer(req);
      const lines = body
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      requests.push({ headers: req.headers, lines, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(out ?? JSON.stringify({ statusCode: status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    /** Every line accepted (2xx), in arrival order. */
    accepted: () => requests.filter((r) => r.status < 300).flatMap((r) => r.lines),
    answer(fn: typeof answer) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Tap = Awaited<ReturnType<typeof startTap>>;

/** The fake Lambda: Extensions API + Telemetry API on one address. */
export async function startLambda(options: LambdaOptions = {}) {
  const telemetry: FakeTelemetryApi = createFakeTelemetryApi({
    answer: options.telemetryAnswer ?? 'subscribe',
  });
  const api: FakeExtensionsApi = await createFakeExtensionsApi({
    functionName: 'orders',
    fallback: (req, res) => {
      const beforeAnswer = options.beforeSubscribeAnswer;
      if (beforeAnswer && req.method === 'PUT' && req.url?.endsWith('/telemetry')) {
        // The subscription is recorded before the answer is written: the hook runs in between.
        const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
        res.end = ((...args: unknown[]) => {
          void beforeAnswer(telemetry).finally(() => end(...args));
          return res;
        }) as typeof res.end;
      }
      if (!telemetry.handle(req, res)) {
        res.writeHead(404);
        res.end();
      }
    },
  });
  return { api, telemetry };
}

/** How the fake Lambda behaves. */
export interface LambdaOptions {
  telemetryAnswer?: 'subscribe' | 'not-supported';
  /** Runs once a subscription is recorded, before its answer goes back (e.g. to deliver records first). */
  beforeSubscribeAnswer?: (telemetry: FakeTelemetryApi) => Promise<void>;
}

/**
 * The fake Lambda, a recording tap and a workspace; their clean-ups go on `cleanups` (run them,
 * newest first, after each test).
 */
export async function setup(cleanups: (() => Promise<void> | void)[], options: LambdaOptions = {}) {
  const lambda = await startLambda(options);
  const tap = await startTap();
  const ws = workspace();
  cleanups.push(
    () => lambda.api.close(),
    () => lambda.telemetry.close(),
    () => tap.close(),
    () => ws.remove(),
  );
  return { lambda, tap, ws };
}

/** A temporary folder for the spool, and a log file for the extension's own log. */
export function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'dt-ext-'));
  const logPath = join(dir, 'extension.log');
  const logFd = openSync(logPath, 'a');
  return {
    dir,
    spoolDir: join(dir, 'spool'),
    logFd,
    log: () => readFileSync(logPath, 'utf8'),
    logLines: () =>
      readFileSync(logPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment Lambda gives the extension, pointed at the fakes. */
export function lambdaEnv(
  runtimeApi: string,
  tapUrl: string,
  spoolDir: string,
  extra: Record<string, string> = {},
) {
  return {
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: 'eu-west-1',
    BD_TAP_CLIENT_TOKEN: TOKEN,
    BD_DATA_TAP_URL: tapUrl,
    RECEIVER_ADDRESS: '127.0.0.1',
    RECEIVER_PORT: '0',
    TIMEOUT_MS: '25',
    DATA_TAPS_SPOOL_DIR: spoolDir,
    DATA_TAPS_LOG_LEVEL: 'debug',
    DATA_TAPS_REQUEST_TIMEOUT_MS: '2000',
    ...extra,
  };
}

/** Telemetry records of one invocation, as Lambda sends them. */
export function invocationRecords(requestId: string, lines: string[], at = Date.now()) {
  const time = (offset: number) => new Date(at + offset).toISOString();
  return {
    start: [{ time: time(0), type: 'platform.start', record: { requestId, version: '$LATEST' } }],
    logs: lines.map((line, i) => ({ time: time(1 + i), type: 'function', record: line })),
    runtimeDone: [
      {
        time: time(lines.length + 2),
        type: 'platform.runtimeDone',
        record: { requestId, status: 'success', metrics: { durationMs: 3.5, producedBytes: 10 } },
      },
    ],
    report: [
      {
        time: time(lines.length + 3),
        type: 'platform.report',
        record: {
          requestId,
          status: 'success',
          metrics: { durationMs: 4.2, billedDurationMs: 5, memorySizeMB: 128, maxMemoryUsedMB: 60 },
        },
      },
    ],
  };
}

/** Polls until `check` holds (no timing assertion: the test timeout bounds it). */
/** Runs the extension against a {@link setup}'s Lambda, tap and workspace, with more variables. */
export function startExtension(
  { lambda, tap, ws }: Awaited<ReturnType<typeof setup>>,
  extra: Record<string, string> = {},
  signal?: AbortSignal,
) {
  const env = lambdaEnv(lambda.api.runtimeApi, tap.url, ws.spoolDir, extra);
  return runExtension({
    env,
    logFd: ws.logFd,
    registration: registerFromEnvironment(env, undefined),
    ...(signal ? { signal } : {}),
  });
}

/** Resolves once the extension registered, subscribed and waits in its first `next`. */
export async function ready(lambda: Awaited<ReturnType<typeof startLambda>>): Promise<void> {
  await lambda.api.waitForRegistrations(1);
  await until(() => lambda.telemetry.subscriptions.length === 1);
  await lambda.api.waitForIdle();
}

export async function until(check: () => boolean, stepMs = 5): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, stepMs));
}
