import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenCheck } from './options.js';

/**
 * Issues short-lived HS256 JWTs shaped like Data Tap client tokens (`iat`, `exp`, `aud`) and checks
 * them for {@link createLocalTap}'s `token` option: a bad signature or shape is `invalid` (403), a
 * token past its `exp` is `expired` (401). For tests where tokens expire mid-run.
 */
export interface JwtIssuer {
  /** A new token: `iat` now, `exp` after `lifetimeMs` (the issuer's, unless given), extra claims merged. */
  issue(overrides?: { lifetimeMs?: number; claims?: Record<string, unknown> }): string;
  /** The check to pass as `createLocalTap({ token: issuer.check })`. */
  check: TokenCheck;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * Creates a {@link JwtIssuer}. The secret defaults to 32 random bytes drawn now; `now` is the clock
 * both issuing and checking use (inject one to expire tokens without waiting).
 * @example
 * const issuer = createJwtIssuer({ lifetimeMs: 60_000 });
 * const tap = createLocalTap({ outDir, token: issuer.check });
 * const token = issuer.issue();
 */
export function createJwtIssuer(
  options: { secret?: string | Buffer; lifetimeMs?: number; audience?: string; now?: () => number } = {},
): JwtIssuer {
  const secret = options.secret ?? randomBytes(32);
  const lifetimeMs = options.lifetimeMs ?? 600_000;
  const audience = options.audience ?? 'data-tap';
  const now = options.now ?? Date.now;
  const sign = (data: string): Buffer => createHmac('sha256', secret).update(data).digest();
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  let serial = 0;

  return {
    issue(overrides = {}) {
      const issuedAt = now();
      serial += 1;
      const payload = encode({
        iat: Math.floor(issuedAt / 1000),
        exp: Math.floor((issuedAt + (overrides.lifetimeMs ?? lifetimeMs)) / 1000),
        aud: [audience],
        jti: `${issuedAt}-${serial}`,
        ...overrides.claims,
      });
      return `${header}.${payload}.${sign(`${header}.${payload}`).toString('base64url')}`;
    },
    check(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return 'invalid';
      const [head, body, signature] = parts as [string, string, string];
      const expected = sign(`${head}.${body}`);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      let claims: { exp?: unknown; aud?: unknown };
      try {
        claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return 'invalid';
      }
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (typeof claims.exp !== 'number' || !audiences.includes(audience)) return 'invalid';
      return claims.exp * 1000 <= now() ? 'expired' : 'ok';
    },
  };
}
