// The Node runtime of @data-taps/lambda-sandbox: a small stand-in for Lambda's Node runtime
// interface client. It loads `_HANDLER` from `LAMBDA_TASK_ROOT`, loops on the Runtime API
// (2018-06-01) and writes console output the way Lambda's Node runtime does: one frame per
// console call on the telemetry log fd, as tab-separated text or as a JSON object.
import { existsSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const env = process.env;
const api = env.AWS_LAMBDA_RUNTIME_API;
const [apiHost, apiPort] = api.split(':');
const jsonFormat = env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
const telemetryFd = env._LAMBDA_TELEMETRY_LOG_FD ? Number(env._LAMBDA_TELEMETRY_LOG_FD) : undefined;
delete env._LAMBDA_TELEMETRY_LOG_FD;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const levels = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const minLevel = jsonFormat ? (levels[(env.AWS_LAMBDA_LOG_LEVEL ?? 'TRACE').toUpperCase()] ?? 0) : 0;
let requestId;
let responded = true;

function writeFrame(text) {
  if (telemetryFd === undefined) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  const buf = Buffer.from(`${JSON.stringify(text)}\n`);
  let offset = 0;
  while (offset < buf.length) {
    try {
      offset += writeSync(telemetryFd, buf, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

function errorFields(error) {
  return {
    errorType: error.name ?? error.constructor?.name ?? 'Error',
    errorMessage: error.message,
    stackTrace: String(error.stack ?? '').split('\n'),
  };
}

function log(level, args) {
  if (levels[level] < minLevel) return;
  const timestamp = new Date().toISOString();
  const message = format(...args);
  if (!jsonFormat) {
    writeFrame(`${timestamp}\t${requestId}\t${level}\t${message.replace(/\n$/, '')}\n`);
    return;
  }
  const entry = { timestamp, level, requestId, message };
  const error = args.find((a) => a instanceof Error);
  if (error) Object.assign(entry, errorFields(error));
  writeFrame(JSON.stringify(entry));
}

console.log = (...args) => log('INFO', args);
console.info = (...args) => log('INFO', args);
console.warn = (...args) => log('WARN', args);
console.error = (...args) => log('ERROR', args);
console.debug = (...args) => log('DEBUG', args);
console.trace = (...args) => log('TRACE', args);
console.fatal = (...args) => log('FATAL', args);

function request(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: Number(apiPort), method, path: `/2018-06-01${path}`, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

async function loadHandler() {
  const spec = env._HANDLER ?? '';
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  const modulePath = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split('.');
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const file = ['.mjs', '.js', '.cjs']
    .map((ext) => join(root, `${modulePath}${ext}`))
    .find((f) => existsSync(f));
  if (dot <= 0 || !file) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    const wrapped = new RuntimeError(
      error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError',
      `${error}`,
    );
    wrapped.stack = error.stack;
    throw wrapped;
  }
  const pick = (root) => exportPath.reduce((o, k) => (o == null ? undefined : o[k]), root);
  const handler = pick(mod) ?? pick(mod.default);
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return handler;
}

function errorBody(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  const { errorType, errorMessage, stackTrace } = errorFields(e);
  return { errorType, errorMessage, trace: stackTrace };
}

function invokeHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const out = handler.length >= 3 ? handler(event, context, callback) : handler(event, context);
      if (out && typeof out.then === 'function') out.then(resolve, reject);
      else if (handler.length < 3) resolve(out);
    } catch (error) {
      reject(error);
    }
  });
}

async function postError(path, error) {
  const body = errorBody(error);
  await request('POST', path, JSON.stringify(body), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': body.errorType,
  });
}

function logInvokeError(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  if (jsonFormat) {
    if (levels.ERROR < minLevel) return;
    const entry = {
      timestamp: new Date().toISOString(),
      level: 'ERROR',
      requestId,
      message: 'Invoke Error',
      ...errorFields(e),
    };
    writeFrame(JSON.stringify(entry));
  } else {
    const fields = errorFields(e);
    const text = JSON.stringify({
      errorType: fields.errorType,
      errorMessage: fields.errorMessage,
      stack: fields.stackTrace,
    });
    writeFrame(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${text}\n`);
  }
}

async function fatal(error) {
  logInvokeError(error);
  if (!responded && requestId) {
    responded = true;
    await postError(`/runtime/invocation/${requestId}/error`, error).catch(() => {});
  }
  process.exit(129);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    logInvokeError(error);
    await postError('/runtime/init/error', error);
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', '/runtime/invocation/next');
    if (next.status !== 200) throw new Error(`invocation/next answered ${next.status}`);
    const h = next.headers;
    requestId = h['lambda-runtime-aws-request-id'];
    responded = false;
    const deadline = Number(h['lambda-runtime-deadline-ms']);
    if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let outcome;
    try {
      const text = next.body.toString('utf8');
      const event = text === '' ? {} : JSON.parse(text);
      outcome = { ok: true, value: await invokeHandler(handler, event, context) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (responded) continue;
    responded = true;
    if (outcome.ok) {
      const payload = JSON.stringify(outcome.value === undefined ? null : outcome.value);
      await request('POST', `/runtime/invocation/${requestId}/response`, payload, {
        'content-type': 'application/json',
      });
    } else {
      logInvokeError(outcome.error);
      await postError(`/runtime/invocation/${requestId}/error`, outcome.error);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`lambda-sandbox bootstrap: ${error?.stack ?? error}\n`);
  process.exit(1);
});
