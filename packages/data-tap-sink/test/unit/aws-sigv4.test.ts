import { describe, expect, it } from 'vitest';
import { awsCredentialsFromEnv, signAwsRequest } from '../../src/aws-sigv4.js';

// The AWS SigV4 test suite's example credentials and time.
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const date = new Date('2015-08-30T12:36:00Z');

describe('signAwsRequest', () => {
  it('matches the AWS test suite for get-vanilla', () => {
    const headers = signAwsRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '' },
      { service: 'service', region: 'us-east-1', credentials, date },
    );
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers['host']).toBe('example.amazonaws.com');
  });

  it('matches the AWS test suite for post-vanilla', () => {
    const headers = signAwsRequest(
      { method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' },
      { service: 'service', region: 'us-east-1', credentials, date },
    );
    expect(headers['authorization']).toContain(
      'Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
  });

  it("matches AWS's IAM ListUsers example (query string, content-type header)", () => {
    const headers = signAwsRequest(
      {
        method: 'GET',
        url: 'https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: '',
      },
      { service: 'iam', region: 'us-east-1', credentials, date },
    );
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('signs the session token and sorts query parameters by name then value', () => {
    const headers = signAwsRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/a%20b/?b=2&a=2&a=1&c=%21', headers: {}, body: '' },
      {
        service: 'service',
        region: 'us-east-1',
        credentials: { ...credentials, sessionToken: 'session' },
        date,
      },
    );
    expect(headers['x-amz-security-token']).toBe('session');
    expect(headers['authorization']).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
  });
});

describe('awsCredentialsFromEnv', () => {
  it('reads the key id, secret key and session token from the given environment', () => {
    expect(
      awsCredentialsFromEnv({
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'session',
      }),
    ).toEqual({ accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'session' });
    expect(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    });
  });

  it('gives undefined without a key id or secret key', () => {
    expect(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id' })).toBeUndefined();
    expect(awsCredentialsFromEnv({})).toBeUndefined();
  });
});
