'use strict';
/**
 * Stands in for `pino-std-serializers` in the extension's bundle (see tsup.config.ts): pino requires
 * it at load for its default `err` serializer and for logging Node's http request and response
 * objects, which the extension never logs. This keeps what a log line of an error needs (type,
 * message, stack, the error's own fields, its `cause` chain and an AggregateError's `errors`) and a
 * short form of a request or response, in 60 lines instead of 4.6 KB.
 */
function err(error, seen = new Set()) {
  if (!(error instanceof Error)) return error;
  seen.add(error);
  // An error inside this one (a field or its cause): serialized too, once per chain.
  const nested = (value) =>
    value instanceof Error ? (seen.has(value) ? '[Circular]' : err(value, seen)) : value;
  const out = { type: error.constructor?.name ?? 'Error', message: error.message, stack: error.stack };
  for (const key of Object.keys(error)) {
    if (key !== 'cause' && key !== 'errors') out[key] = nested(error[key]);
  }
  if (error.cause !== undefined) out.cause = nested(error.cause);
  if (Array.isArray(error.errors)) out.aggregateErrors = error.errors.map((e) => err(e, seen));
  return out;
}

function req(request) {
  const socket = request.socket ?? request.connection;
  return {
    method: request.method,
    url: request.originalUrl ?? request.url,
    headers: request.headers,
    remoteAddress: socket?.remoteAddress,
    remotePort: socket?.remotePort,
  };
}

function res(response) {
  return {
    statusCode: response.headersSent ? response.statusCode : null,
    headers: typeof response.getHeaders === 'function' ? response.getHeaders() : response._headers,
  };
}

const wrap = (serializer) => (custom) => (value) => custom(serializer(value));

module.exports = {
  err,
  errWithCause: err,
  req,
  res,
  mapHttpRequest: (request) => ({ req: req(request) }),
  mapHttpResponse: (response) => ({ res: res(response) }),
  wrapErrorSerializer: wrap(err),
  wrapRequestSerializer: wrap(req),
  wrapResponseSerializer: wrap(res),
};
