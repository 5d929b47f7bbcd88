// `@data-taps/data-tap-sink/boilingdata`: a token provider fetching fresh tap client tokens from a
// BoilingData account (Cognito SRP login, then the tap token request). A separate entry so that an
// app imports it lazily (`await import('@data-taps/data-tap-sink/boilingdata')`) only when used.
export {
  BOILINGDATA_REMEDY,
  type BoilingDataCredentials,
  type BoilingDataTokenProviderOptionsInput,
  boilingDataCredentialsFromJson,
  boilingDataTokenProviderOptionsSchema,
  createBoilingDataTokenProvider,
} from './boilingdata-token-provider.js';
