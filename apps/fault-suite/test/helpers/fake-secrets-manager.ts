/**
 * A small stand-in for AWS Secrets Manager on 127.0.0.1: it answers `GetSecretValue` (AWS JSON 1.1,
 * `X-Amz-Target: secretsmanager.GetSecretValue`) with the secret's current string, after checking
 * the request's SigV4 signature against the fake credentials it was given, as AWS would
 * (`UnrecognizedClientException` for another key id, `InvalidSignatureException` for a bad
 * signature, `ResourceNotFoundException` for an unknown secret). `put` stores a new version (what a
 * rotation job's `put-secret-value` does: the new version is `AWSCURRENT` at once).
 *
 * Every request is kept (without the secret's value) so a case can check what the extension asked.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The fake function credentials the extension gets as `AWS_ACCESS_KEY_ID` etc. */
export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** One request the stand-in received. */
export interface SecretsManagerRequest {
  target: string | undefined;
  secretId: string | undefined;
  versionStage: string | undefined;
  /** The key id and scope of the signature (`<key id>/<date>/<region>/<service>/aws4_request`). */
  credentialScope: string | undefined;
  /** The session token header, if sent. */
  securityToken: string | undefined;
  /** 200, or the error status answered. */
  status: number;
  /** The AWS error type answered, if any. */
  error: string | undefined;
}

export interface FakeSecretsManager {
  /** `http://127.0.0.1:<port>/`, for `BD_TAP_TOKEN_ENDPOINT`. */
  readonly url: string;
  readonly requests: SecretsManagerRequest[];
  /** Stores a new version of a secret (it becomes `AWSCURRENT`). */
  put(secretId: string, value: string): void;
  close(): Promise<void>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * The SigV4 signature AWS expects for this request, computed independently of the extension's
 * signer from what arrived on the wire: the signed headers' values as received, the path, the body.
 */
function expectedSignature(
  request: IncomingMessage,
  body: Buffer,
  signedHeaders: string[],
  scope: { date: string; region: string; service: string },
  secretAccessKey: string,
): string {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonicalRequest = [
    request.method ?? 'POST',
    url.pathname,
    query,
    canonicalHeaders,
    signedHeaders.join(';'),
    sha256(body),
  ].join('\n');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  const kSigning = hmac(kService, 'aws4_request');
  return hmac(kSigning, stringToSign).toString('hex');
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Starts the stand-in on 127.0.0.1 (a free port) for one region and one set of credentials. */
export async function startFakeSecretsManager(options: {
  region: string;
  credentials: FakeCredentials;
  secrets: Record<string, string>;
  accountId?: string;
}): Promise<FakeSecretsManager> {
  const accountId = options.accountId ?? '123456789012';
  const versions = new Map<string, { value: string; versionId: string; createdAt: number }>();
  const put = (secretId: string, value: string) =>
    versions.set(secretId, { value, versionId: randomUUID(), createdAt: Date.now() });
  for (const [id, value] of Object.entries(options.secrets)) put(id, value);
  const requests: SecretsManagerRequest[] = [];

  const answer = (
    res: ServerResponse,
    entry: SecretsManagerRequest,
    status: number,
    body: Record<string, unknown>,
  ) => {
    entry.status = status;
    if (status !== 200) entry.error = String(body['__type']);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target =
        typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined;
      let parsed: Record<string, unknown> = {};
      try {
        const value: unknown = JSON.parse(body.toString('utf8'));
        if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
      } catch {
        // answered below as a bad request
      }
      const auth = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
      const securityToken = req.headers['x-amz-security-token'];
      const entry: SecretsManagerRequest = {
        target,
        secretId: typeof parsed['SecretId'] === 'string' ? parsed['SecretId'] : undefined,
        versionStage: typeof parsed['VersionStage'] === 'string' ? parsed['VersionStage'] : undefined,
        credentialScope: auth ? `${auth[1]}/${auth[2]}/${auth[3]}/${auth[4]}/aws4_request` : undefined,
        securityToken: typeof securityToken === 'string' ? securityToken : undefined,
        status: 0,
        error: undefined,
      };
      requests.push(entry);
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
        answer(res, entry, 400, { __type: 'UnknownOperationException' });
        return;
      }
      if (!auth) {
        answer(res, entry, 400, {
          __type: 'MissingAuthenticationTokenException',
          message: 'Missing Authentication Token',
        });
        return;
      }
      const [, keyId, date, region, service, signed, signature] = auth as unknown as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      if (
        keyId !== options.credentials.accessKeyId ||
        entry.securityToken !== options.credentials.sessionToken
      ) {
        answer(res, entry, 400, {
          __type: 'UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        });
        return;
      }
      const signedHeaders = signed.split(';');
      const expected = expectedSignature(
        req,
        body,
        signedHeaders,
        { date, region, service },
        options.credentials.secretAccessKey,
      );
      if (
        signature !== expected ||
        region !== options.region ||
        service !== 'secretsmanager' ||
        !signedHeaders.includes('host') ||
        !signedHeaders.includes('x-amz-date')
      ) {
        answer(res, entry, 400, {
          __type: 'InvalidSignatureException',
          message: 'The request signature we calculated does not match the signature you provided.',
        });
        return;
      }
      const stage = entry.versionStage ?? 'AWSCURRENT';
      const version = entry.secretId === undefined ? undefined : versions.get(entry.secretId);
      if (version === undefined || stage !== 'AWSCURRENT') {
        answer(res, entry, 400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      answer(res, entry, 200, {
        ARN: `arn:aws:secretsmanager:${options.region}:${accountId}:secret:${entry.secretId}-AbCdEf`,
        Name: entry.secretId,
        VersionId: version.versionId,
        SecretString: version.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: version.createdAt / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    put,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
