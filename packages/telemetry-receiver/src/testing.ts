export type {
  FakeDeliveryResult,
  FakeInjectedResponse,
  FakeTelemetryApi,
  FakeTelemetryApiOptions,
  FakeTelemetrySubscription,
} from './testing/fake-telemetry-api.js';
export { createFakeTelemetryApi, fakeTelemetryApiOptionsSchema } from './testing/fake-telemetry-api.js';
