// The environment the benchmarks start the extension (and their baselines) with: the variables a
// Lambda function would give it, and nothing of this process's own environment but PATH (a variable
// such as NODE_EXTRA_CA_CERTS, set on some machines, alone adds tens of ms to every node start).

/**
 * @param {string} runtimeApi host:port of the Extensions and Telemetry APIs
 * @param {string} tapUrl the Data Tap URL
 * @param {string} spoolDir the spool folder
 * @returns {Record<string, string | undefined>}
 */
export function extensionEnv(runtimeApi, tapUrl, spoolDir) {
  return {
    PATH: process.env.PATH,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    BD_TAP_CLIENT_TOKEN: 'bench-token',
    BD_DATA_TAP_URL: tapUrl,
    RECEIVER_ADDRESS: '127.0.0.1',
    RECEIVER_PORT: '0',
    TIMEOUT_MS: '25',
    DATA_TAPS_SPOOL_DIR: spoolDir,
    DATA_TAPS_LOG_LEVEL: 'warn',
  };
}
