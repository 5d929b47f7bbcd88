/**
 * Registration with the Extensions API using `node:http` and nothing else. The eager entry
 * (src/entry.ts, the layer's `index.cjs`) sends it first, before the rest of the extension
 * (`main.cjs`: zod, the configuration, the listener, the pipeline) is loaded. Lambda starts the
 * runtime once every extension has registered, so this extension then holds the runtime back no
 * longer than a no-op extension does. The rest takes the outcome over (runExtension's
 * `registration`) and does not register again.
 *
 * Only the variables registration needs are read, as src/config.ts reads them (a test checks that
 * both give the same answers): AWS_LAMBDA_RUNTIME_API, and EXTENSION_NAME with its default (an
 * invalid name reads as the default, as the configuration's lifecycle fallback does). When Lambda
 * refuses the name, registration is tried again under the executable's file name (the launcher's).
 * Failures carry the names and messages of `@data-taps/extensions-api`'s errors (a test checks
 * both against the same answers), so the log reads the same whichever one registered.
 */
import { request } from 'node:http';
import { finished } from 'node:stream';

/** The extension's executable file name in the layer, and so its default registration name. */
export const DEFAULT_EXTENSION_NAME = 'data-taps-lambda-extension';
// The checks of src/config.ts for these two variables.
const RUNTIME_API_PATTERN = /^[A-Za-z0-9.[\]:-]+:\d{1,5}$/;
const EXTENSION_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const REGISTER_BODY = '{"events":["INVOKE","SHUTDOWN"]}';

/** Where and under which names to register. */
export interface RegistrationTarget {
  runtimeApi: string;
  extensionName: string;
  /** The launcher's file name, tried when Lambda refuses `extensionName`. */
  executableName?: string | undefined;
}

/** A registration Lambda accepted. */
export interface Registration {
  /** The name it was accepted under. */
  extensionName: string;
  extensionId: string;
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId?: string;
}

/** What {@link register} ends with. */
export type RegistrationOutcome =
  | { ok: true; registration: Registration; refused?: RefusedName }
  | { ok: false; error: Error; refused?: RefusedName };

/** EXTENSION_NAME refused by Lambda, before the executable's name was tried. */
export interface RefusedName {
  extensionName: string;
  executableName: string;
  error: Error;
}

/**
 * What registration needs from the environment; `undefined` when AWS_LAMBDA_RUNTIME_API is unset or
 * invalid (then nothing can be registered, and the configuration says why).
 * @example
 * registrationTarget({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }, 'data-taps-lambda-extension');
 * // { runtimeApi: '127.0.0.1:9001', extensionName: 'data-taps-lambda-extension', executableName: ... }
 */
export function registrationTarget(
  env: Readonly<Record<string, string | undefined>>,
  executableName: string | undefined,
): RegistrationTarget | undefined {
  const runtimeApi = env['AWS_LAMBDA_RUNTIME_API'];
  if (runtimeApi === undefined || !RUNTIME_API_PATTERN.test(runtimeApi)) return undefined;
  const name = env['EXTENSION_NAME'];
  const extensionName =
    name !== undefined && EXTENSION_NAME_PATTERN.test(name) ? name : DEFAULT_EXTENSION_NAME;
  return { runtimeApi, extensionName, executableName };
}

/**
 * Registers as the environment says ({@link registrationTarget}); resolves with `undefined`, having
 * sent nothing, when AWS_LAMBDA_RUNTIME_API is unset or invalid. `onSent` as in {@link register}
 * (called at once when there is nothing to send).
 * @example
 * const registering = registerFromEnvironment(process.env, process.argv[2]);
 */
export function registerFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  executableName: string | undefined,
  onSent?: () => void,
): Promise<RegistrationOutcome | undefined> {
  const target = registrationTarget(env, executableName);
  if (target) return register(target, onSent);
  onSent?.();
  return Promise.resolve(undefined);
}

/**
 * Registers for INVOKE and SHUTDOWN (asking for the account id); when Lambda refuses the name and the
 * executable's differs, registers under that one. Never rejects. `onSent` is called once, when the
 * first request has been written to its socket (or has failed): the moment to load the rest of the
 * extension while Lambda answers.
 * @example
 * const outcome = await register(target, () => require('./main.cjs'));
 */
