// Floor for the cold start benchmark: the least an extension can do to be registered and
// subscribed. node:http only, CommonJS (as the bundle is), no validation, no logging, no buffer:
// register, listen, subscribe, then answer telemetry with 200 and loop on `next`.
const http = require('node:http');

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const call = (method, path, headers, body) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });

(async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  const listening = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const registered = await call(
    'POST',
    '/2020-01-01/extension/register',
    { 'Lambda-Extension-Name': 'subscribe-only', 'content-type': 'application/json' },
    JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }),
  );
  await listening;
  const id = registered.headers['lambda-extension-identifier'];
  await call(
    'PUT',
    '/2022-07-01/telemetry',
    { 'Lambda-Extension-Identifier': id, 'content-type': 'application/json' },
    JSON.stringify({
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: `http://127.0.0.1:${server.address().port}` },
      types: ['platform', 'function', 'extension'],
      buffering: { maxItems: 10000, maxBytes: 262144, timeoutMs: 25 },
    }),
  );
  for (;;) {
    const event = JSON.parse(
      (await call('GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': id })).body,
    );
    if (event.eventType === 'SHUTDOWN') process.exit(0);
  }
})();
