/**
 * The eager entry's fast path (part of `index.cjs`, `node:` built-ins only): once registered, the
 * telemetry listener's socket is bound, the Telemetry API subscription sent and the first `next`
 * sent before `main.cjs` (zod, the configuration, the pipeline) is even loaded. Init ends when the
 * runtime and every extension called `next`; the runtime is ready ~40 ms after registration, and
 * loading `main.cjs` alone takes about as long. `main.cjs` then takes everything over
 * (src/extension.ts): the listening server and the requests it holds unread, the subscription's
 * answer and the pending first `next`, which its own clients read as if they had sent them.
 *
 * Taken only when every variable read here is unset or plainly valid, read as src/config.ts reads
 * it (a test holds {@link fastPathSettings} to loadConfig's answers), and DATA_TAPS_STRICT is not
 * true: otherwise main validates first, as before, and can still fail the Init in strict mode.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fast path reads from the environment: the listener and the subscription. */
export interface FastPathSettings {
  /** As the listener's `address` option: `sandbox` binds 0.0.0.0, advertises sandbox.localdomain. */
  receiverAddress: string;
  receiverPort: number;
  apiVersion: string;
  schemaVersion: string;
  types: string[];
  maxItems: number;
  maxBytes: number;
  timeoutMs: number;
}

/** An HTTP answer as it came: what main's clients read through their `fetch`. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What the fast path hands over to `main.cjs`. */
export interface FastPathHandOver {
  /** The listener's server, listening. */
  server: Server;
  /** The URI the subscription advertised. */
  uri: string;
  /**
   * Stops holding requests and returns those held so far, unread, in the order they came: call it
   * right before attaching the real handler, then pass each on (`server.emit('request', req, res)`).
   */
  takeOver(): [IncomingMessage, ServerResponse][];
  /** The Telemetry API's answer to the subscription (rejects when none came). */
  subscription: Promise<RawAnswer>;
  /** The answer to the first `GET event/next` (rejects when none came). */
  firstNext: Promise<RawAnswer>;
}

const INT = /^\s*\d+\s*$/;
const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}$`);
const SCHEMA_VERSIONS = ['2022-07-01', '2022-12-13', '2025-01-29'];
const TYPES = ['platform', 'function', 'extension'];

type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, or `undefined` when unset (empty reads as unset, as in config.ts). */
function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function int(env: Env, name: string, min: number, max: number, def: number, except?: number) {
  const value = raw(env, name);
  if (value === undefined) return def;
  if (!INT.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= min && n <= max && n !== except ? n : undefined;
}

function oneOf(env: Env, name: string, values: string[], def: string) {
  const value = raw(env, name);
  if (value === undefined) return def;
  return values.includes(value) ? value : undefined;
}

/**
 * The fast path's settings, or `undefined` when it is not to be taken: a variable it reads is set
 * to a value it does not plainly accept (main then names it), or DATA_TAPS_STRICT is true or invalid.
 * @example
 * fastPathSettings({}); // { receiverAddress: 'sandbox', receiverPort: 4243, ..., timeoutMs: 100 }
 */
export function fastPathSettings(env: Env): FastPathSettings | undefined {
  const strict = raw(env, 'DATA_TAPS_STRICT');
  if (strict !== undefined && !['false', '0', 'no'].includes(strict.trim().toLowerCase())) return undefined;
  // "sandbox" or an IPv4 address; host names and IPv6 take the slow path (the listener checks them).
  const receiverAddress = raw(env, 'RECEIVER_ADDRESS') ?? 'sandbox';
  if (receiverAddress !== 'sandbox' && !IPV4.test(receiverAddress)) return undefined;
  const receiverPort = int(env, 'RECEIVER_PORT', 0, 65535, 4243, 9001);
  const maxItems = int(env, 'MAX_ITEMS', 1000, 10000, 10000);
  const maxBytes = int(env, 'MAX_BYTES', 262144, 1048576, 262144);
  const timeoutMs = int(env, 'TIMEOUT_MS', 25, 30000, 100);
  const apiVersion = oneOf(env, 'AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION', ['2022-07-01'], '2022-07-01');
  const schemaVersion = oneOf(
    env,
    'AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION',
    SCHEMA_VERSIONS,
    '2022-12-13',
  );
  const typesText = raw(env, 'DATA_TAPS_TYPES');
  let types: string[] | undefined = TYPES;
  if (typesText !== undefined) {
    const listed = typesText
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    types = listed.length > 0 && listed.every((t) => TYPES.includes(t)) ? [...new Set(listed)] : undefined;
  }
  if (
    receiverPort === undefined ||
    maxItems === undefined ||
    maxBytes === undefined ||
    timeoutMs === undefined ||
    apiVersion === undefined ||
    schemaVersion === undefined ||
    types === undefined
  )
    return undefined;
  return { receiverAddress, receiverPort, apiVersion, schemaVersion, types, maxItems, maxBytes, timeoutMs };
}

/**
 * Binds the listener's socket (as `@data-taps/telemetry-receiver`'s listener binds it) and holds the
 * requests that come until main takes them over. Resolves with `undefined` when the port cannot be
 * bound (main then tries, and says why).
 */
export function listen(settings: FastPathSettings): Promise<
  | {
      server: Server;
      uri: string;
      takeOver: FastPathHandOver['takeOver'];
    }
  | undefined
> {
  const held: [IncomingMessage, ServerResponse][] = [];
  const hold = (req: IncomingMessage, res: ServerResponse) => {
    held.push([req, res]);
  };
  const server = createServer(hold);
  // As the library's listener: idle connections stay open across freezes.
  server.keepAliveTimeout = 0;
  const sandbox = settings.receiverAddress === 'sandbox';
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(settings.receiverPort, sandbox ? '0.0.0.0' : settings.receiverAddress, () => {
      server.removeAllListeners('error');
      const { port } = server.address() as AddressInfo;
      const host = sandbox ? 'sandbox.localdomain' : settings.receiverAddress;
      resolve({
        server,
        uri: `http://${host}:${port}`,
        takeOver: () => {
          server.off('request', hold);
          return held.splice(0);
        },
      });
    });
  });
}

