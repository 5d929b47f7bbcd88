/**
 * Benchmark of the local tap: NDJSON rows/s accepted over loopback (validated, fsynced) and rows/s
 * converted to ZSTD Parquet, each beside a baseline measured in the same run:
 * - accepted: a bare node:http server that reads the body and answers 200 (no checks, no disk);
 * - converted: DuckDB alone running the same read_json_auto -> COPY ... (FORMAT parquet, COMPRESSION zstd)
 *   on one file holding the same lines.
 *
 * Run: pnpm run bench (options: BENCH_ROWS, BENCH_BODY_KIB, BENCH_CONCURRENCY).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLocalTap } from '../src/index.js';

const { BENCH_ROWS, BENCH_BODY_KIB, BENCH_CONCURRENCY } = process.env;
const ROWS = Number(BENCH_ROWS ?? 200_000);
const BODY_BYTES = Number(BENCH_BODY_KIB ?? 256) * 1024;
const CONCURRENCY = Number(BENCH_CONCURRENCY ?? 4);

function line(index: number): string {
  const requestId = `8f5c${(index % 97).toString(16).padStart(4, '0')}-1c2d-4e5f-9a0b-1234567890ab`;
  return JSON.stringify({
    id: `${requestId}:${index}`,
    time: new Date(Date.UTC(2024, 0, 1) + index).toISOString(),
    type: index % 10 === 0 ? 'platform.report' : 'function',
    functionName: 'bench-function',
    region: 'eu-west-1',
    requestId,
    level: index % 50 === 0 ? 'ERROR' : 'INFO',
    message: `handled item ${index} of the batch with some ordinary log text`,
    record: JSON.stringify({ timestamp: index, level: 'INFO', message: `item ${index}` }),
  });
}

function bodies(): { bodies: Buffer[]; bytes: number } {
  const out: Buffer[] = [];
  let current: string[] = [];
  let size = 0;
  let bytes = 0;
  for (let index = 0; index < ROWS; index++) {
    const text = line(index);
    current.push(text);
    size += text.length + 1;
    if (size >= BODY_BYTES) {
      out.push(Buffer.from(`${current.join('\n')}\n`));
      bytes += size;
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) {
    out.push(Buffer.from(`${current.join('\n')}\n`));
    bytes += size;
  }
  return { bodies: out, bytes };
}

async function postAll(url: string, payloads: Buffer[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < payloads.length) {
      const body = payloads[next++] as Buffer;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      if (status !== 200) throw new Error(`unexpected status ${status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return performance.now() - started;
}

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.end('{"statusCode":200}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function rate(rows: number, ms: number): string {
  return `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'local-tap-bench-'));
  const { bodies: payloads, bytes } = bodies();
  console.log(
    `local-tap bench: ${ROWS.toLocaleString('en-US')} rows, ${(bytes / 1024 / 1024).toFixed(1)} MiB NDJSON, ` +
      `${payloads.length} bodies of ~${BODY_BYTES / 1024} KiB, ${CONCURRENCY} concurrent requests, node ${process.version}`,
  );
  try {
    const bare = await bareServer();
    await postAll(bare.url, payloads.slice(0, 4));
    const bareMs = await postAll(bare.url, payloads);
    await bare.close();

    const tap = createLocalTap({
      outDir: join(dir, 'tap'),
      thresholdBytes: 1024 * 1024 * 1024,
      thresholdMs: 86_400_000,
    });
    const { url } = await tap.start();
    const acceptMs = await postAll(url, payloads);
    const convertStarted = performance.now();
    const flushed = await tap.flush();
    const convertMs = performance.now() - convertStarted;
    await tap.stop();
    if (flushed.rows !== ROWS) throw new Error(`converted ${flushed.rows} rows, expected ${ROWS}`);

    const file = join(dir, 'baseline.ndjson');
    await writeFile(file, Buffer.concat(payloads));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const baselineStarted = performance.now();
    await connection.run(
      `COPY (SELECT * FROM read_json_auto('${file}', format='newline_delimited', maximum_depth=2, union_by_name=true, ignore_errors=true)) ` +
        `TO '${join(dir, 'baseline.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    const baselineMs = performance.now() - baselineStarted;
    connection.closeSync();
    instance.closeSync();

    const rows: Array<[string, string, string]> = [
      [
        'accepted: baseline (bare node:http, no checks, no disk)',
        `${bareMs.toFixed(0)} ms`,
        rate(ROWS, bareMs),
      ],
      [
        'accepted: local tap (checks + buffer file + fsync)',
        `${acceptMs.toFixed(0)} ms`,
        rate(ROWS, acceptMs),
      ],
      [
        'converted: baseline (DuckDB COPY alone, one file)',
        `${baselineMs.toFixed(0)} ms`,
        rate(ROWS, baselineMs),
      ],
      [
        'converted: local tap flush() (count, __bd_ts, fsync)',
        `${convertMs.toFixed(0)} ms`,
        rate(ROWS, convertMs),
      ],
    ];
    for (const [name, time, speed] of rows)
      console.log(`${name.padEnd(56)} ${time.padStart(9)}  ${speed.padStart(18)}`);
    console.log(
      `ratios: accept ${(acceptMs / bareMs).toFixed(2)}x the baseline time, convert ${(convertMs / baselineMs).toFixed(2)}x`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
