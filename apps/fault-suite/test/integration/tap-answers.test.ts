/**
 * A URL that does not answer like a tap: an HTML page with status 200 (a web site, a captive
 * portal: nothing stored), and a redirect to another origin (which must not be followed: the body
 * and the token would go there). Each gets a clear error line; the records are kept and delivered
 * once the tap answers properly again.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaseResult, runCase } from '../helpers/scenario.js';
import { outage } from '../helpers/scripts.js';

let result: CaseResult | undefined;
let elsewhere: Server | undefined;
afterEach(async () => {
  await result?.dispose();
  result = undefined;
  await new Promise<void>((resolve) => (elsewhere ? elsewhere.close(() => resolve()) : resolve()));
  elsewhere = undefined;
});

describe('a tap URL that answers like something else', () => {
  it('an HTML page and a redirect: clear errors, nothing follows the redirect, nothing lost', async () => {
    const redirected: IncomingMessage['headers'][] = [];
    elsewhere = createServer((req, res) => {
      redirected.push(req.headers);
      req.resume();
      res.end('{"statusCode":200}');
    });
    await new Promise<void>((resolve) => elsewhere?.listen(0, '127.0.0.1', resolve));
    const location = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect`;

    result = await runCase(
      'html-redirect',
      outage({
        hook: ({ n }) =>
          n % 2 === 0
            ? {
                status: 200,
                contentType: 'text/html; charset=utf-8',
                body: '<!doctype html><html><body><h1>Welcome</h1></body></html>',
                store: false,
              }
            : { status: 307, headers: { location }, body: '', store: false },
      }),
    );
    expect(result.faulty.accounting.missing).toBe(0);
    expect(redirected).toEqual([]);
    const log = result.faulty.world.environments[0]?.logText().join('\n') ?? '';
    expect(log).toContain('answered with an HTML page, not the tap');
    expect(log).toContain('redirects are not followed');
  });
});
