// Preloaded (`node --import`) into every Node process of the sandbox: makes `sandbox.localdomain`
// resolve to 127.0.0.1, as the /etc/hosts of a Lambda execution environment does.
import dns from 'node:dns';

const names = new Set(['sandbox.localdomain', 'sandbox']);
const loopback = { address: '127.0.0.1', family: 4 };
const isSandboxName = (hostname) => typeof hostname === 'string' && names.has(hostname.toLowerCase());

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (!isSandboxName(hostname)) return originalLookup.call(this, hostname, options, callback);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() => (all ? cb(null, [loopback]) : cb(null, loopback.address, loopback.family)));
  return {};
};

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function lookup(hostname, options) {
  if (!isSandboxName(hostname)) return originalPromisesLookup.call(this, hostname, options);
  const all = typeof options === 'object' && options !== null && options.all === true;
  return Promise.resolve(all ? [loopback] : loopback);
};
