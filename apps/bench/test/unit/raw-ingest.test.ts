import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ndjsonBody, runRawIngest } from '../../src/raw-ingest.mjs';

describe('ndjsonBody', () => {
  it('makes lines of exactly the asked size, newline included, each a JSON object', () => {
    const { body, lines } = ndjsonBody('raw-small', 120, 3);
    expect(lines).toBe(3);
    const parts = body.split('\n');
    expect(parts.pop()).toBe('');
    expect(parts).toHaveLength(3);
    for (const [i, line] of parts.entries()) {
      expect(Buffer.byteLength(line) + 1).toBe(120);
      expect(JSON.parse(line)).toMatchObject({ type: 'raw', functionName: 'raw-small', i });
    }
  });
});

describe('runRawIngest', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function server(status: number) {
    const seen: { headers: Record<string, unknown>; bytes: number }[] = [];
    const srv = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, bytes });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(`{"statusCode":${status}}`);
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => srv.close(() => resolve()));
    const { port } = srv.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/`, seen };
  }

  it('POSTs NDJSON with the token until the duration is over and counts what was accepted', async () => {
    const { url, seen } = await server(200);
    const run = await runRawIngest({
      url,
      token: 't0k',
      label: 'x',
      lineBytes: 100,
      linesPerBody: 10,
      durationMs: 30,
    });
    expect(run.requests).toBeGreaterThan(0);
    expect(run.requests).toBe(seen.length);
    expect(run.lines).toBe(10 * run.requests);
    expect(run.bytes).toBe(1000 * run.requests);
    expect(seen[0]?.headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'x-bd-authorization': 't0k',
    });
    expect(seen[0]?.bytes).toBe(1000);
  });

  it('fails when the tap refuses a body', async () => {
    const { url } = await server(403);
    await expect(
      runRawIngest({ url, token: 'bad', label: 'x', lineBytes: 100, linesPerBody: 1, durationMs: 30 }),
    ).rejects.toThrow(/answered 403/);
  });
});
