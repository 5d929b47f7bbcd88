// The demo's sample function: a small order service that logs the way real functions do.
// - kind "text": plain console logging (Lambda's text layout);
// - kind "json": structured JSON lines, as pino or Powertools write them;
// - kind "error": throws, so the invocation fails and the runtime logs the error.
let invocations = 0;

export const handler = async (event) => {
  invocations += 1;
  const kind = event?.kind ?? 'text';
  const orderId = event?.orderId ?? `order-${invocations}`;
  if (kind === 'error') {
    console.error(`order ${orderId}: payment provider unavailable`);
    throw new Error(`payment failed for ${orderId}`);
  }
  if (kind === 'json') {
    console.log(
      JSON.stringify({
        level: 'info',
        message: 'order placed',
        orderId,
        items: event?.items ?? 1,
        service: 'orders',
      }),
    );
    console.log(JSON.stringify({ level: 'debug', message: 'cache hit', orderId, service: 'orders' }));
  } else {
    console.log(`placing order ${orderId}`);
    console.info(`order ${orderId} placed with ${event?.items ?? 1} item(s)`);
    if (invocations % 10 === 0) console.warn(`order ${orderId}: slow inventory lookup`);
  }
  return { statusCode: 200, body: JSON.stringify({ orderId, ok: true }) };
};
