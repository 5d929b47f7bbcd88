// Round-trip cost of the client against the in-process fake, over real loopback sockets.
// Measures what an extension built on this client adds to PostRuntimeExtensionsDuration when it
// does nothing with the event: from the fake handing out INVOKE to the client's next `next` arriving.
// Run after a build: `pnpm run build && pnpm run bench` (or `node bench/lifecycle.bench.mjs [invocations]`).
import { createExtensionsClient } from '../dist/index.js';
import { createFakeExtensionsApi } from '../dist/testing.js';

const invocations = Number(process.argv[2] ?? 2000);
const warmup = Math.min(200, Math.floor(invocations / 10));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const api = await createFakeExtensionsApi();
const client = createExtensionsClient({ runtimeApi: api.runtimeApi, extensionName: 'bench' });

const registerStart = performance.now();
await client.register(['INVOKE', 'SHUTDOWN']);
const registerMs = performance.now() - registerStart;

const loop = (async () => {
  for (;;) {
    const event = await client.next();
    if (event.eventType === 'SHUTDOWN') return;
  }
})();
await api.waitForIdle();

for (let i = 0; i < warmup; i += 1) await api.invoke();
if (global.gc) global.gc();
const heapBefore = process.memoryUsage().heapUsed;
const perExtension = [];
const wallStart = performance.now();
for (let i = 0; i < invocations; i += 1) {
  const result = await api.invoke();
  perExtension.push(result.extensions[0].durationMs);
}
const wallMs = performance.now() - wallStart;
if (global.gc) global.gc();
const heapAfter = process.memoryUsage().heapUsed;
await api.shutdown();
await loop;
client.close();
await api.close();

perExtension.sort((a, b) => a - b);
const mean = perExtension.reduce((sum, value) => sum + value, 0) / perExtension.length;
const fmt = (value) => value.toFixed(3);
console.log(
  `extensions-api lifecycle bench (node ${process.version}, ${invocations} invocations after ${warmup} warm-up)`,
);
console.log(`register round trip           ${fmt(registerMs)} ms (first call, includes connection setup)`);
console.log(
  `INVOKE -> next round trip     p50 ${fmt(percentile(perExtension, 50))} ms  p95 ${fmt(percentile(perExtension, 95))} ms  p99 ${fmt(percentile(perExtension, 99))} ms  max ${fmt(perExtension.at(-1))} ms  mean ${fmt(mean)} ms`,
);
console.log(
  `invocations per second        ${Math.round(invocations / (wallMs / 1000))} (fake + client, one process)`,
);
console.log(
  `heap growth over the run      ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB (the fake keeps a record of every request)${global.gc ? '' : ' (run with --expose-gc for a cleaner figure)'}`,
);
