/**
 * One invalid value per variable the extension reads (apps/extension/src/config.ts), and what the
 * accepted range is. `AWS_LAMBDA_RUNTIME_API` is left out: Lambda (and the sandbox) set it, a
 * function cannot. `EXTENSION_NAME` has its own case: it decides whether the extension can register
 * at all.
 */
export const INVALID_VARIABLES: readonly { name: string; value: string }[] = [
  { name: 'BD_TAP_CLIENT_TOKEN', value: '   ' },
  { name: 'BD_DATA_TAP_URL', value: 'http://tap.example.com/' },
  { name: 'RECEIVER_ADDRESS', value: 'not an address!' },
  { name: 'RECEIVER_PORT', value: '9001' },
  { name: 'MAX_ITEMS', value: '10' },
  { name: 'MAX_BYTES', value: '1kb' },
  { name: 'TIMEOUT_MS', value: '5' },
  { name: 'AWS_LAMBDA_RUNTIME_EXTENSION_API_VERSION', value: '2019-01-01' },
  { name: 'AWS_LAMBDA_RUNTIME_TELEMETRY_API_VERSION', value: '2020-08-15' },
  { name: 'AWS_LAMBDA_RUNTIME_TELEMETRY_SCHEMA_VERSION', value: '2021-01-01' },
  { name: 'DATA_TAPS_TYPES', value: 'platform,logs' },
  { name: 'DATA_TAPS_FLUSH_STRATEGY', value: 'sometimes' },
  { name: 'DATA_TAPS_IDLE_THRESHOLD_MS', value: '-1' },
  { name: 'DATA_TAPS_REQUEST_TIMEOUT_MS', value: '10' },
  { name: 'DATA_TAPS_MAX_REQUEST_BYTES', value: '100' },
  { name: 'DATA_TAPS_GZIP', value: 'maybe' },
  { name: 'DATA_TAPS_MEMORY_MAX_BYTES', value: '1k' },
  { name: 'DATA_TAPS_SPOOL_DIR', value: 'relative/spool' },
  { name: 'DATA_TAPS_SPOOL_MAX_BYTES', value: '-5' },
  { name: 'DATA_TAPS_SHUTDOWN_MARGIN_MS', value: '5000' },
  { name: 'DATA_TAPS_LOG_LEVEL', value: 'loud' },
  { name: 'DATA_TAPS_STRICT', value: 'perhaps' },
];
