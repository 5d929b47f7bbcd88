import { definePackageConfig } from '@data-taps/vitest-preset';
import { mergeConfig } from 'vitest/config';

/**
 * A known interplay of nock's socket interceptor (@mswjs/interceptors) with the fetch (undici)
 * built into Node 20, outside this package's code: a mocked TLS socket that undici already closed
 * may still emit ECONNRESET, and undici's error listener then reads its released parser. It shows
 * up, rarely, as an uncaught TypeError between tests on a loaded machine. Only that error is not
 * counted; any other unhandled error still fails the run.
 */
function isInterceptorSocketRace(error: Error): boolean {
  return (
    error.name === 'TypeError' &&
    error.message === "Cannot read properties of null (reading 'statusCode')" &&
    (error.stack ?? '').includes('node:internal/deps/undici/undici') &&
    (error.stack ?? '').includes('@mswjs/interceptors')
  );
}

// test/setup.ts only adds Promise.withResolvers, which nock needs, on Node 20.
export default mergeConfig(definePackageConfig(), {
  test: {
    setupFiles: ['test/setup.ts'],
    onUnhandledError: (error: Error) => (isInterceptorSocketRace(error) ? false : undefined),
  },
});
