// @ts-check
// The tap's own ceiling: NDJSON bodies POSTed straight from this process to the local tap, one
// request at a time, with lines and bodies the size the extension sent.

/**
 * @typedef {{ lines: number, bytes: number, requests: number, elapsedMs: number }} RawIngestRun
 */

/**
 * POSTs bodies of `linesPerBody` lines of `lineBytes` bytes each (newline included) for
 * `durationMs`, sequentially; counts what the tap accepted.
 *
 * @example
 * ```js
 * const raw = await runRawIngest({ url, token, lineBytes: 600, linesPerBody: 1700, durationMs: 3000 });
 * ```
 * @param {{ url: string, token: string, lineBytes: number, linesPerBody: number, durationMs: number, label: string }} options
 * @returns {Promise<RawIngestRun>}
 */
export async function runRawIngest(options) {
  const { body, lines } = ndjsonBody(options.label, options.lineBytes, options.linesPerBody);
  const bytes = Buffer.byteLength(body);
  let requests = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < options.durationMs) {
    const res = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-bd-authorization': options.token },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the tap answered ${res.status}`);
    requests += 1;
  }
  const elapsedMs = performance.now() - t0;
  return { lines: lines * requests, bytes: bytes * requests, requests, elapsedMs };
}

/**
 * An NDJSON body of `count` JSON object lines of exactly `lineBytes` bytes each (newline
 * included; at least the size of the smallest such object).
 *
 * @example
 * ```js
 * ndjsonBody('raw', 64, 2).body.split('\n')[0].length; // 63
 * ```
 * @param {string} label
 * @param {number} lineBytes
 * @param {number} count
 * @returns {{ body: string, lines: number }}
 */
export function ndjsonBody(label, lineBytes, count) {
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const head = `{"type":"raw","functionName":${JSON.stringify(label)},"i":${i},"pad":"`;
    const pad = Math.max(0, lineBytes - 1 - head.length - 2);
    out.push(`${head}${'x'.repeat(pad)}"}`);
  }
  return { body: `${out.join('\n')}\n`, lines: count };
}
