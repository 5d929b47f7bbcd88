import { describe, expect, it } from 'vitest';
import {
  decodeJwtClaims,
  describeExpiry,
  formatDuration,
  readTokenExpiry,
  TokenFormatError,
  tryReadTokenExpiry,
} from '../../src/index.js';
import { makeJwt } from './jwt-helpers.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('decodeJwtClaims', () => {
  it('reads exp, iat, nbf and aud, and keeps the other claims', () => {
    const claims = decodeJwtClaims(
      makeJwt({ exp: 1_700_000_000, iat: 1_699_990_000, nbf: 1_699_990_000, aud: 'tap', sub: 'me' }),
    );
    expect(claims).toEqual({
      exp: 1_700_000_000,
      iat: 1_699_990_000,
      nbf: 1_699_990_000,
      aud: ['tap'],
      other: { sub: 'me' },
    });
  });

  it('takes a list audience and a payload without times', () => {
    expect(decodeJwtClaims(makeJwt({ aud: ['a', 'b'] }))).toEqual({ aud: ['a', 'b'], other: {} });
  });

  it.each([
    ['abc', 'not-a-jwt', 'expected 3 dot-separated parts, found 1'],
    ['a.b.c.d', 'not-a-jwt', 'found 4'],
    ['.e30.x', 'bad-encoding', 'its header is not base64url'],
    ['e30.e3+.x', 'bad-encoding', 'its payload is not base64url'],
    ['e30.abcde.x', 'bad-encoding', 'its payload is not base64url'],
    ['e30.bm90IGpzb24.x', 'bad-json', 'its payload is not JSON'],
    ['e30.WzFd.x', 'bad-json', 'its payload is not a JSON object'],
    ['bnVsbA.e30.x', 'bad-json', 'its header is not a JSON object'],
  ])('refuses %j as %s without echoing it', (token, reason, message) => {
    let error: unknown;
    try {
      decodeJwtClaims(token);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TokenFormatError);
    expect(error).toMatchObject({ reason });
    expect((error as Error).message).toContain(message);
    expect((error as TokenFormatError).toJSON()).toMatchObject({ name: 'TokenFormatError', reason });
  });

  it.each([
    [{ exp: '1700000000' }, 'exp'],
    [{ iat: -1 }, 'iat'],
    [{ nbf: Number.POSITIVE_INFINITY }, 'nbf'],
    [{ aud: 3 }, 'aud'],
    [{ aud: ['a', 1] }, 'aud'],
  ])('refuses a malformed claim %j', (payload, claim) => {
    expect(() => decodeJwtClaims(makeJwt(payload))).toThrow(`invalid "${claim}" claim`);
  });

  it('never puts the token in the message', () => {
    const secret = 'e30.c2VjcmV0LXRva2Vu.x';
    try {
      decodeJwtClaims(secret);
    } catch (error) {
      expect(String(error)).not.toContain('c2VjcmV0LXRva2Vu');
    }
  });
});

describe('readTokenExpiry', () => {
  it('gives the expiry, lifetime and audience of a token issued now', () => {
    const token = makeJwt({ iat: NOW / 1000, exp: NOW / 1000 + 86_400, aud: 'tap' });
    expect(readTokenExpiry(token, NOW)).toEqual({
      expiresAt: NOW + 86_400_000,
      exp: NOW + 86_400_000,
      issuedAt: NOW,
      lifetimeMs: 86_400_000,
      clockSkewMs: 0,
      audience: ['tap'],
    });
  });

  it('moves the expiry earlier when iat shows the issuer clock ahead of ours', () => {
    const token = makeJwt({ iat: NOW / 1000 + 90, exp: NOW / 1000 + 600 });
    const expiry = readTokenExpiry(token, NOW);
    expect(expiry.clockSkewMs).toBe(90_000);
    expect(expiry.expiresAt).toBe(NOW + 510_000);
    expect(expiry.lifetimeMs).toBe(510_000);
  });

  it('detects no skew from an iat in the past, and works without iat', () => {
    expect(readTokenExpiry(makeJwt({ iat: NOW / 1000 - 3600, exp: NOW / 1000 + 60 }), NOW).clockSkewMs).toBe(
      0,
    );
    expect(readTokenExpiry(makeJwt({ exp: NOW / 1000 + 60.5 }), NOW)).toMatchObject({
      expiresAt: NOW + 60_500,
      issuedAt: undefined,
      lifetimeMs: undefined,
      audience: [],
    });
  });

  it('fails with missing-exp for a token without exp', () => {
    expect(() => readTokenExpiry(makeJwt({ iat: 1 }), NOW)).toThrow(
      expect.objectContaining({ reason: 'missing-exp' }),
    );
  });

  it('tryReadTokenExpiry gives undefined instead of throwing', () => {
    expect(tryReadTokenExpiry('opaque-token', NOW)).toBeUndefined();
    expect(tryReadTokenExpiry(makeJwt({ exp: NOW / 1000 }), NOW)?.expiresAt).toBe(NOW);
  });
});

describe('formatDuration and describeExpiry', () => {
  it.each([
    [0, '0 s'],
    [59_400, '59 s'],
    [60_000, '1 min'],
    [3_599_000, '59 min'],
    [3_600_000, '1 h'],
    [7_500_000, '2 h 5 min'],
    [172_800_000, '2 d'],
    [180_000_000, '2 d 2 h'],
    [-90_000, '1 min'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says when a token expires, expired, or has no readable expiry', () => {
    const future = readTokenExpiry(makeJwt({ exp: NOW / 1000 + 7200 }), NOW);
    expect(describeExpiry(future, NOW)).toBe('expires at 2025-01-01T14:00:00.000Z (in 2 h)');
    expect(describeExpiry(future, NOW + 10_800_000)).toBe('expired at 2025-01-01T14:00:00.000Z (1 h ago)');
    expect(describeExpiry(undefined, NOW)).toContain('has no readable expiry');
  });
});
