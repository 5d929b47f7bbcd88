// Baseline for the benchmarks: the least an external extension can do. It registers for INVOKE and
// SHUTDOWN and calls next again at once, with node:http only (no bundle, no libraries).
import { request } from 'node:http';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = undefined;

function call(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const [host, port] = api.split(':');
    const req = request(
      { host, port, method, path: `/2020-01-01/extension/${path}`, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const registered = await call(
  'POST',
  'register',
  { 'Lambda-Extension-Name': 'noop-extension', 'content-type': 'application/json' },
  JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }),
);
const id = registered.headers['lambda-extension-identifier'];
for (;;) {
  const event = JSON.parse((await call('GET', 'event/next', { 'Lambda-Extension-Identifier': id })).body);
  if (event.eventType === 'SHUTDOWN') process.exit(0);
}
