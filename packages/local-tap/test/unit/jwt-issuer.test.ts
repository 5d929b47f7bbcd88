import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createJwtIssuer } from '../../src/index.js';

describe('createJwtIssuer', () => {
  it('issues tokens its check accepts until they expire', () => {
    let clock = Date.UTC(2025, 0, 1);
    const issuer = createJwtIssuer({ lifetimeMs: 60_000, now: () => clock });
    const token = issuer.issue();
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(payload).toMatchObject({ iat: clock / 1000, exp: clock / 1000 + 60, aud: ['data-tap'] });
    expect(issuer.check(token)).toBe('ok');
    clock += 59_999;
    expect(issuer.check(token)).toBe('ok');
    clock += 1;
    expect(issuer.check(token)).toBe('expired');
    expect(issuer.check(issuer.issue())).toBe('ok');
  });

  it('gives each token its own id, and takes a lifetime and claims per token', () => {
    const issuer = createJwtIssuer({ secret: 'fixed' });
    const a = issuer.issue();
    const b = issuer.issue({ lifetimeMs: 1_000, claims: { sub: 'me' } });
    expect(a).not.toBe(b);
    expect(JSON.parse(Buffer.from(b.split('.')[1] as string, 'base64url').toString())).toMatchObject({
      sub: 'me',
    });
  });

  it('calls tokens of another issuer, tampered or malformed ones invalid', () => {
    const issuer = createJwtIssuer();
    const other = createJwtIssuer();
    const token = issuer.issue();
    const [head, , signature] = token.split('.');
    const forged = `${head}.${Buffer.from('{"exp":9999999999,"aud":"data-tap"}').toString('base64url')}.${signature}`;
    expect(issuer.check(other.issue())).toBe('invalid');
    expect(issuer.check(forged)).toBe('invalid');
    expect(issuer.check('abc')).toBe('invalid');
    expect(issuer.check(`${head}.x.y`)).toBe('invalid');
  });

  it('checks exp and the audience of well-signed tokens', () => {
    const issuer = createJwtIssuer({ secret: 's', audience: 'my-tap' });
    expect(issuer.check(issuer.issue({ claims: { aud: 'my-tap' } }))).toBe('ok');
    expect(issuer.check(issuer.issue({ claims: { aud: 'other' } }))).toBe('invalid');
    expect(issuer.check(issuer.issue({ claims: { exp: 'never' } }))).toBe('invalid');
    const broken = createJwtIssuer({ secret: 's', audience: 'my-tap' });
    const token = broken.issue();
    const [head] = token.split('.');
    const body = Buffer.from('not json').toString('base64url');
    const signature = createHmac('sha256', 's').update(`${head}.${body}`).digest('base64url');
    expect(issuer.check(`${head}.${body}.${signature}`)).toBe('invalid');
  });
});