/**
 * The subscription's body, as `subscribeTelemetry` builds it.
 * @example
 * subscriptionBody(fastPathSettings({})!, 'http://sandbox.localdomain:4243');
 */
export function subscriptionBody(settings: FastPathSettings, uri: string): string {
  return JSON.stringify({
    schemaVersion: settings.schemaVersion,
    destination: { protocol: 'HTTP', URI: uri },
    types: settings.types,
    buffering: { maxItems: settings.maxItems, maxBytes: settings.maxBytes, timeoutMs: settings.timeoutMs },
  });
}

/**
 * One request with `node:http` (no keep-alive, no timeout: `event/next` may wait as long as Lambda
 * keeps the environment idle); `onSent` once it has been written (or has failed).
 */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  onSent?: () => void,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = false;
    const markSent = () => {
      if (!sent) {
        sent = true;
        onSent?.();
      }
    };
    const fail = (error: Error) => {
      reject(error);
      markSent();
    };
    const req = request(
      url,
      {
        method,
        agent: false,
        headers:
          body === undefined
            ? headers
            : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('aborted', () => fail(new Error('the answer was cut short')));
      },
    );
    req.on('error', fail);
    req.on('finish', markSent);
    req.end(body);
  });
}

/**
 * The fast path after a successful registration: subscribes with the listener's URI, then sends the
 * first `next` whatever the subscription's answer (as main does when not strict). `onNextSent`
 * once that `next` is written: the moment to load main.
 */
export function subscribeAndNext(
  runtimeApi: string,
  extensionId: string,
  settings: FastPathSettings,
  listening: { server: Server; uri: string; takeOver: FastPathHandOver['takeOver'] },
  onNextSent: () => void,
): FastPathHandOver {
  const id = { 'lambda-extension-identifier': extensionId };
  const subscription = send(
    `http://${runtimeApi}/${settings.apiVersion}/telemetry`,
    'PUT',
    id,
    subscriptionBody(settings, listening.uri),
  );
  const firstNext = subscription
    .then(
      () => undefined,
      () => undefined,
    )
    .then(() =>
      send(`http://${runtimeApi}/2020-01-01/extension/event/next`, 'GET', id, undefined, onNextSent),
    );
  // Read by main; not unhandled rejections meanwhile.
  subscription.catch(() => undefined);
  firstNext.catch(() => undefined);
  return { ...listening, subscription, firstNext };
}
