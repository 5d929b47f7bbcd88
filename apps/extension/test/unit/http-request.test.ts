import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/http-request.js';

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, header: req.headers['x-test'] ?? null, body }));
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('httpRequest', () => {
  it('sends the method, headers and body, and gives the status and text', async () => {
    const response = await httpRequest(`${base}/x`, {
      method: 'PUT',
      headers: { 'x-test': 'yes' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toEqual({ method: 'PUT', header: 'yes', body: '{"a":1}' });
    const missing = await httpRequest(new URL(`${base}/missing`));
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.text())).toMatchObject({ method: 'GET', body: '' });
  });

  it('rejects other protocols, refused connections and aborts', async () => {
    await expect(httpRequest('https://127.0.0.1:1/')).rejects.toThrow(/only http: URLs/);
    await expect(httpRequest('http://127.0.0.1:1/')).rejects.toThrow();
    await expect(httpRequest(`${base}/x`, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
