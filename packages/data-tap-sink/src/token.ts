/**
 * A source of Data Tap tokens, for tokens that expire (the tap's client tokens are JWTs living at
 * most 24 h). `getToken()` is called before every request, so it should cache; `invalidate()` is
 * called when the tap refuses the token (401/403), so the next `getToken()` fetches a fresh one.
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
  getToken(): Promise<string>;
  invalidate?(): void;
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
