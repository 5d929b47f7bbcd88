/**
 * IP literal checks without `node:net`'s `isIP`/`isIPv6`: those run a large regular expression whose
 * first use costs ~9 ms (and ~2 ms each later call) on a small Lambda CPU, and `isIP` runs it for
 * every value that is not IPv4, such as the `sandbox` address a listener uses in Lambda. IPv6 is
 * checked by the WHATWG URL parser instead (native code), which takes the same literals except
 * scoped ones (`fe80::1%eth0`), meaningless for a telemetry listener.
 */

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}$`);
const IPV6_CHARACTERS = /^[0-9A-Fa-f:.]+$/;

/**
 * True for a dotted-quad IPv4 address (`127.0.0.1`), as `net.isIPv4` decides.
 * @example
 * isIpv4Literal('127.0.0.1'); // true
 */
export function isIpv4Literal(value: string): boolean {
  return IPV4.test(value);
}

/**
 * True for an IPv6 address without brackets (`::1`, `2001:db8::1`, `::ffff:127.0.0.1`).
 * @example
 * isIpv6Literal('::1'); // true
 * isIpv6Literal('sandbox'); // false
 */
export function isIpv6Literal(value: string): boolean {
  // Only hex digits, colons and dots (an embedded IPv4) reach the parser: anything else could make
  // it read another URL (`@` starts a host, `#` a fragment, `]` ends the brackets).
  return IPV6_CHARACTERS.test(value) && value.includes(':') && URL.canParse(`http://[${value}]/`);
}
