import { Buffer } from 'node:buffer';
import { TokenFormatError } from './errors.js';

/**
 * The claims of a JWT payload this package reads. Times are JWT NumericDates: seconds since the
 * epoch (possibly fractional). Other claims are kept in `other` untouched.
 *
 * @example
 * ```ts
 * const claims: TokenClaims = decodeJwtClaims(token);
 * if (claims.exp !== undefined) console.log(new Date(claims.exp * 1000).toISOString());
 * ```
 */
export interface TokenClaims {
  /** Expiry (seconds since the epoch). */
  exp?: number;
  /** Issued at (seconds since the epoch). */
  iat?: number;
  /** Not before (seconds since the epoch). */
  nbf?: number;
  /** Audience, always as a list. */
  aud?: string[];
  /** Every other claim of the payload. */
  other: Record<string, unknown>;
}

/**
 * When a token expires, on the local clock (epoch ms), and what that is based on.
 *
 * @example
 * ```ts
 * const expiry: TokenExpiry = readTokenExpiry(token, Date.now());
 * setTimeout(refresh, expiry.expiresAt - Date.now() - 60_000);
 * ```
 */
export interface TokenExpiry {
  /** The expiry on the local clock: `exp` moved earlier by the detected clock skew (epoch ms). */
  expiresAt: number;
  /** `exp` as written in the token (epoch ms, issuer's clock). */
  exp: number;
  /** `iat` as written in the token (epoch ms, issuer's clock), when present. */
  issuedAt: number | undefined;
  /** `exp - iat` when both are present, else `undefined`. */
  lifetimeMs: number | undefined;
  /**
   * How far the issuer's clock is ahead of the local one, as far as `iat` shows it (an `iat` in
   * the local future): the token expires that much earlier on the local clock. 0 when not detected.
   */
  clockSkewMs: number;
  /** The `aud` claim as a list (empty when absent). */
  audience: string[];
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodePart(part: string, name: string): Record<string, unknown> {
  if (part === '' || !BASE64URL.test(part) || part.length % 4 === 1) {
    throw new TokenFormatError(`is not a JWT: its ${name} is not base64url`, 'bad-encoding');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenFormatError(`is not a JWT: its ${name} is not JSON`, 'bad-json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenFormatError(`is not a JWT: its ${name} is not a JSON object`, 'bad-json');
  }
  return parsed as Record<string, unknown>;
}

function numericDate(payload: Record<string, unknown>, claim: 'exp' | 'iat' | 'nbf'): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TokenFormatError(
      `has an invalid "${claim}" claim: expected seconds since the epoch`,
      'bad-claim',
    );
  }
  return value;
}

function audience(payload: Record<string, unknown>): string[] | undefined {
  const value = payload['aud'];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return [...value];
  throw new TokenFormatError(
    'has an invalid "aud" claim: expected a string or a list of strings',
    'bad-claim',
  );
}

/**
 * Reads the payload of a JWT (`header.payload.signature`, base64url). The signature is not
 * checked: the tap does that; the client only needs the times. Throws a {@link TokenFormatError}
 * naming the problem (never the token) when the token is not a JWT or a time claim is malformed.
 *
 * @example
 * ```ts
 * const { exp, iat, aud } = decodeJwtClaims(token);
 * ```
 */
export function decodeJwtClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new TokenFormatError(
      `is not a JWT: expected 3 dot-separated parts, found ${parts.length}`,
      'not-a-jwt',
    );
  }
  decodePart(parts[0] as string, 'header');
  const payload = decodePart(parts[1] as string, 'payload');
  const { exp: _exp, iat: _iat, nbf: _nbf, aud: _aud, ...other } = payload;
  const claims: TokenClaims = { other };
  const exp = numericDate(payload, 'exp');
  const iat = numericDate(payload, 'iat');
  const nbf = numericDate(payload, 'nbf');
  const aud = audience(payload);
  if (exp !== undefined) claims.exp = exp;
  if (iat !== undefined) claims.iat = iat;
  if (nbf !== undefined) claims.nbf = nbf;
  if (aud !== undefined) claims.aud = aud;
  return claims;
}

/**
 * When `token` expires, on the local clock. An `iat` later than `now` means the issuer's clock is
 * ahead of the local one: the expiry is moved earlier by that much (the tap shares the issuer's
 * clock). Throws a {@link TokenFormatError} when the token is not a JWT or has no `exp`.
 *
 * @example
 * ```ts
 * const { expiresAt, lifetimeMs } = readTokenExpiry(token, Date.now());
 * ```
 */
export function readTokenExpiry(token: string, now: number): TokenExpiry {
  const claims = decodeJwtClaims(token);
  if (claims.exp === undefined) {
    throw new TokenFormatError('has no "exp" claim: its expiry is unknown', 'missing-exp');
  }
  const exp = Math.round(claims.exp * 1000);
  const issuedAt = claims.iat === undefined ? undefined : Math.round(claims.iat * 1000);
  const clockSkewMs = issuedAt !== undefined && issuedAt > now ? issuedAt - now : 0;
  return {
    expiresAt: exp - clockSkewMs,
    exp,
    issuedAt,
    lifetimeMs: issuedAt === undefined ? undefined : exp - issuedAt,
    clockSkewMs,
    audience: claims.aud ?? [],
  };
}

/**
 * {@link readTokenExpiry}, or `undefined` for a token that is not a JWT or has no `exp` (a token
 * of a local stand-in, say). Never throws.
 *
 * @example
 * ```ts
 * const expiry = tryReadTokenExpiry(token, Date.now());
 * if (expiry === undefined) logger.warn('the token has no readable expiry');
 * ```
 */
export function tryReadTokenExpiry(token: string, now: number): TokenExpiry | undefined {
  try {
    return readTokenExpiry(token, now);
  } catch {
    return undefined;
  }
}

/**
 * A duration in words for logs: `2 h 5 min`, `40 s`, `3 d 1 h`.
 *
 * @example
 * ```ts
 * formatDuration(7_500_000); // '2 h 5 min'
 * ```
 */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/**
 * The expiry in words for a log line: `expires at <ISO> (in 23 h 59 min)` or
 * `expired at <ISO> (2 h ago)`; `has no readable expiry` without one.
 *
 * @example
 * ```ts
 * logger.info(`the tap token ${describeExpiry(tryReadTokenExpiry(token, Date.now()), Date.now())}`);
 * ```
 */
export function describeExpiry(expiry: TokenExpiry | undefined, now: number): string {
  if (expiry === undefined) return 'has no readable expiry (not a JWT with an "exp" claim)';
  const at = new Date(expiry.expiresAt).toISOString();
  const left = expiry.expiresAt - now;
  return left > 0
    ? `expires at ${at} (in ${formatDuration(left)})`
    : `expired at ${at} (${formatDuration(left)} ago)`;
}
