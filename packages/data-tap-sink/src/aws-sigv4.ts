import { createHash, createHmac } from 'node:crypto';

/**
 * AWS credentials: in Lambda, the function's execution role, which the app reads from
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (see
 * {@link awsCredentialsFromEnv}). Never logged.
 *
 * @example
 * ```ts
 * const credentials: AwsCredentials = { accessKeyId: 'AKIA...', secretAccessKey: '...', sessionToken: '...' };
 * ```
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/**
 * Reads AWS credentials from an environment object the app passes in (this package never reads the
 * process environment itself). `undefined` when the key id or the secret key is missing.
 *
 * @example
 * ```ts
 * // in the app
 * const credentials = awsCredentialsFromEnv(env);
 * ```
 */
export function awsCredentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): AwsCredentials | undefined {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * A request to sign: the headers given are signed too (names are compared case-insensitively).
 *
 * @example
 * ```ts
 * const request: AwsRequestToSign = { method: 'POST', url: 'https://ssm.eu-west-1.amazonaws.com/', headers: {}, body: '{}' };
 * ```
 */
export interface AwsRequestToSign {
  method: string;
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it: everything but unreserved characters is %-encoded. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(pathname: string): string {
  // The URL parser has already %-encoded the path; decode each segment once, encode it once
  // (non-S3 services sign the path encoded as it is sent).
  const path = pathname === '' ? '/' : pathname;
  return path
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
}

function canonicalQuery(search: URLSearchParams): string {
  return [...search]
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** `YYYYMMDDTHHMMSSZ` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Signs a request with AWS Signature Version 4 (`AWS4-HMAC-SHA256`) and returns the headers to
 * send: the given ones plus `host`, `x-amz-date`, `x-amz-security-token` (with a session token)
 * and `authorization`. Every header given is signed. Written on `node:crypto` alone, for the few
 * JSON API calls this package makes (Secrets Manager, SSM), so no AWS SDK is loaded.
 *
 * @example
 * ```ts
 * const headers = signAwsRequest(
 *   { method: 'POST', url: 'https://ssm.eu-west-1.amazonaws.com/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' }, body },
 *   { service: 'ssm', region: 'eu-west-1', credentials, date: new Date() },
 * );
 * await fetch(url, { method: 'POST', headers, body });
 * ```
 */
export function signAwsRequest(
  request: AwsRequestToSign,
  signing: { service: string; region: string; credentials: AwsCredentials; date: Date },
): Record<string, string> {
  const url = new URL(request.url);
  const stamp = amzDate(signing.date);
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['host'] = url.host;
  headers['x-amz-date'] = stamp;
  if (signing.credentials.sessionToken) headers['x-amz-security-token'] = signing.credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((name) => `${name}:${(headers[name] as string).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const scope = `${day}/${signing.region}/${signing.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${signing.credentials.secretAccessKey}`, day), signing.region), signing.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${signing.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
