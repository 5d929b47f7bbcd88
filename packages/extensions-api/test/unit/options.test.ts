import { describe, expect, it } from 'vitest';
import { createExtensionsClient } from '../../src/client.js';
import { ExtensionsApiError, ExtensionsApiOptionsError } from '../../src/errors.js';
import { extensionsClientOptionsSchema, parseOptions, registerOptionsSchema } from '../../src/options.js';

describe('extensionsClientOptionsSchema', () => {
  it('defaults apiVersion to 2020-01-01', () => {
    expect(
      extensionsClientOptionsSchema.parse({ runtimeApi: '127.0.0.1:9001', extensionName: 'data-taps' }),
    ).toEqual({ runtimeApi: '127.0.0.1:9001', extensionName: 'data-taps', apiVersion: '2020-01-01' });
  });

  it.each(['127.0.0.1:9001', 'localhost:1', 'sandbox.localdomain:65535', '[::1]:9001'])(
    'accepts %s',
    (runtimeApi) => {
      expect(extensionsClientOptionsSchema.safeParse({ runtimeApi, extensionName: 'x' }).success).toBe(true);
    },
  );

  it.each([
    'http://127.0.0.1:9001',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:9001/2020-01-01',
    '',
  ])('refuses the runtime API %j', (runtimeApi) => {
    expect(extensionsClientOptionsSchema.safeParse({ runtimeApi, extensionName: 'x' }).success).toBe(false);
  });

  it.each(['', 'has space', 'a'.repeat(257)])('refuses the extension name %j', (extensionName) => {
    expect(
      extensionsClientOptionsSchema.safeParse({ runtimeApi: '127.0.0.1:9001', extensionName }).success,
    ).toBe(false);
  });

  it('refuses unknown options and other API versions', () => {
    expect(
      extensionsClientOptionsSchema.safeParse({
        runtimeApi: '127.0.0.1:9001',
        extensionName: 'x',
        timeoutMs: 1,
      }).success,
    ).toBe(false);
    expect(
      extensionsClientOptionsSchema.safeParse({
        runtimeApi: '127.0.0.1:9001',
        extensionName: 'x',
        apiVersion: '2022',
      }).success,
    ).toBe(false);
  });
});

describe('createExtensionsClient options errors', () => {
  it('names the option, the value and the accepted form', () => {
    let error: unknown;
    try {
      createExtensionsClient({ runtimeApi: 'http://127.0.0.1:9001', extensionName: 'data-taps' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ExtensionsApiOptionsError);
    expect(error).toBeInstanceOf(ExtensionsApiError);
    expect((error as Error).name).toBe('ExtensionsApiOptionsError');
    expect((error as Error).message).toBe(
      'Invalid options: options.runtimeApi = "http://127.0.0.1:9001": expected "host:port" without a scheme or a path, port 1-65535, such as "127.0.0.1:9001"',
    );
  });

  it('reports a missing option as undefined', () => {
    expect(() => createExtensionsClient({ runtimeApi: '127.0.0.1:9001' } as never)).toThrow(
      /^Invalid options: options\.extensionName = undefined: /,
    );
  });

  it('reports a missing options object', () => {
    expect(() => createExtensionsClient(undefined as never)).toThrow(
      /^Invalid options: options = undefined: /,
    );
  });

  it('describes functions, numbers and objects without dumping them', () => {
    expect(() => createExtensionsClient({ runtimeApi: (() => 1) as never, extensionName: 'x' })).toThrow(
      'options.runtimeApi = a function: ',
    );
    expect(() => createExtensionsClient({ runtimeApi: 9001 as never, extensionName: 'x' })).toThrow(
      'options.runtimeApi = 9001: ',
    );
    expect(() =>
      parseOptions(registerOptionsSchema, { acceptFeatures: { list: 'x'.repeat(200) } }, 'o'),
    ).toThrow(/o\.acceptFeatures = \{"list":"x{60}x*\.\.\.: /);
    expect(() => parseOptions(registerOptionsSchema, { acceptFeatures: { big: 1n } }, 'o')).toThrow(
      'o.acceptFeatures = [object Object]: ',
    );
  });
});
