// `@data-taps/data-tap-sink/aws`: token providers reading AWS Secrets Manager and SSM Parameter
// Store, and the SigV4 signer they use. A separate entry so that an app imports it lazily
// (`await import('@data-taps/data-tap-sink/aws')`) only when such a provider is configured.
export { type AwsCredentialsInput, type AwsJsonCall, callAwsJsonApi } from './aws-json-api.js';
export {
  type AwsCredentials,
  type AwsRequestToSign,
  awsCredentialsFromEnv,
  signAwsRequest,
} from './aws-sigv4.js';
export {
  createSecretsManagerTokenProvider,
  readSecretString,
  SECRETS_MANAGER_REMEDY,
  type SecretRequest,
  type SecretsManagerTokenProviderOptionsInput,
  secretsManagerTokenProviderOptionsSchema,
  tokenFromSecretString,
} from './secrets-manager-token-provider.js';
export {
  createSsmTokenProvider,
  SSM_REMEDY,
  type SsmTokenProviderOptionsInput,
  ssmTokenProviderOptionsSchema,
} from './ssm-token-provider.js';
