import { describe, expect, it } from 'vitest';
import { checkAuthorization } from '../../src/auth.js';

describe('checkAuthorization', () => {
  it('authorizes everything when no token is configured', () => {
    expect(checkAuthorization(undefined, undefined)).toBe('ok');
  });

  it('tells a missing header from a wrong one', () => {
    expect(checkAuthorization(undefined, 'secret')).toBe('missing');
    expect(checkAuthorization('  ', 'secret')).toBe('missing');
    expect(checkAuthorization('other', 'secret')).toBe('invalid');
    expect(checkAuthorization('secreT', 'secret')).toBe('invalid');
    expect(checkAuthorization('secret', 'secret')).toBe('ok');
    expect(checkAuthorization(['secret', 'x'], 'secret')).toBe('ok');
  });

  it('passes the header to a check function and keeps its verdict', () => {
    const seen: string[] = [];
    const check = (token: string): 'ok' | 'expired' | 'invalid' => {
      seen.push(token);
      return token === 'old' ? 'expired' : token === 'good' ? 'ok' : 'invalid';
    };
    expect(checkAuthorization('good', check)).toBe('ok');
    expect(checkAuthorization('old', check)).toBe('expired');
    expect(checkAuthorization('bad', check)).toBe('invalid');
    expect(seen).toEqual(['good', 'old', 'bad']);
  });

  it('counts a throwing check or an unknown answer as invalid', () => {
    expect(
      checkAuthorization('x', () => {
        throw new Error('boom');
      }),
    ).toBe('invalid');
    expect(checkAuthorization('x', () => 'yes' as never)).toBe('invalid');
  });
});
