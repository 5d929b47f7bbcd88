/**
 * A source of Data Tap tokens, for tokens that expire (the tap's client tokens are JWTs living at
 * most 24 h). `getToken()` is called before every request, so it should cache (and answer at once
 * while its token is good: a refresh belongs in the background; waiting is for a token that has
 * expired, and the sink stops waiting at its caller's deadline or signal); `invalidate()` is called
 * when the tap refuses the token (401/403), so the provider fetches a fresh one. `source` and `remedy` only feed the sink's log
 * line when the token is refused: where the token comes from, and what the user should do.
 *
 * @example
 * ```ts
 * let cached: string | undefined;
 * const provider: TokenProvider = {
 *   getToken: async () => (cached ??= await fetchTokenFromBoilingData()),
 *   invalidate: () => {
 *     cached = undefined;
 *   },
 * };
 * const sink = createDataTapSink({ url, token: provider });
 * ```
 */
export interface TokenProvider {
  getToken(): Promise<string> | string;
  invalidate?(): void;
  /** Where the token comes from, such as `static`, `secretsmanager`, `ssm`, `boilingdata`. */
  readonly source?: string;
  /** What to do when the tap refuses the token, in one sentence (never holds the token). */
  readonly remedy?: string;
}

/**
 * Tells a {@link TokenProvider} from a fixed token string.
 *
 * @example
 * ```ts
 * isTokenProvider('abc'); // false
 * isTokenProvider({ getToken: async () => 'abc' }); // true
 * ```
 */
export function isTokenProvider(value: unknown): value is TokenProvider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getToken?: unknown }).getToken === 'function'
  );
}
