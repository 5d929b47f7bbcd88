import { describe, expect, it } from 'vitest';
import { type Config, loadConfig, memoryDefaults, VARIABLES } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createPipeline } from '../../src/pipeline.js';
import { TOKEN_VARIABLES } from '../../src/token-config.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2VjcmV0LXNpZ25hdHVyZQ';
const base = {
  BD_TAP_CLIENT_TOKEN: TOKEN,
  BD_DATA_TAP_URL: 'https://abc.lambda-url.eu-west-1.on.aws/',
  AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
  AWS_LAMBDA_FUNCTION_NAME: 'orders',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_REGION: 'eu-west-1',
};

function expectOk(env: Record<string, string | undefined>) {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(`expected a valid config, got: ${loaded.errors.join('; ')}`);
  return loaded.config;
}

function errorsOf(env: Record<string, string | undefined>) {
  const loaded = loadConfig(env);
  if (loaded.ok) throw new Error('expected an invalid config');
  return loaded;
}

describe('loadConfig', () => {
  it('applies every documented default', () => {
    const config = expectOk(base);
    expect(config).toMatchObject({
      tokens: { source: 'static', token: TOKEN, warnBeforeMs: 3_600_000 },
      tapUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      extensionName: 'data-taps-lambda-extension',
      receiverAddress: 'sandbox',
      receiverPort: 4243,
      telemetry: {
        maxItems: 10000,
        maxBytes: 262144,
        timeoutMs: 100,
        apiVersion: '2022-07-01',
        schemaVersion: '2022-12-13',
        types: ['platform', 'function', 'extension'],
      },
      runtimeApi: '127.0.0.1:9001',
      extensionApiVersion: '2020-01-01',
      flushStrategy: 'background',
      idleThresholdMs: 10000,
      requestTimeoutMs: 5000,
      maxRequestBytes: 4 * 1024 * 1024,
      gzip: false,
      memoryMaxBytes: 32 * 1024 * 1024,
      spoolDir: '/tmp/data-taps-spool',
      spoolMaxBytes: 64 * 1024 * 1024,
      shutdownMarginMs: 300,
      logLevel: 'info',
      strict: false,
      context: {
        functionName: 'orders',
        functionVersion: '$LATEST',
        region: 'eu-west-1',
        logGroup: '/aws/lambda/orders',
        logStream: '',
      },
    });
  });

  it("sizes the memory bound and the request size to the function's memory, unless they are set", () => {
    const at = (mb: string, more: Record<string, string> = {}) =>
      expectOk({ ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: mb, ...more });
    const MIB = 1024 * 1024;
    expect(at('128')).toMatchObject({ memoryMaxBytes: 4 * MIB, maxRequestBytes: MIB });
    expect(at('256')).toMatchObject({ memoryMaxBytes: 8 * MIB, maxRequestBytes: 2 * MIB });
    expect(at('1024')).toMatchObject({ memoryMaxBytes: 32 * MIB, maxRequestBytes: 4 * MIB });
    expect(at('10240')).toMatchObject({ memoryMaxBytes: 32 * MIB, maxRequestBytes: 4 * MIB });
    expect(
      at('128', { DATA_TAPS_MEMORY_MAX_BYTES: String(16 * MIB), DATA_TAPS_MAX_REQUEST_BYTES: '65536' }),
    ).toMatchObject({ memoryMaxBytes: 16 * MIB, maxRequestBytes: 65536 });
    // the largest record Lambda may send (MAX_BYTES) must fit in one request, whatever the memory
    expect(at('128', { MAX_BYTES: '1048576' })).toMatchObject({
      memoryMaxBytes: 4 * MIB,
      maxRequestBytes: 4 * MIB,
    });
    expect(at('128', { MAX_BYTES: '524288' })).toMatchObject({ maxRequestBytes: 2 * MIB });
    expect(memoryDefaults(64, 262144)).toEqual({ memoryMaxBytes: 2 * MIB, maxRequestBytes: MIB });
  });

  it('reads every variable when set', () => {
    const config = expectOk({
      ...base,
      EXTENSION_NAME: 'my-ext',
      RECEIVER_ADDRESS: '127.0.0.1',
      RECEIVER_PORT: '0',
      MAX_ITEMS: '1000',
      MAX_BYTES: '1048576',
      TIMEOUT_MS: '25',
      AWS_LAMBDA_RUNTIME_EXTENSION_API_VERSION: '2020-01-01',
      AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION: '2022-07-01',
      AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION: '2025-01-29',
      DATA_TAPS_TYPES: 'function, platform,function',
      DATA_TAPS_FLUSH_STRATEGY: 'end',
      DATA_TAPS_IDLE_THRESHOLD_MS: '0',
      DATA_TAPS_REQUEST_TIMEOUT_MS: '100',
      DATA_TAPS_MAX_REQUEST_BYTES: '65536',
      DATA_TAPS_GZIP: 'YES',
      DATA_TAPS_MEMORY_MAX_BYTES: '1048576',
      DATA_TAPS_SPOOL_DIR: '/tmp/x',
      DATA_TAPS_SPOOL_MAX_BYTES: '0',
      DATA_TAPS_SHUTDOWN_MARGIN_MS: '50',
      DATA_TAPS_LOG_LEVEL: 'debug',
      DATA_TAPS_STRICT: '1',
      AWS_LAMBDA_LOG_GROUP_NAME: '/custom/group',
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]abc',
    });
    expect(config.extensionName).toBe('my-ext');
    expect(config.receiverPort).toBe(0);
    expect(config.telemetry).toMatchObject({
      maxItems: 1000,
      maxBytes: 1048576,
      timeoutMs: 25,
      schemaVersion: '2025-01-29',
    });
    expect(config.telemetry.types).toEqual(['function', 'platform']);
    expect(config.gzip).toBe(true);
    expect(config.strict).toBe(true);
    expect(config.spoolMaxBytes).toBe(0);
    expect(config.context.logGroup).toBe('/custom/group');
    expect(config.context.logStream).toBe('2024/01/01/[$LATEST]abc');
  });

  it('accepts http only for a loopback tap', () => {
    expect(expectOk({ ...base, BD_DATA_TAP_URL: 'http://127.0.0.1:8080/' }).tapUrl).toBe(
      'http://127.0.0.1:8080/',
    );
    expect(expectOk({ ...base, BD_DATA_TAP_URL: 'http://localhost:8080/' }).tapUrl).toBe(
      'http://localhost:8080/',
    );
    expect(errorsOf({ ...base, BD_DATA_TAP_URL: 'not a url' }).errors).toEqual([
      'BD_DATA_TAP_URL="not a url" is invalid: it must be an https:// URL without credentials (http:// only for 127.0.0.1, [::1] or localhost)',
    ]);
    expect(errorsOf({ ...base, BD_DATA_TAP_URL: 'http://tap.example.com/' }).errors).toEqual([
      'BD_DATA_TAP_URL="http://tap.example.com/" is invalid: it must be an https:// URL without credentials (http:// only for 127.0.0.1, [::1] or localhost)',
    ]);
  });

  it('takes exactly the tap URLs the sink takes, and never shows a password from one', () => {
    expect(expectOk({ ...base, BD_DATA_TAP_URL: 'http://[::1]:8080/' }).tapUrl).toBe('http://[::1]:8080/');
    // The sink refuses these; so does the configuration, at once, rather than the first flush.
    expect(errorsOf({ ...base, BD_DATA_TAP_URL: 'http://127.0.0.2:8080/' }).errors).toHaveLength(1);
    const [line] = errorsOf({ ...base, BD_DATA_TAP_URL: 'https://user:s3cret@tap.example/' }).errors;
    expect(line).toBe(
      'BD_DATA_TAP_URL="https://***@tap.example/" is invalid: it must be an https:// URL without credentials (http:// only for 127.0.0.1, [::1] or localhost)',
    );
    expect(line).not.toContain('s3cret');
  });

  it.each([
    ['RECEIVER_PORT', '9001', 'an integer from 0 to 65535 other than 9001'],
    ['RECEIVER_PORT', '70000', 'an integer from 0 to 65535 other than 9001'],
    ['MAX_ITEMS', '999', 'an integer from 1000 to 10000'],
    ['MAX_ITEMS', '10001', 'an integer from 1000 to 10000'],
    ['MAX_ITEMS', 'lots', 'an integer from 1000 to 10000'],
    ['MAX_BYTES', '262143', 'an integer from 262144 to 1048576'],
    ['TIMEOUT_MS', '24', 'an integer from 25 to 30000'],
    ['TIMEOUT_MS', '1.5', 'an integer from 25 to 30000'],
    ['AWS_LAMBDA_RUNTIME_EXTENSION_API_VERSION', '2019-01-01', 'one of 2020-01-01'],
    ['AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION', '2020-08-15', 'one of 2022-07-01'],
    [
      'AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION',
      '2021-01-01',
      'one of 2022-07-01, 2022-12-13, 2025-01-29',
    ],
    ['EXTENSION_NAME', 'bad name', 'a file name of letters, digits, ".", "_", "-"'],
    ['RECEIVER_ADDRESS', 'a b', '"sandbox" or a host name or IP address'],
    [
      'DATA_TAPS_TYPES',
      'platform,logs',
      'a comma-separated, non-empty subset of platform, function, extension',
    ],
    ['DATA_TAPS_TYPES', ',', 'a comma-separated, non-empty subset of platform, function, extension'],
    ['DATA_TAPS_FLUSH_STRATEGY', 'sometimes', 'one of adaptive, background, end'],
    ['DATA_TAPS_IDLE_THRESHOLD_MS', '-1', 'an integer from 0 to 900000'],
    ['DATA_TAPS_REQUEST_TIMEOUT_MS', '99', 'an integer from 100 to 60000'],
    ['DATA_TAPS_MAX_REQUEST_BYTES', '6000000', 'an integer from 65536 to 5000000'],
    ['DATA_TAPS_GZIP', 'maybe', 'true or false'],
    ['DATA_TAPS_MEMORY_MAX_BYTES', '1', 'an integer from 1048576 to 1073741824'],
    ['DATA_TAPS_SPOOL_DIR', 'relative/dir', 'an absolute path'],
    ['DATA_TAPS_SPOOL_MAX_BYTES', '1e9', 'an integer from 0 to 10737418240'],
    ['DATA_TAPS_SHUTDOWN_MARGIN_MS', '2000', 'an integer from 50 to 1500'],
    ['DATA_TAPS_LOG_LEVEL', 'loud', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['DATA_TAPS_STRICT', 'sure', 'true or false'],
    ['AWS_LAMBDA_RUNTIME_API', 'no-port', 'host:port (set by Lambda)'],
    ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '64', 'an integer from 128 to 10240'],
  ])('rejects %s=%s with one line naming the variable, the value and the range', (name, value, range) => {
    const { errors } = errorsOf({ ...base, [name]: value });
    expect(errors).toEqual([`${name}=${JSON.stringify(value)} is invalid: it must be ${range}`]);
  });

  it('names missing required variables', () => {
    const { errors, lifecycle } = errorsOf({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' });
    expect(errors).toEqual([
      'BD_TAP_CLIENT_TOKEN is not set: it must be a non-empty Data Tap client token (visible ASCII, no spaces) (BD_TAP_TOKEN_SOURCE=static needs it)',
      'BD_DATA_TAP_URL is not set: it must be an https:// URL without credentials (http:// only for 127.0.0.1, [::1] or localhost)',
    ]);
    expect(lifecycle).toEqual({
      runtimeApi: '127.0.0.1:9001',
      extensionName: 'data-taps-lambda-extension',
      logLevel: 'info',
      strict: false,
    });
  });

  it('never shows the token, even when it is invalid', () => {
    const { errors } = errorsOf({ ...base, BD_TAP_CLIENT_TOKEN: `${TOKEN} with spaces`, MAX_ITEMS: '5' });
    expect(errors[0]).toBe(
      'BD_TAP_CLIENT_TOKEN (value hidden) is invalid: it must be a non-empty Data Tap client token (visible ASCII, no spaces)',
    );
    expect(errors.join('\n')).not.toContain(TOKEN);
  });

  it('keeps the lifecycle settings when only shipping settings are invalid, and none when the runtime API is missing', () => {
    const loaded = errorsOf({
      ...base,
      MAX_BYTES: 'x',
      DATA_TAPS_STRICT: 'true',
      DATA_TAPS_LOG_LEVEL: 'warn',
    });
    expect(loaded.lifecycle).toEqual({
      runtimeApi: '127.0.0.1:9001',
      extensionName: 'data-taps-lambda-extension',
      logLevel: 'warn',
      strict: true,
    });
    expect(errorsOf({ ...base, AWS_LAMBDA_RUNTIME_API: undefined }).lifecycle).toBeUndefined();
  });

  it('shortens very long values in messages', () => {
    const { errors } = errorsOf({ ...base, DATA_TAPS_LOG_LEVEL: 'x'.repeat(200) });
    expect(errors[0]).toContain(`"${'x'.repeat(77)}..."`);
  });

  it('treats an empty value as unset', () => {
    expect(expectOk({ ...base, MAX_ITEMS: '' }).telemetry.maxItems).toBe(10000);
  });

  it('falls back to AWS_DEFAULT_REGION and leaves the log group empty without a function name', () => {
    const config = expectOk({
      ...base,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: undefined,
      AWS_LAMBDA_FUNCTION_VERSION: undefined,
    });
    expect(config.context).toEqual({
      functionName: '',
      functionVersion: '',
      region: 'us-east-1',
      logGroup: '',
      logStream: '',
    });
    expect(expectOk({ ...base, AWS_REGION: undefined }).context.region).toBe('');
  });

  it('documents every variable it reads in the README tables (the app and the root)', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const path of ['../../README.md', '../../../../README.md']) {
      const readme = await readFile(new URL(path, import.meta.url), 'utf8');
      for (const name of [...Object.keys(VARIABLES), ...Object.keys(TOKEN_VARIABLES)]) {
        expect(readme, path).toContain(`| ${name} |`);
      }
    }
  });

  it('refuses DATA_TAPS_MAX_REQUEST_BYTES above 4400000 with DATA_TAPS_GZIP=true, naming both and the limit', () => {
    const loaded = errorsOf({
      ...base,
      DATA_TAPS_GZIP: 'yes',
      DATA_TAPS_MAX_REQUEST_BYTES: '4400001',
      DATA_TAPS_STRICT: 'true',
    });
    expect(loaded.errors).toEqual([
      'DATA_TAPS_MAX_REQUEST_BYTES="4400001" is invalid with DATA_TAPS_GZIP="yes": it must be at most 4400000 when bodies are gzipped (the Function URL base64-encodes a binary body, and takes at most 6 MB); lower it, or set DATA_TAPS_GZIP=false',
    ]);
    // The lifecycle goes on, so that DATA_TAPS_STRICT reports it as an Init error.
    expect(loaded.lifecycle).toMatchObject({ strict: true });
    expect(
      expectOk({ ...base, DATA_TAPS_GZIP: 'true', DATA_TAPS_MAX_REQUEST_BYTES: '4400000' }),
    ).toMatchObject({ gzip: true, maxRequestBytes: 4_400_000 });
    expect(expectOk({ ...base, DATA_TAPS_MAX_REQUEST_BYTES: '5000000' }).maxRequestBytes).toBe(5_000_000);
    // Said beside another variable's error, not only once that one is fixed.
    expect(
      errorsOf({ ...base, DATA_TAPS_GZIP: 'true', DATA_TAPS_MAX_REQUEST_BYTES: '5000000', MAX_ITEMS: '5' })
        .errors,
    ).toEqual([
      'MAX_ITEMS="5" is invalid: it must be an integer from 1000 to 10000',
      expect.stringMatching(/^DATA_TAPS_MAX_REQUEST_BYTES="5000000" is invalid with DATA_TAPS_GZIP="true"/),
    ]);
  });

  it('builds the pipeline for every boundary combination it accepts: the sink and the buffer take the derived options', async () => {
    const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const context = {
      logger: quiet,
      now: Date.now,
      listenerStats: () => ({}) as never,
      receivesPlatform: true,
      gate: { pass: async () => {}, holds: () => false },
    };
    const dimensions: Record<string, (string | undefined)[]> = {
      DATA_TAPS_GZIP: ['false', 'true'],
      DATA_TAPS_MAX_REQUEST_BYTES: [undefined, '65536', '4400000', '4400001', '5000000'],
      DATA_TAPS_MEMORY_MAX_BYTES: [undefined, '1048576', '1073741824'],
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: [undefined, '128', '10240'],
      MAX_BYTES: ['262144', '1048576'],
      TIMEOUT_MS: ['25', '30000'],
      DATA_TAPS_SPOOL_MAX_BYTES: ['0', '1', '10737418240'],
      DATA_TAPS_REQUEST_TIMEOUT_MS: ['100', '60000'],
    };
    let envs: Record<string, string | undefined>[] = [{ ...base }];
    for (const [name, values] of Object.entries(dimensions)) {
      envs = envs.flatMap((env) => values.map((value) => ({ ...env, [name]: value })));
    }
    const accepted: Config[] = [];
    const refused: string[] = [];
    for (const env of envs) {
      const loaded = loadConfig(env);
      if (loaded.ok) accepted.push(loaded.config);
      else refused.push(...loaded.errors);
    }
    expect(accepted.length + refused.length).toBe(envs.length);
    for (const config of accepted) {
      // createDataTapSink and createTelemetryBuffer parse their options and throw on any they refuse.
      await expect(
        createPipeline(config, context),
        JSON.stringify({ ...config, tokens: undefined }),
      ).resolves.toBeDefined();
    }
    // The only combination refused is the one the sink refuses: gzip with a body above 4400000.
    expect(new Set(refused.map((line) => line.replace(/^(\S+?)="[^"]*"/, '$1')))).toEqual(
      new Set([expect.stringMatching(/^DATA_TAPS_MAX_REQUEST_BYTES is invalid with DATA_TAPS_GZIP=/)]),
    );
  });
});
