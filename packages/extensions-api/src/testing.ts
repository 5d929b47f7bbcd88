export type {
  FakeEndpoint,
  FakeExtensionState,
  FakeExtensionsApi,
  FakeInjectedResponse,
  FakeInvokeInput,
  FakeInvokeResult,
  FakeRegistration,
  FakeReportedError,
  FakeRequestRecord,
  FakeShutdownInput,
  FakeShutdownResult,
} from './testing/fake-extensions-api.js';
export { createFakeExtensionsApi } from './testing/fake-extensions-api.js';
export type {
  FakeExtensionsApiDeps,
  FakeExtensionsApiOptions,
  FakeFallback,
} from './testing/fake-options.js';
export { fakeExtensionsApiOptionsSchema } from './testing/fake-options.js';
