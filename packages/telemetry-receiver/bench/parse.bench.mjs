// Parse + validate of ~1 MB Telemetry API batches against a bare JSON.parse of the same bytes.
// Run after `pnpm run build`:  pnpm run bench   (or: node bench/parse.bench.mjs)
// Target (issue 4): parseTelemetryBatch costs no more than 2x JSON.parse, measured in the same run.
import { Buffer, isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { parseTelemetryBatch, telemetryRecordSchema } from '../dist/index.js';

const TARGET_BYTES = 1_000_000;
const ROUNDS = Number(process.argv[2] ?? 15);

/** A realistic mix: mostly text and JSON function logs, one invocation's platform records every 20 lines. */
function makeBatch(seed) {
  const records = [];
  let bytes = 2;
  let n = 0;
  let requestId = '';
  const time = (i) => new Date(Date.UTC(2024, 0, 1) + seed * 1_000_000 + i * 7).toISOString();
  while (bytes < TARGET_BYTES) {
    if (n % 20 === 0) {
      requestId = `6d68ca91-49c9-448d-89b8-${String(seed * 100_000 + n).padStart(12, '0')}`;
      records.push(
        {
          time: time(n),
          type: 'platform.start',
          record: {
            requestId,
            version: '$LATEST',
            tracing: {
              spanId: '24cd7d670fa455f0',
              type: 'X-Amzn-Trace-Id',
              value: 'Root=1-63441c4a-abcdef012345678912345678;Parent=24cd7d670fa455f0;Sampled=1',
            },
          },
        },
        {
          time: time(n + 1),
          type: 'platform.runtimeDone',
          record: {
            requestId,
            status: 'success',
            metrics: { durationMs: 12.5, producedBytes: 52 },
            spans: [
              { name: 'responseLatency', start: time(n), durationMs: 11.1 },
              { name: 'responseDuration', start: time(n), durationMs: 0.2 },
            ],
          },
        },
        {
          time: time(n + 2),
          type: 'platform.report',
          record: {
            requestId,
            status: 'success',
            metrics: { durationMs: 13.2, billedDurationMs: 14, memorySizeMB: 128, maxMemoryUsedMB: 71 },
          },
        },
      );
    } else if (n % 3 === 0) {
      records.push({
        time: time(n),
        type: 'function',
        record: {
          timestamp: time(n),
          level: 'INFO',
          requestId,
          message: `processed item ${n} of order ${seed}-${n * 31} with status ok`,
          orderId: `o-${n}`,
        },
      });
    } else {
      records.push({
        time: time(n),
        type: 'function',
        record: `${time(n)}\t${requestId}\tINFO\tprocessed item ${n}: {"sku":"A-${n}","qty":${n % 7},"note":"tab\\tand quote \\" inside"}\n`,
      });
    }
    bytes += JSON.stringify(records[records.length - 1]).length + 1;
    n += 1;
  }
  return records;
}

const batches = Array.from({ length: 8 }, (_, i) => {
  const records = makeBatch(i + 1);
  const text = JSON.stringify(records);
  return { count: records.length, text, buffer: Buffer.from(text, 'utf8') };
});
// What Lambda sends by default (MAX_BYTES 262144): ~256 KB bodies, here of 8 KB text log lines.
const largeLines = Array.from({ length: 8 }, (_, i) => {
  const records = Array.from({ length: 31 }, (_, n) => ({
    time: new Date(Date.UTC(2024, 0, 1) + i * 1000 + n).toISOString(),
    type: 'function',
    record: `2024-01-01T00:00:00.000Z\t6d68ca91-49c9-448d-89b8-${String(i).padStart(12, '0')}\tINFO\tline ${n} ${'x'.repeat(8100)}\n`,
  }));
  return Buffer.from(JSON.stringify(records), 'utf8');
});
const totalBytes = batches.reduce((sum, b) => sum + b.buffer.byteLength, 0);
const largeBytes = largeLines.reduce((sum, b) => sum + b.byteLength, 0);
const totalRecords = batches.reduce((sum, b) => sum + b.count, 0);

let sink = 0;
const cases = {
  'JSON.parse(string)': () => {
    for (const b of batches) sink += JSON.parse(b.text).length;
  },
  'parseTelemetryBatch(string)': () => {
    for (const b of batches) sink += parseTelemetryBatch(b.text).length;
  },
  'Buffer -> JSON.parse': () => {
    for (const b of batches) sink += JSON.parse(b.buffer.toString('utf8')).length;
  },
  'listener path: isUtf8 + parseTelemetryBatch(Buffer)': () => {
    for (const b of batches) {
      if (!isUtf8(b.buffer)) throw new Error('unexpected');
      sink += parseTelemetryBatch(b.buffer).length;
    }
  },
  '256 KB bodies of 8 KB lines: Buffer -> JSON.parse': () => {
    for (const b of largeLines) sink += JSON.parse(b.toString('utf8')).length;
  },
  '256 KB bodies of 8 KB lines: listener path': () => {
    for (const b of largeLines) {
      if (!isUtf8(b)) throw new Error('unexpected');
      sink += parseTelemetryBatch(b).length;
    }
  },
  'zod telemetryRecordSchema per record (full, info only)': () => {
    for (const b of batches) {
      for (const record of JSON.parse(b.text)) if (telemetryRecordSchema.safeParse(record).success) sink += 1;
    }
  },
};

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const run of Object.values(cases)) run(); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    run();
    samples[name].push(performance.now() - start);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `telemetry-receiver parse benchmark: node ${process.version}, ${batches.length} batches per round,`,
);
console.log(
  `${(totalBytes / batches.length / 1e6).toFixed(2)} MB and ${Math.round(totalRecords / batches.length)} records per batch, ${ROUNDS} rounds (median)`,
);
const rows = [];
const result = {};
for (const [name, values] of Object.entries(samples)) {
  const ms = median(values);
  result[name] = ms;
  rows.push({
    case: name,
    'ms/round': ms.toFixed(1),
    'records/s': name.startsWith('256 KB')
      ? Math.round(((largeLines.length * 31) / ms) * 1000).toLocaleString('en-US')
      : Math.round((totalRecords / ms) * 1000).toLocaleString('en-US'),
    'MB/s': (((name.startsWith('256 KB') ? largeBytes : totalBytes) / 1e6 / ms) * 1000).toFixed(1),
  });
}
console.table(rows);
const ratio = result['parseTelemetryBatch(string)'] / result['JSON.parse(string)'];
const listenerRatio =
  result['listener path: isUtf8 + parseTelemetryBatch(Buffer)'] / result['Buffer -> JSON.parse'];
const largeRatio =
  result['256 KB bodies of 8 KB lines: listener path'] /
  result['256 KB bodies of 8 KB lines: Buffer -> JSON.parse'];
const zodRatio =
  result['zod telemetryRecordSchema per record (full, info only)'] / result['JSON.parse(string)'];
console.log(
  `ratio parseTelemetryBatch / JSON.parse (string):          ${ratio.toFixed(2)}x (target <= 2x) ${ratio <= 2 ? 'OK' : 'OVER TARGET'}`,
);
console.log(
  `ratio listener path / Buffer -> JSON.parse (from bytes):  ${listenerRatio.toFixed(2)}x (target <= 2x) ${listenerRatio <= 2 ? 'OK' : 'OVER TARGET'}`,
);
console.log(
  `ratio listener path / Buffer -> JSON.parse (8 KB lines):  ${largeRatio.toFixed(2)}x (target <= 2x) ${largeRatio <= 2 ? 'OK' : 'OVER TARGET'}`,
);
console.log(`ratio JSON.parse + zod per record / JSON.parse (info):    ${zodRatio.toFixed(2)}x`);
if (sink === 0) console.log('');
