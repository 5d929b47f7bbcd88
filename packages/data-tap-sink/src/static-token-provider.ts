import * as z from 'zod/mini';
import type { TokenExpiry } from './jwt.js';
import { type Logger, noopLogger } from './logger.js';
import { parseOptions } from './options.js';
import type { TokenProvider } from './token.js';
import { createTokenWatch, type TokenEvent, type TokenStatus } from './token-watch.js';

const HEADER_VALUE = /^[\x21-\x7e]+$/;

/** What the log says to do when a fixed token expires or is refused, unless `remedy` is given. */
export const STATIC_TOKEN_REMEDY =
  'A fixed token cannot be renewed by the sink: fetch a fresh tap client token and configure it, or use a token source that rotates (Secrets Manager, SSM Parameter Store, a BoilingData account).';

/**
 * Options of {@link createStaticTokenProvider}.
 *
 * @example
 * ```ts
 * const options = staticTokenProviderOptionsSchema.parse({ token });
 * ```
 */
export const staticTokenProviderOptionsSchema = z.strictObject({
  /** The token (a JWT from a BoilingData account); never logged. */
  token: z
    .string()
    .check(
      z.minLength(1, 'expected a non-empty token'),
      z.regex(HEADER_VALUE, 'expected visible ASCII characters without spaces'),
    ),
  /** Warn once when the token expires within this many ms (0..7 days). */
  warnBeforeMs: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(604_800_000)), 3_600_000),
  /** What the log says to do when the token expires or is refused. */
  remedy: z._default(z.string().check(z.minLength(1), z.maxLength(500)), STATIC_TOKEN_REMEDY),
});

/**
 * Options accepted by {@link createStaticTokenProvider}.
 *
 * @example
 * ```ts
 * const input: StaticTokenProviderOptionsInput = { token, warnBeforeMs: 2 * 3_600_000 };
 * ```
 */
export type StaticTokenProviderOptionsInput = z.input<typeof staticTokenProviderOptionsSchema>;

/**
 * What token providers of this package take besides their options; all optional.
 *
 * @example
 * ```ts
 * const deps: TokenProviderDeps = { now: () => clock, logger, onEvent: (event) => events.push(event) };
 * ```
 */
export interface TokenProviderDeps {
  /** The clock (epoch ms). */
  now?: () => number;
  logger?: Logger;
  /** Called for every {@link TokenEvent}; an exception it throws is logged and ignored. */
  onEvent?: (event: TokenEvent) => void;
}

/**
 * A {@link TokenProvider} that also tells about the token it holds.
 *
 * @example
 * ```ts
 * const provider: ObservableTokenProvider = createStaticTokenProvider({ token });
 * provider.status().expiresAt;
 * ```
 */
export interface ObservableTokenProvider extends TokenProvider {
  readonly source: string;
  readonly remedy: string;
  status(): TokenStatus;
}

/**
 * A provider for one fixed token (today's `BD_TAP_CLIENT_TOKEN`). It cannot renew the token, but it
 * says when it expires: once at the first use (`Data Tap token in use expires at ...`), once when
 * the expiry is within `warnBeforeMs`, once when it has passed (with the remedy), and the matching
 * {@link TokenEvent}s. A token that is not a JWT with `exp` is used as is, with one warning.
 *
 * @example
 * ```ts
 * const provider = createStaticTokenProvider({ token: jwt }, { logger });
 * const sink = createDataTapSink({ url, token: provider }, { logger });
 * ```
 */
export function createStaticTokenProvider(
  options: StaticTokenProviderOptionsInput,
  deps: TokenProviderDeps = {},
): ObservableTokenProvider {
  const config = parseOptions(staticTokenProviderOptionsSchema, options, 'createStaticTokenProvider');
  const now = deps.now ?? Date.now;
  const watch = createTokenWatch(
    { source: 'static', warnBeforeMs: config.warnBeforeMs, remedy: config.remedy },
    { now, logger: deps.logger ?? noopLogger, onEvent: deps.onEvent },
  );
  let refused = false;
  let expiry: TokenExpiry | undefined;
  return {
    source: 'static',
    remedy: config.remedy,
    getToken() {
      expiry = watch.observe(config.token);
      return config.token;
    },
    invalidate() {
      if (refused) return;
      refused = true;
      watch.emit({ kind: 'refused', source: 'static', expiresAt: watch.expiryOf(config.token)?.expiresAt });
    },
    status() {
      return {
        source: 'static',
        hasToken: true,
        expiresAt: (expiry ?? watch.expiryOf(config.token))?.expiresAt,
        refused,
        lastError: undefined,
        nextAttemptAt: 0,
      };
    },
  };
}
