import { describeExpiry, type TokenExpiry, tryReadTokenExpiry } from './jwt.js';
import type { Logger } from './logger.js';

/**
 * Something a token provider reports, for the app to act on (ship a record to the tap, count it).
 * Never holds the token. Times are epoch ms on the provider's clock.
 *
 * - `obtained`: a token is in use for the first time (`expiresAt` undefined when not readable);
 * - `expiring`: the token in use expires within the warning window and no fresher one is there;
 * - `expired`: the token in use has expired and no fresher one is there;
 * - `refused`: the tap refused the token in use (the sink called `invalidate()`);
 * - `refresh-failed`: fetching a fresh token failed; the current one stays in use;
 * - `unchanged`: the source still holds the token in use although it is refused or close to
 *   expiry (nothing rotated it).
 *
 * @example
 * ```ts
 * const onEvent = (event: TokenEvent) => {
 *   if (event.kind === 'expiring') shipRecord({ type: 'extension.tokenExpiring', expiresAt: event.expiresAt });
 * };
 * ```
 */
export type TokenEvent =
  | { kind: 'obtained'; source: string; expiresAt: number | undefined }
  | { kind: 'expiring'; source: string; expiresAt: number; msLeft: number }
  | { kind: 'expired'; source: string; expiresAt: number }
  | { kind: 'refused'; source: string; expiresAt: number | undefined }
  | {
      kind: 'refresh-failed';
      source: string;
      error: Error;
      expiresAt: number | undefined;
      nextAttemptAt: number;
    }
  | { kind: 'unchanged'; source: string; expiresAt: number | undefined; nextAttemptAt: number };

/**
 * What every provider of this package tells about the token it holds, for logs and health checks.
 *
 * @example
 * ```ts
 * const { source, expiresAt, refused } = provider.status();
 * ```
 */
export interface TokenStatus {
  source: string;
  /** Whether a token is held at all. */
  hasToken: boolean;
  /** The expiry of the token held (local clock, epoch ms), when readable. */
  expiresAt: number | undefined;
  /** Whether the tap refused the token held. */
  refused: boolean;
  /** The last refresh failure's message, until a refresh succeeds. */
  lastError: string | undefined;
  /** When the next refresh may start (epoch ms); 0 when it may start now. */
  nextAttemptAt: number;
}

/** Tracks the token in use: logs it once, warns once when it nears its expiry, once when expired. */
export interface TokenWatch {
  /** Called with the token about to be used; returns its expiry. */
  observe(token: string): TokenExpiry | undefined;
  /** The expiry of a token, cached per token. */
  expiryOf(token: string): TokenExpiry | undefined;
  emit(event: TokenEvent): void;
}

/**
 * Creates the watch a provider shares its logging and events through.
 *
 * @example
 * ```ts
 * const watch = createTokenWatch({ source: 'static', warnBeforeMs: 3_600_000, remedy }, { now, logger });
 * watch.observe(token);
 * ```
 */
export function createTokenWatch(
  settings: { source: string; warnBeforeMs: number | ((expiry: TokenExpiry) => number); remedy: string },
  deps: { now: () => number; logger: Logger; onEvent: ((event: TokenEvent) => void) | undefined },
): TokenWatch {
  let seen: string | undefined;
  let seenExpiry: TokenExpiry | undefined;
  let warnedExpiring = false;
  let warnedExpired = false;

  const emit = (event: TokenEvent): void => {
    try {
      deps.onEvent?.(event);
    } catch (error) {
      deps.logger.warn('a token event handler threw', { kind: event.kind, error: String(error) });
    }
  };

  const expiryOf = (token: string): TokenExpiry | undefined =>
    token === seen ? seenExpiry : tryReadTokenExpiry(token, deps.now());

  return {
    emit,
    expiryOf,
    observe(token) {
      const now = deps.now();
      if (token !== seen) {
        seen = token;
        seenExpiry = tryReadTokenExpiry(token, now);
        warnedExpiring = false;
        warnedExpired = false;
        const fields = {
          source: settings.source,
          expiresAt: seenExpiry === undefined ? undefined : new Date(seenExpiry.expiresAt).toISOString(),
          ...(seenExpiry?.clockSkewMs ? { clockSkewMs: seenExpiry.clockSkewMs } : {}),
        };
        if (seenExpiry === undefined) {
          deps.logger.warn(`Data Tap token in use ${describeExpiry(undefined, now)}`, fields);
        } else {
          deps.logger.info(`Data Tap token in use ${describeExpiry(seenExpiry, now)}`, fields);
        }
        emit({ kind: 'obtained', source: settings.source, expiresAt: seenExpiry?.expiresAt });
      }
      const expiry = seenExpiry;
      if (expiry === undefined) return undefined;
      const left = expiry.expiresAt - now;
      const warnBeforeMs =
        typeof settings.warnBeforeMs === 'number' ? settings.warnBeforeMs : settings.warnBeforeMs(expiry);
      if (left <= 0 && !warnedExpired) {
        warnedExpired = true;
        warnedExpiring = true;
        deps.logger.error(
          `Data Tap token ${describeExpiry(expiry, now)}: the tap will refuse it. ${settings.remedy}`,
          {
            source: settings.source,
            expiresAt: new Date(expiry.expiresAt).toISOString(),
          },
        );
        emit({ kind: 'expired', source: settings.source, expiresAt: expiry.expiresAt });
      } else if (left > 0 && left <= warnBeforeMs && !warnedExpiring) {
        warnedExpiring = true;
        deps.logger.warn(`Data Tap token ${describeExpiry(expiry, now)}. ${settings.remedy}`, {
          source: settings.source,
          expiresAt: new Date(expiry.expiresAt).toISOString(),
        });
        emit({ kind: 'expiring', source: settings.source, expiresAt: expiry.expiresAt, msLeft: left });
      }
      return expiry;
    },
  };
}
