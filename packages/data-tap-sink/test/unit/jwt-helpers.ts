import { Buffer } from 'node:buffer';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** An unsigned-looking JWT with the given payload (the signature part is never checked). */
export function makeJwt(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  return `${encode(header)}.${encode(payload)}.c2lnbmF0dXJl`;
}

/** A JWT issued at `issuedAtMs` living `lifetimeMs`, with a marker claim making each one distinct. */
export function jwtFor(issuedAtMs: number, lifetimeMs: number, marker = 'a'): string {
  return makeJwt({
    iat: Math.floor(issuedAtMs / 1000),
    exp: Math.floor((issuedAtMs + lifetimeMs) / 1000),
    aud: ['tap'],
    marker,
  });
}