export async function register(
  target: RegistrationTarget,
  onSent?: () => void,
): Promise<RegistrationOutcome> {
  const first = await attempt(target.runtimeApi, target.extensionName, onSent);
  const fallback = target.executableName;
  if (first.ok || !fallback || fallback === target.extensionName) return first;
  const refused: RefusedName = {
    extensionName: target.extensionName,
    executableName: fallback,
    error: first.error,
  };
  return { ...(await attempt(target.runtimeApi, fallback)), refused };
}

type Attempt = { ok: true; registration: Registration } | { ok: false; error: Error };

function attempt(runtimeApi: string, extensionName: string, onSent?: () => void): Promise<Attempt> {
  const url = `http://${runtimeApi}/2020-01-01/extension/register`;
  return new Promise<Attempt>((resolve) => {
    let sent = false;
    const markSent = () => {
      if (sent) return;
      sent = true;
      onSent?.();
    };
    const fail = (cause: unknown) => {
      const reason = cause instanceof Error ? cause.message : String(cause);
      resolve({
        ok: false,
        error: named(
          'ExtensionsApiConnectionError',
          `Extensions API register request to ${url} failed: ${reason}`,
        ),
      });
      markSent();
    };
    let req: ReturnType<typeof request>;
    try {
      req = request(
        url,
        {
          method: 'POST',
          // No keep-alive: the rest of the extension talks to the API through its own client.
          agent: false,
          headers: {
            'lambda-extension-name': extensionName,
            'lambda-extension-accept-feature': 'accountId',
            'content-type': 'application/json',
            'content-length': REGISTER_BODY.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          // `finished` also reports an answer cut short (as the library's transport does).
          finished(res, (error) =>
            error
              ? fail(error)
              : resolve(
                  answer(
                    extensionName,
                    url,
                    res.statusCode ?? 0,
                    res.headers,
                    Buffer.concat(chunks).toString('utf8'),
                  ),
                ),
          );
        },
      );
    } catch (error) {
      // Such as a host:port that is no URL.
      fail(error);
      return;
    }
    req.on('error', fail);
    req.on('finish', markSent);
    req.end(REGISTER_BODY);
  });
}

/** Reads the answer as `@data-taps/extensions-api`'s `register()` does. */
function answer(
  extensionName: string,
  url: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): Attempt {
  if (status < 200 || status > 299) return { ok: false, error: httpError(url, status, body) };
  const id = headers['lambda-extension-identifier'];
  const extensionId = Array.isArray(id) ? id.join(', ') : id;
  if (!extensionId) return invalid(status, ['missing Lambda-Extension-Identifier header']);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return invalid(status, ['body is not JSON']);
  }
  if (typeOf(json) !== 'object') return invalid(status, [`body: ${expected('object', json)}`]);
  const fields = json as Record<string, unknown>;
  const issues: string[] = [];
  for (const key of ['functionName', 'functionVersion', 'handler'] as const) {
    if (typeof fields[key] !== 'string') issues.push(`${key}: ${expected('string', fields[key])}`);
  }
  const accountId = fields['accountId'];
  if (accountId !== undefined && typeof accountId !== 'string') {
    issues.push(`accountId: ${expected('string', accountId)}`);
  }
  if (issues.length > 0) return invalid(status, issues);
  const registration: Registration = {
    extensionName,
    extensionId,
    functionName: fields['functionName'] as string,
    functionVersion: fields['functionVersion'] as string,
    handler: fields['handler'] as string,
  };
  if (typeof accountId === 'string') registration.accountId = accountId;
  return { ok: true, registration };
}

function httpError(url: string, status: number, body: string): Error {
  let errorType: unknown;
  let errorMessage: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeOf(parsed) === 'object') ({ errorType, errorMessage } = parsed as Record<string, unknown>);
  } catch {
    // no API error body
  }
  // The API's fields are used only when both are strings or absent (as the library's schema reads them).
  const usable = [errorType, errorMessage].every((v) => v === undefined || typeof v === 'string');
  const api = usable && errorType ? `: ${errorType}${errorMessage ? ` (${errorMessage})` : ''}` : '';
  const error = named('ExtensionsApiHttpError', `Extensions API register answered HTTP ${status}${api}`);
  return Object.assign(error, { statusCode: status, url });
}

function invalid(status: number, issues: string[]): Attempt {
  return {
    ok: false,
    error: named(
      'ExtensionsApiValidationError',
      `Extensions API register answered HTTP ${status} with an invalid response: ${issues.join('; ')}`,
    ),
  };
}

/** zod's English wording of a type mismatch. */
function expected(type: string, value: unknown): string {
  return `Invalid input: expected ${type}, received ${typeOf(value)}`;
}

/** A JSON value's type as zod names it. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
