import * as z from 'zod/mini';
import { TokenSourceError } from './errors.js';
import { FROZEN_LATENESS_MS, THAW_GRACE_MS } from './freeze.js';
import { describeExpiry, formatDuration, type TokenExpiry, tryReadTokenExpiry } from './jwt.js';
import { noopLogger } from './logger.js';
import { parseOptions } from './options.js';
import type { ObservableTokenProvider, TokenProviderDeps } from './static-token-provider.js';
import { createTokenWatch } from './token-watch.js';

const HEADER_VALUE = /^[\x21-\x7e]+$/;

const ms = (min: number, max: number, def: number) =>
  z._default(z.number().check(z.int(), z.minimum(min), z.maximum(max)), def);

/**
 * The refresh settings every refreshing provider of this package accepts (all optional).
 *
 * | Option | Default | Meaning |
 * | --- | --- | --- |
 * | `refreshBeforeMs` | 15 min | refresh this long before `exp` (at most half the token's lifetime) |
 * | `warnBeforeMs` | 5 min | warn when the token in use expires within this (at most half of the above) |
 * | `retryAfterMs` | 30 s | wait after a failed refresh; doubles after each failure |
 * | `maxRetryAfterMs` | 10 min | longest wait between failed refreshes |
 * | `refreshWithoutExpiryMs` | 1 h | how often a token without a readable `exp` is read again |
 * | `fetchTimeoutMs` | 10 s | how long one fetch of a token may take |
 * | `expirySkewMs` | 30 s | this close to `exp` (at most the refresh window), `getToken()` waits for a fresh token |
 * | `remedy` | per source | what the log says to do when no fresh token comes |
 *
 * @example
 * ```ts
 * const settings = z.strictObject(refreshSettingsShape).parse({ refreshBeforeMs: 600_000 });
 * ```
 */
export const refreshSettingsShape = {
  refreshBeforeMs: ms(0, 86_400_000, 900_000),
  warnBeforeMs: ms(0, 86_400_000, 300_000),
  retryAfterMs: ms(100, 3_600_000, 30_000),
  maxRetryAfterMs: ms(100, 86_400_000, 600_000),
  refreshWithoutExpiryMs: ms(1_000, 86_400_000, 3_600_000),
  fetchTimeoutMs: ms(100, 120_000, 10_000),
  expirySkewMs: ms(0, 600_000, 30_000),
  remedy: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
};

/**
 * Options of {@link createRefreshingTokenProvider}: a source name, the fetch, and the
 * {@link refreshSettingsShape} settings.
 *
 * @example
 * ```ts
 * const options = refreshingTokenProviderOptionsSchema.parse({ source: 'vault', fetchToken });
 * ```
 */
export const refreshingTokenProviderOptionsSchema = z.strictObject({
  /** A short name of where tokens come from, for logs (`secretsmanager`, `vault`, ...). */
  source: z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'expected a short lower-case name')),
  /** Fetches a fresh token; should give up when `signal` aborts. */
  fetchToken: z.custom<(signal: AbortSignal) => Promise<string>>(
    (value) => typeof value === 'function',
    'expected a function (signal) => Promise<string>',
  ),
  ...refreshSettingsShape,
});

/**
 * Options accepted by {@link createRefreshingTokenProvider}.
 *
 * @example
 * ```ts
 * const input: RefreshingTokenProviderOptionsInput = { source: 'vault', fetchToken: () => vault.read('tap') };
 * ```
 */
export type RefreshingTokenProviderOptionsInput = z.input<typeof refreshingTokenProviderOptionsSchema>;

/**
 * {@link TokenProviderDeps} plus the timers of the fetch timeout (looked up at call time when not given).
 *
 * @example
 * ```ts
 * const deps: RefreshingTokenProviderDeps = { now: () => clock, logger };
 * ```
 */
