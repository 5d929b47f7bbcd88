'use strict';
/**
 * Stands in for `safe-stable-stringify` in the extension's bundle (see tsup.config.ts): 7.6 KB that
 * pino requires at load but calls only when `JSON.stringify` throws on a log line's fields (a
 * circular structure, a BigInt). This gives such a line what a reader needs: circular references
 * as "[Circular]", BigInts as numbers in strings, nesting past `maximumDepth` as "[Object]" /
 * "[Array]", and at most `maximumBreadth` entries per object or array. Keys keep their order
 * (the original sorts them only when asked to, and pino does not ask).
 */
function configure(options) {
  const maximumDepth = options?.maximumDepth ?? Number.POSITIVE_INFINITY;
  const maximumBreadth = options?.maximumBreadth ?? Number.POSITIVE_INFINITY;

  function encode(input, stack) {
    let value = input;
    if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function')
      value = value.toJSON();
    if (typeof value === 'bigint') return JSON.stringify(String(value));
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    if (stack.includes(value)) return '"[Circular]"';
    const isArray = Array.isArray(value);
    if (stack.length >= maximumDepth) return isArray ? '"[Array]"' : '"[Object]"';
    stack.push(value);
    const parts = [];
    if (isArray) {
      const shown = Math.min(value.length, maximumBreadth);
      for (let i = 0; i < shown; i++) parts.push(encode(value[i], stack) ?? 'null');
      if (value.length > shown) parts.push(JSON.stringify(`... ${value.length - shown} more items`));
    } else {
      const keys = Object.keys(value);
      let shown = 0;
      for (const key of keys) {
        if (shown === maximumBreadth) {
          parts.push(`"...":${JSON.stringify(`${keys.length - shown} more items`)}`);
          break;
        }
        const text = encode(value[key], stack);
        if (text !== undefined) {
          parts.push(`${JSON.stringify(key)}:${text}`);
          shown += 1;
        }
      }
    }
    stack.pop();
    return isArray ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
  }

  return function stringify(value) {
    return encode(value, []);
  };
}

const stringify = configure();
module.exports = stringify;
module.exports.configure = configure;
module.exports.stringify = stringify;
module.exports.default = stringify;
