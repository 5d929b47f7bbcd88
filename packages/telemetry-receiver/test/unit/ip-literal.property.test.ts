import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIpv4Literal, isIpv6Literal } from '../../src/ip-literal.js';

describe('isIpv4Literal / isIpv6Literal decide as node:net does (scoped IPv6 aside)', () => {
  it.each([
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '::',
    '::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:9',
    ':::1',
    '[::1]',
    'sandbox',
    'sandbox.localdomain',
    'localhost',
    '',
    ' 127.0.0.1',
    'g::1',
    '@&:#',
    '[::1',
    '::1]',
    'a@b:c',
    '1::2#3',
    '::1/64',
    ' ::1',
  ])('%j', (value) => {
    expect(isIpv4Literal(value)).toBe(isIPv4(value));
    expect(isIpv6Literal(value)).toBe(isIPv6(value));
  });

  it('scoped IPv6 literals are not taken (a listener cannot use them)', () => {
    expect(isIPv6('fe80::1%eth0')).toBe(true);
    expect(isIpv6Literal('fe80::1%eth0')).toBe(false);
  });

  it('agrees on generated addresses and near-addresses', () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('00', '01', '', 'a'),
    );
    const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.'));
    const hextet = fc.oneof(
      fc.integer({ min: 0, max: 0x1ffff }).map((n) => n.toString(16)),
      fc.constantFrom('', 'g', '0000', '00000'),
    );
    const v6 = fc
      .tuple(fc.array(hextet, { minLength: 1, maxLength: 9 }), fc.option(v4, { nil: undefined }))
      .map(([parts, tail]) => (tail === undefined ? parts.join(':') : `${parts.join(':')}:${tail}`));
    fc.assert(
      fc.property(
        fc.oneof(v4, v6, fc.string(), fc.stringMatching(/^[0-9a-fA-F:.@#[\]%/ ]{0,20}$/)),
        (value) => {
          expect(isIpv4Literal(value)).toBe(isIPv4(value));
          if (!value.includes('%')) expect(isIpv6Literal(value)).toBe(isIPv6(value));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
