const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether `url` may be used as a Data Tap URL: `https:`, or `http:` to a loopback host
 * (`127.0.0.1`, `::1`, `localhost`); no credentials in the URL. Returns the reason when not.
 *
 * @example
 * ```ts
 * checkTapUrl('https://abc.lambda-url.eu-west-1.on.aws/'); // undefined
 * checkTapUrl('http://example.com/'); // 'expected an https: URL (http: only for 127.0.0.1, ::1 or localhost)'
 * ```
 */
export function checkTapUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'expected an absolute URL such as "https://<id>.lambda-url.<region>.on.aws/"';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'expected no user name or password in the URL (the token goes in its own option)';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) return undefined;
  return 'expected an https: URL (http: only for 127.0.0.1, ::1 or localhost)';
}

/**
 * The URL without its query string and fragment, for logs and error messages.
 *
 * @example
 * ```ts
 * describeUrl('https://tap.example/ingest?x=1'); // 'https://tap.example/ingest'
 * ```
 */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
