import * as z from 'zod/mini';
import { type AwsCredentials, signAwsRequest } from './aws-sigv4.js';
import { TokenSourceError } from './errors.js';
import { MAX_READ_BYTES, readBodyText } from './response.js';
import { checkTapUrl } from './url.js';

/** AWS region names such as `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The option of an AWS endpoint override: `https:`, or `http:` to a loopback host (tests, local
 * stand-ins, a VPC endpoint's https URL).
 */
export const endpointSchema = z.optional(
  z.string().check(
    z.superRefine((value, context) => {
      const problem = checkTapUrl(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    }),
  ),
);

/** How credentials are given to the AWS providers: fixed, or a function asked before every call. */
export type AwsCredentialsInput = AwsCredentials | (() => AwsCredentials | Promise<AwsCredentials>);

/** zod check of {@link AwsCredentialsInput} that never echoes a value. */
export const credentialsSchema = z.custom<AwsCredentialsInput>(
  (value) =>
    typeof value === 'function' ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as AwsCredentials).accessKeyId === 'string' &&
      typeof (value as AwsCredentials).secretAccessKey === 'string'),
  'expected { accessKeyId, secretAccessKey, sessionToken? } or a function returning them',
);

/** One call of an AWS JSON 1.1 API (`X-Amz-Target`), signed with SigV4. */
export interface AwsJsonCall {
  /** The signing name and endpoint prefix: `secretsmanager`, `ssm`. */
  service: string;
  /** A short name for errors: `secretsmanager`, `ssm`. */
  source: string;
  region: string;
  /** Default: `https://<service>.<region>.amazonaws.com/`. */
  endpoint: string | undefined;
  /** The `X-Amz-Target` header, such as `AmazonSSM.GetParameter`. */
  target: string;
  body: Record<string, unknown>;
  credentials: AwsCredentialsInput;
  fetch: typeof globalThis.fetch | undefined;
  now: () => number;
  signal: AbortSignal;
}

async function resolveCredentials(input: AwsCredentialsInput, source: string): Promise<AwsCredentials> {
  let credentials: AwsCredentials;
  try {
    credentials = typeof input === 'function' ? await input() : input;
  } catch (cause) {
    throw new TokenSourceError(`${source}: the AWS credentials could not be read`, { source, cause });
  }
  if (!credentials?.accessKeyId || !credentials.secretAccessKey) {
    throw new TokenSourceError(
      `${source}: no AWS credentials (an access key id and a secret access key are needed)`,
      { source, isRetryable: false },
    );
  }
  return credentials;
}

/**
 * Calls an AWS JSON 1.1 API and returns the parsed answer. A non-2xx answer throws a
 * {@link TokenSourceError} naming the AWS error type and message (AWS never echoes secret values
 * in them), with `statusCode`; 4xx answers other than throttling are not retryable.
 *
 * @example
 * ```ts
 * const answer = await callAwsJsonApi({ service: 'ssm', source: 'ssm', region, endpoint: undefined, target: 'AmazonSSM.GetParameter', body: { Name: name }, credentials, fetch: undefined, now: Date.now, signal });
 * ```
 */
export async function callAwsJsonApi(call: AwsJsonCall): Promise<Record<string, unknown>> {
  const credentials = await resolveCredentials(call.credentials, call.source);
  const url = call.endpoint ?? `https://${call.service}.${call.region}.amazonaws.com/`;
  const body = JSON.stringify(call.body);
  const headers = signAwsRequest(
    {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': call.target },
      body,
    },
    { service: call.service, region: call.region, credentials, date: new Date(call.now()) },
  );
  delete headers['host'];
  let status: number;
  let text: string;
  try {
    const response = await (call.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: call.signal,
    });
    status = response.status;
    text = await readBodyText(response, MAX_READ_BYTES);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TokenSourceError(`${call.source}: ${call.target} request failed: ${reason}`, {
      source: call.source,
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status < 200 || status >= 300) {
    const answer = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const type = String(answer['__type'] ?? 'unknown error').replace(/^.*#/, '');
    const message = String(answer['message'] ?? answer['Message'] ?? '').slice(0, 300);
    throw new TokenSourceError(
      `${call.source}: ${call.target} answered ${status} ${type}${message === '' ? '' : `: ${message}`}`,
      {
        source: call.source,
        statusCode: status,
        isRetryable: status >= 500 || status === 429 || /Throttl|TooManyRequests/.test(type),
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenSourceError(`${call.source}: ${call.target} answered ${status} without a JSON object`, {
      source: call.source,
      statusCode: status,
    });
  }
  return parsed as Record<string, unknown>;
}
