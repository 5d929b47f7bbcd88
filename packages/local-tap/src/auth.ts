import { timingSafeEqual } from 'node:crypto';
import type { TokenCheck } from './options.js';

/** The outcome of the `x-bd-authorization` check. */
export type AuthOutcome = 'ok' | 'missing' | 'invalid' | 'expired';

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the `x-bd-authorization` header against the configured token (none: always `ok`).
 * A check function that throws or answers anything else than a verdict counts as `invalid`.
 * @internal
 */
export function checkAuthorization(
  header: string | string[] | undefined,
  token: string | TokenCheck | undefined,
): AuthOutcome {
  if (token === undefined) return 'ok';
  const given = Array.isArray(header) ? header[0] : header;
  if (given === undefined || given.trim() === '') return 'missing';
  if (typeof token === 'string') return sameToken(token, given) ? 'ok' : 'invalid';
  let verdict: unknown;
  try {
    verdict = token(given);
  } catch {
    return 'invalid';
  }
  return verdict === 'ok' || verdict === 'expired' ? verdict : 'invalid';
}
