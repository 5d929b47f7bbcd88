// The demo's sample function: a small order service that logs the way real functions do.
// - at load (Init): one console line, which Lambda's Node runtime writes with request id `undefined`;
// - kind "text": plain console logging (Lambda's text layout), a warning every tenth invocation;
// - kind "json": a structured line as AWS Lambda Powertools' Logger writes it (straight to stdout,
//   not through console, with `function_request_id`), and a console line whose message is JSON;
// - kind "error": logs an error and throws, so the invocation fails and the runtime logs the error.
console.log('order service loaded');

let invocations = 0;
let coldStart = true;

/**
 * One structured log line in the shape AWS Lambda Powertools' Logger writes.
 * @param {string} level
 * @param {string} message
 * @param {{ awsRequestId?: string, functionName?: string }} context
 * @param {Record<string, unknown>} extra
 */
function powertoolsLine(level, message, context, extra) {
  const line = {
    level,
    message,
    timestamp: new Date().toISOString(),
    service: 'orders',
    cold_start: coldStart,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * @param {{ kind?: string, orderId?: string, items?: number } | undefined} event
 * @param {{ awsRequestId?: string, functionName?: string }} context
 */
export const handler = async (event, context) => {
  invocations += 1;
  const kind = event?.kind ?? 'text';
  const orderId = event?.orderId ?? `order-${invocations}`;
  const items = event?.items ?? 1;
  try {
    if (kind === 'error') {
      console.error(`order ${orderId}: payment provider unavailable`);
      throw new Error(`payment failed for ${orderId}`);
    }
    if (kind === 'json') {
      powertoolsLine('INFO', 'order placed', context ?? {}, { orderId, items });
      console.log(JSON.stringify({ level: 'debug', message: 'cache hit', orderId, service: 'orders' }));
    } else {
      console.log(`placing order ${orderId}`);
      console.info(`order ${orderId} placed with ${items} item(s)`);
      if (invocations % 10 === 0) console.warn(`order ${orderId}: slow inventory lookup`);
    }
    return { statusCode: 200, body: JSON.stringify({ orderId, ok: true }) };
  } finally {
    coldStart = false;
  }
};
