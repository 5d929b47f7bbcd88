import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpRequest, IDLE_REUSE_MS } from '../../src/http-request.js';

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    if (req.url === '/redirect') {
      res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
      res.write('x'.repeat(70_000));
      res.end('y'.repeat(70_000));
      return;
    }
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        method: req.method,
        header: req.headers['x-test'] ?? null,
        length: req.headers['content-length'] ?? null,
        body,
      }),
    );
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('httpRequest', () => {
  it('sends the method, headers and a string or byte body, and gives the status, headers and text', async () => {
    const response = await httpRequest(`${base}/x`, {
      method: 'PUT',
      headers: { 'x-test': 'yes' },
      body: '{"a":"é"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('retry-after')).toBeNull();
    expect(JSON.parse(await response.text())).toEqual({
      method: 'PUT',
      header: 'yes',
      length: '10',
      body: '{"a":"é"}',
    });
    await expect(response.text()).rejects.toThrow(/already read/);

    const bytes = await httpRequest(`${base}/x`, { method: 'POST', body: Buffer.from('abc') });
    expect(JSON.parse(await bytes.text())).toMatchObject({ method: 'POST', length: '3', body: 'abc' });
    const missing = await httpRequest(new URL(`${base}/missing`));
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.text())).toMatchObject({ method: 'GET', length: null, body: '' });
  });

  it('streams the body through a reader that can be cancelled, and never follows a redirect', async () => {
    const big = await httpRequest(`${base}/big`);
    expect(big.headers.get('set-cookie')).toBe('a=1, b=2');
    const reader = big.body.getReader();
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
    }
    expect(read).toBe(140_000);
    const again = await httpRequest(`${base}/big`);
    await again.body.getReader().cancel();
    const redirect = await httpRequest(`${base}/redirect`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere');
  });

  it('rejects other protocols, refused connections and aborts', async () => {
    await expect(httpRequest('ftp://127.0.0.1:1/')).rejects.toThrow(/only http: and https:/);
    await expect(httpRequest('http://127.0.0.1:1/')).rejects.toThrow();
    await expect(httpRequest('https://127.0.0.1:1/')).rejects.toThrow();
    await expect(httpRequest(`${base}/x`, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe('httpRequest: kept-alive connections', () => {
  it('reuses a connection under steady traffic, and opens a new one after an idle gap (a freeze)', async () => {
    const counting = createServer((_req, res) => res.end('ok'));
    let connections = 0;
    counting.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(counting.address() as AddressInfo).port}/`;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(1_000_000);
      expect(await (await httpRequest(url)).text()).toBe('ok');
      expect(await (await httpRequest(url)).text()).toBe('ok');
      expect(connections).toBe(1);
      // The wall clock jumps past the idle limit, as across a frozen environment.
      vi.setSystemTime(1_000_000 + IDLE_REUSE_MS + 1);
      expect(await (await httpRequest(url)).text()).toBe('ok');
      expect(connections).toBe(2);
    } finally {
      vi.useRealTimers();
      counting.closeAllConnections();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });
});
