// @ts-check
// The benchmark's function. Each invocation writes `lines` log lines with console.log; every line,
// as Lambda's Node runtime delivers it in Text log format
// (`<ISO time>\t<request id>\tINFO\t<message>\n`), is exactly `size` bytes, so the records the
// extension receives have a known size. The message carries the line number (for lookups) and
// ASCII padding.

/**
 * @param {{ lines?: number, size?: number } | undefined} event
 * @param {{ awsRequestId: string }} context
 */
export const handler = async (event, context) => {
  const lines = event?.lines ?? 0;
  const size = event?.size ?? 100;
  // 24 (ISO time) + tab + request id + tab + INFO + tab + message + newline
  const framing = 24 + 1 + context.awsRequestId.length + 1 + 4 + 1 + 1;
  const width = Math.max(1, size - framing);
  const padding = 'x'.repeat(width);
  for (let i = 0; i < lines; i += 1) {
    const head = `line ${i} `;
    console.log(head + padding.slice(0, Math.max(0, width - head.length)));
  }
  return { lines };
};
