// Push + cut throughput and heap per buffered byte of @data-taps/telemetry-buffer, each beside a
// baseline in the same run: a bare array push of JSON.stringify(record) and a join per batch.
// Run: pnpm run bench   (builds, then node --expose-gc bench/buffer.bench.mjs)
import { createTelemetryBuffer } from '../dist/index.js';

const RECORDS = Number(process.argv[2] ?? 200_000);
const MAX_ITEMS = 1_000;
// records arrive in POSTs of CHUNK records (like Telemetry API deliveries); both runs yield to the
// event loop after each chunk, as a listener does between requests
const CHUNK = 100;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const ROUNDS = 5;

function makeRecord(i, size) {
  const base = {
    time: '2024-05-01T10:00:00.000Z',
    type: 'function',
    requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
    i,
  };
  const overhead = JSON.stringify({ ...base, record: '' }).length;
  return { ...base, record: 'x'.repeat(Math.max(0, size - overhead - String(i).length + 1)) };
}

function records(size, count) {
  return Array.from({ length: count }, (_, i) => makeRecord(i, size));
}

function chunked(items) {
  const chunks = [];
  for (let at = 0; at < items.length; at += CHUNK) chunks.push(items.slice(at, at + CHUNK));
  return chunks;
}

async function baselineRun(chunks) {
  let pending = [];
  let sink = 0;
  for (const chunk of chunks) {
    for (const item of chunk) {
      pending.push(JSON.stringify(item));
      if (pending.length >= MAX_ITEMS) {
        sink += `${pending.join('\n')}\n`.length;
        pending = [];
      }
    }
    await turn();
  }
  if (pending.length > 0) sink += `${pending.join('\n')}\n`.length;
  return sink;
}

async function bufferRun(chunks) {
  let sink = 0;
  const buffer = createTelemetryBuffer(
    {
      maxItems: MAX_ITEMS,
      maxBytes: 64 * 1024 * 1024,
      maxAgeMs: 3_600_000,
      capacity: { maxRecords: 10_000_000, maxBytes: 8 * 1024 ** 3 },
      autoFlush: true,
    },
    {
      flush: async (batch) => {
        sink += `${batch.lines.join('\n')}\n`.length;
      },
    },
  );
  for (const chunk of chunks) {
    buffer.push(chunk);
    await turn();
  }
  await buffer.flush('end');
  await buffer.close();
  return sink;
}

function best(times) {
  return Math.min(...times);
}

async function throughput(size) {
  const items = records(size, RECORDS);
  const chunks = chunked(items);
  const bytes = items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)) + 1, 0);
  const base = [];
  const ours = [];
  for (let round = 0; round < ROUNDS; round++) {
    globalThis.gc?.();
    let start = process.hrtime.bigint();
    await baselineRun(chunks);
    base.push(Number(process.hrtime.bigint() - start) / 1e9);
    globalThis.gc?.();
    start = process.hrtime.bigint();
    await bufferRun(chunks);
    ours.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const b = best(base);
  const o = best(ours);
  return {
    size,
    baselineRps: RECORDS / b,
    bufferRps: RECORDS / o,
    baselineMBps: bytes / b / 1e6,
    bufferMBps: bytes / o / 1e6,
    ratio: o / b,
  };
}

function heapNow() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function heap(size) {
  const count = Math.floor((40 * 1024 * 1024) / size);
  let payload = 0;
  // baseline: the same lines kept in a bare array
  let before = heapNow();
  const lines = [];
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify(makeRecord(i, size));
    payload += Buffer.byteLength(line) + 1;
    lines.push(line);
  }
  const baselineBytes = heapNow() - before;
  lines.length = 0;
  before = heapNow();
  const buffer = createTelemetryBuffer(
    {
      maxItems: 1_000_000,
      maxBytes: 1024 ** 3,
      maxAgeMs: 3_600_000,
      capacity: { maxRecords: 10_000_000, maxBytes: 8 * 1024 ** 3 },
      autoFlush: false,
    },
    { flush: async () => undefined },
  );
  for (let i = 0; i < count; i++) buffer.push(makeRecord(i, size));
  const bufferBytes = heapNow() - before;
  const buffered = buffer.stats().buffered;
  return {
    size,
    records: count,
    payload,
    baselinePerByte: baselineBytes / payload,
    bufferPerByte: bufferBytes / buffered.bytes,
  };
}

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc (pnpm run bench does)');
  process.exit(1);
}

console.log(
  `node ${process.version}, ${RECORDS} records per run, pushed ${CHUNK} per call, batches of ${MAX_ITEMS}, best of ${ROUNDS}`,
);
console.log('\npush + cut throughput');
console.log(
  'record  baseline rec/s  buffer rec/s  baseline MB/s  buffer MB/s  buffer/baseline time (target < 2x)',
);
for (const size of [200, 2048]) {
  const r = await throughput(size);
  console.log(
    `${String(r.size).padStart(5)} B  ${Math.round(r.baselineRps).toLocaleString('en').padStart(14)}  ${Math.round(r.bufferRps).toLocaleString('en').padStart(12)}  ${r.baselineMBps.toFixed(1).padStart(13)}  ${r.bufferMBps.toFixed(1).padStart(11)}  ${r.ratio.toFixed(2)}x`,
  );
}
console.log('\nheap bytes per buffered payload byte (target < 1.5)');
console.log('record  records   payload MB  baseline (array of lines)  buffer');
for (const size of [200, 2048]) {
  const r = heap(size);
  console.log(
    `${String(r.size).padStart(5)} B  ${String(r.records).padStart(7)}  ${(r.payload / 1e6).toFixed(1).padStart(11)}  ${r.baselinePerByte.toFixed(3).padStart(25)}  ${r.bufferPerByte.toFixed(3)}`,
  );
}
