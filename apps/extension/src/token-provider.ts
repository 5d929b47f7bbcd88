/**
 * Builds the Data Tap token provider the configuration asks for. The providers that renew tokens
 * (Secrets Manager, SSM, BoilingData) live in their own entries of @data-taps/data-tap-sink and are
 * imported here only when configured, so a function using a fixed token loads none of them.
 */
import {
  createStaticTokenProvider,
  type TokenEvent,
  type TokenProvider,
  type TokenStatus,
} from '@data-taps/data-tap-sink';
import type { Logger } from './logger.js';
import type { TokenConfig } from './token-config.js';

/** What the log says to do, per source, naming the extension's variables. */
export const REMEDIES: Record<TokenConfig['source'], string> = {
  static:
    'Set BD_TAP_CLIENT_TOKEN to a fresh token (bdcli account tap-client-token), or let the extension renew it: BD_TAP_TOKEN_SOURCE=secretsmanager, ssm or boilingdata (README: Token lifetime and rotation).',
  secretsmanager:
    'Rotate the secret named by BD_TAP_TOKEN_SECRET_ID before the token expires, and let the function role call secretsmanager:GetSecretValue on it (README: Token lifetime and rotation).',
  ssm: 'Update the parameter named by BD_TAP_TOKEN_PARAMETER before the token expires, and let the function role call ssm:GetParameter on it (README: Token lifetime and rotation).',
  boilingdata:
    'Check the BoilingData username and password in the secret named by BD_TAP_TOKEN_SECRET_ID (no MFA), BD_TAP_TOKEN_URL, and that the account may write to the tap (README: Token lifetime and rotation).',
};

/** The provider the extension uses: the sink's TokenProvider plus its status, and a refresh for renewing sources. */
export interface ExtensionTokenProvider extends TokenProvider {
  readonly source: string;
  status(): TokenStatus;
  /** Fetches a token now (renewing sources only): call it during Init so the first flush does not wait. */
  refresh?(): Promise<boolean>;
}

/** What {@link createTokenProvider} takes besides the configuration. */
export interface TokenProviderDeps {
  logger: Logger;
  onEvent?: (event: TokenEvent) => void;
  now?: () => number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Creates the token provider for a validated {@link TokenConfig}, importing the renewing
 * providers' modules only for their source.
 * @example
 * const loaded = loadTokenConfig(env);
 * if (loaded.ok) {
 *   const tokens = await createTokenProvider(loaded.value, { logger });
 *   void tokens.refresh?.();
 *   const sink = createDataTapSink({ url, token: tokens }, { logger });
 * }
 */
export async function createTokenProvider(
  config: TokenConfig,
  deps: TokenProviderDeps,
): Promise<ExtensionTokenProvider> {
  const common = {
    logger: deps.logger,
    ...(deps.onEvent === undefined ? {} : { onEvent: deps.onEvent }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  };
  const io = { ...common, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) };
  const remedy = REMEDIES[config.source];
  switch (config.source) {
    case 'static':
      return createStaticTokenProvider(
        { token: config.token, warnBeforeMs: config.warnBeforeMs, remedy },
        common,
      );
    case 'secretsmanager': {
      const { createSecretsManagerTokenProvider } = await import('@data-taps/data-tap-sink/aws');
      return createSecretsManagerTokenProvider(
        {
          secretId: config.secretId,
          region: config.region,
          jsonKey: config.jsonKey,
          ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
          credentials: config.credentials,
          ...config.refresh,
          remedy,
        },
        io,
      );
    }
    case 'ssm': {
      const { createSsmTokenProvider } = await import('@data-taps/data-tap-sink/aws');
      return createSsmTokenProvider(
        {
          parameterName: config.parameterName,
          region: config.region,
          jsonKey: config.jsonKey,
          ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
          credentials: config.credentials,
          ...config.refresh,
          remedy,
        },
        io,
      );
    }
    case 'boilingdata': {
      const [{ readSecretString }, { boilingDataCredentialsFromJson, createBoilingDataTokenProvider }] =
        await Promise.all([
          import('@data-taps/data-tap-sink/aws'),
          import('@data-taps/data-tap-sink/boilingdata'),
        ]);
      return createBoilingDataTokenProvider(
        {
          tokenUrl: config.tokenUrl,
          tokenLifetime: config.tokenLifetime,
          ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey() }),
          ...(config.tapOwner === undefined ? {} : { tapOwner: config.tapOwner }),
          credentials: async () =>
            boilingDataCredentialsFromJson(
              await readSecretString({
                secretId: config.secretId,
                region: config.region,
                endpoint: config.endpoint,
                credentials: config.credentials,
                ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
                ...(deps.now === undefined ? {} : { now: deps.now }),
              }),
            ),
          ...config.refresh,
          remedy,
        },
        io,
      );
    }
  }
}