export interface RefreshingTokenProviderDeps extends TokenProviderDeps {
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * A token provider that renews its token: {@link ObservableTokenProvider} plus `refresh()`.
 *
 * @example
 * ```ts
 * const provider: RefreshingTokenProvider = createRefreshingTokenProvider({ source: 'vault', fetchToken });
 * void provider.refresh(); // fetch the first token during Init
 * ```
 */
export interface RefreshingTokenProvider extends ObservableTokenProvider {
  /**
   * The token in use. Waits (bounded by `fetchTimeoutMs`) for the first one, and for a fresh one
   * once the one in use is within `expirySkewMs` of its expiry or past it; otherwise answers at once.
   */
  getToken(): Promise<string>;
  /**
   * Fetches a token now (joins a fetch already running). Resolves `true` when a new token is in
   * use, `false` otherwise (failure, or the source still holds the same token); never rejects.
   */
  refresh(): Promise<boolean>;
}

const DEFAULT_REMEDY =
  'Check that the token source is reachable with the credentials given and holds a fresh tap client token.';

/**
 * The engine behind the Secrets Manager, SSM and BoilingData providers, usable with any source:
 * `fetchToken` is called for the first token (`getToken()` waits for it, bounded by
 * `fetchTimeoutMs`), then again in the background, without delaying `getToken()`:
 *
 * - before `exp`: once `refreshBeforeMs` (at most half the token's lifetime) is left;
 * - after the tap refused the token (`invalidate()`, called by the sink on a 401/403);
 * - every `refreshWithoutExpiryMs` for a token without a readable `exp`.
 *
 * A token that nothing asked for during its refresh window (an environment frozen or idle for longer
 * than the token lives) is not sent as it is: once it is within `expirySkewMs` of `exp` (at most the
 * refresh window) or past it, `getToken()` waits for the refresh (bounded by `fetchTimeoutMs`; the
 * sink stops waiting at its caller's deadline or signal). A fetch whose timeout came due while the
 * process was frozen is not a failure: its answer, if it came meanwhile, is taken, else it is
 * fetched again at once; so is one that fails right after such a thaw (a connection the freeze broke).
 *
 * A failed refresh keeps the current token in use and says so (one warning per failure, with the
 * current token's expiry and the next try), then waits `retryAfterMs`, doubling up to
 * `maxRetryAfterMs`. A source that still holds the same token although it is refused or near its
 * expiry is reported once (`unchanged`) and read again after the same waits. A fetched token that
 * has already expired is a failure. The token itself is never logged.
 *
 * @example
 * ```ts
 * const provider = createRefreshingTokenProvider(
 *   { source: 'vault', fetchToken: async (signal) => (await vault.read('tap', { signal })).token },
 *   { logger },
 * );
 * const sink = createDataTapSink({ url, token: provider });
 * ```
 */
export function createRefreshingTokenProvider(
  options: RefreshingTokenProviderOptionsInput,
  deps: RefreshingTokenProviderDeps = {},
): RefreshingTokenProvider {
  const config = parseOptions(refreshingTokenProviderOptionsSchema, options, 'createRefreshingTokenProvider');
  const source = config.source;
  const remedy = config.remedy ?? DEFAULT_REMEDY;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? noopLogger;
  const startTimer = (callback: () => void, after: number): unknown =>
    (deps.setTimeout ?? globalThis.setTimeout)(callback, after);
  const stopTimer = (handle: unknown): void =>
    (deps.clearTimeout ?? (globalThis.clearTimeout as (handle: unknown) => void))(handle);

  const refreshBefore = (expiry: TokenExpiry, obtainedAt: number): number => {
    const lifetime = expiry.lifetimeMs ?? expiry.expiresAt - obtainedAt;
    return Math.min(config.refreshBeforeMs, Math.max(0, lifetime / 2));
  };
  let current:
    | {
        token: string;
        expiry: TokenExpiry | undefined;
        /** When a background refresh starts. */
        refreshAt: number;
        /** When `getToken()` waits for a fresh token instead (never, without a readable expiry). */
        renewBy: number;
        before: number;
      }
    | undefined;
  const watch = createTokenWatch(
    {
      source,
      remedy,
      warnBeforeMs: () => Math.min(config.warnBeforeMs, (current?.before ?? 0) / 2),
    },
    { now, logger, onEvent: deps.onEvent },
  );

  let inflight: Promise<boolean> | undefined;
  let failures = 0;
  let nextAttemptAt = 0;
  let lastError: string | undefined;
  let refusedToken: string | undefined;
  let reportedUnchanged: string | undefined;

  const backOff = (): number => {
    failures += 1;
    const wait = Math.min(config.maxRetryAfterMs, config.retryAfterMs * 2 ** (failures - 1));
    nextAttemptAt = now() + wait;
    return wait;
  };

  /**
   * One fetch of a token, given up after `fetchTimeoutMs`. A timer that fires late measured a freeze,
   * not the source: the answer is given the loop turn that reads sockets, then the attempt is
   * replaced by a new one (so is an attempt that fails after such a thaw), with nothing reported.
   */
  const fetchWithTimeout = (reason: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const attempt = (): void => {
        const controller = new AbortController();
        const armedAt = now();
        let live = true;
        let thawed = false;
        const again = (why: string): void => {
          live = false;
          controller.abort();
          logger.debug(`a Data Tap token fetch from ${source} crossed a freeze: fetching again`, {
            source,
            reason,
            why,
          });
          attempt();
        };
        let timer = startTimer(() => {
          if (now() - armedAt - config.fetchTimeoutMs >= FROZEN_LATENESS_MS) {
            thawed = true;
            timer = startTimer(() => again('no answer at the thaw'), THAW_GRACE_MS);
            return;
          }
          live = false;
          controller.abort();
          reject(
            new TokenSourceError(`${source} gave no token within ${config.fetchTimeoutMs} ms`, { source }),
          );
        }, config.fetchTimeoutMs);
        Promise.resolve()
          .then(() => config.fetchToken(controller.signal))
          .then(
            (token) => {
              if (!live) return;
              stopTimer(timer);
              resolve(token);
            },
            (error: unknown) => {
              if (!live) return;
              stopTimer(timer);
              if (thawed) again('failed at the thaw');
              else reject(error);
            },
          );
      };
      attempt();
    });

  const fail = (error: Error, reason: string): false => {
    const wait = backOff();
    lastError = error.message;
    const fields = { source, reason, error: error.message, nextAttemptInMs: wait };
    if (current === undefined) {
      logger.error(
        `could not get a Data Tap token from ${source}; next try in ${formatDuration(wait)}. ${remedy}`,
        fields,
      );
    } else {
      logger.warn(
        `Data Tap token refresh from ${source} failed; keeping the current token, which ${describeExpiry(current.expiry, now())}; next try in ${formatDuration(wait)}`,
        fields,
      );
    }
    watch.emit({
      kind: 'refresh-failed',
      source,
      error,
      expiresAt: current?.expiry?.expiresAt,
      nextAttemptAt,
    });
    return false;
  };

  async function doRefresh(reason: string): Promise<boolean> {
    let token: string;
    try {
      const fetched = await fetchWithTimeout(reason);
      token = typeof fetched === 'string' ? fetched.trim() : '';
      if (!HEADER_VALUE.test(token)) {
        throw new TokenSourceError(
          `${source} gave an empty token, or one with spaces or control characters`,
          {
            source,
            isRetryable: false,
          },
        );
      }
    } catch (cause) {
      return fail(cause instanceof Error ? cause : new Error(String(cause)), reason);
    }
    const at = now();
    if (current !== undefined && token === current.token) {
      lastError = undefined;
      if (token !== refusedToken && at < current.refreshAt) {
        nextAttemptAt = 0;
        return false;
      }
      const wait = backOff();
      if (reportedUnchanged !== token) {
        reportedUnchanged = token;
        const state =
          token === refusedToken ? 'the tap refused' : `which ${describeExpiry(current.expiry, at)}`;
        logger.warn(
          `${source} still holds the same Data Tap token, ${state}; reading it again in ${formatDuration(wait)}. ${remedy}`,
          { source, reason },
        );
        watch.emit({ kind: 'unchanged', source, expiresAt: current.expiry?.expiresAt, nextAttemptAt });
      }
      return false;
    }
    const expiry = tryReadTokenExpiry(token, at);
    if (expiry !== undefined && expiry.expiresAt <= at) {
      return fail(
        new TokenSourceError(`${source} gave a token that ${describeExpiry(expiry, at)}`, { source }),
        reason,
      );
    }
    const before = expiry === undefined ? 0 : refreshBefore(expiry, at);
    current = {
      token,
      expiry,
      before,
      refreshAt: expiry === undefined ? at + config.refreshWithoutExpiryMs : expiry.expiresAt - before,
      renewBy:
        expiry === undefined
          ? Number.POSITIVE_INFINITY
          : expiry.expiresAt - Math.min(config.expirySkewMs, before),
    };
    failures = 0;
    nextAttemptAt = 0;
    lastError = undefined;
    watch.observe(token);
    return true;
  }

  const refresh = (reason: string): Promise<boolean> => {
    inflight ??= doRefresh(reason).finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const refreshInBackground = (reason: string): void => {
    if (inflight !== undefined || now() < nextAttemptAt) return;
    void refresh(reason);
  };

  return {
    source,
    remedy,
    async getToken() {
      if (current === undefined) {
        if (inflight !== undefined || now() >= nextAttemptAt) await refresh('first token');
        if (current === undefined) {
          throw new TokenSourceError(
            `no Data Tap token from ${source} yet (${lastError ?? 'no answer'}); next try at ${new Date(nextAttemptAt).toISOString()}`,
            { source },
          );
        }
      }
      // Expired, or about to: the tap would refuse it. Wait for a fresh one, unless a refresh that
      // failed is backing off (that failure was reported; the token in use stays).
      if (now() >= current.renewBy && (inflight !== undefined || now() >= nextAttemptAt)) {
        await refresh('at expiry');
      }
      const token = current.token;
      if (token === refusedToken) refreshInBackground('token refused');
      else if (now() >= current.refreshAt) refreshInBackground('before expiry');
      watch.observe(token);
      return token;
    },
    invalidate() {
      if (current === undefined) return;
      if (refusedToken !== current.token) {
        refusedToken = current.token;
        watch.emit({ kind: 'refused', source, expiresAt: current.expiry?.expiresAt });
      }
      refreshInBackground('token refused');
    },
    refresh: () => refresh('requested'),
    status() {
      return {
        source,
        hasToken: current !== undefined,
        expiresAt: current?.expiry?.expiresAt,
        refused: current !== undefined && current.token === refusedToken,
        lastError,
        nextAttemptAt,
      };
    },
  };
}
