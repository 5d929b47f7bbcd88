/**
 * `build()` on the first call, the same value after: for what only some runs need (a zod schema of a
 * variable that is set) and should not cost a cold start that does not.
 * @example
 * const schema = once(() => z.string().check(z.regex(/^\d+$/)));
 * schema().parse('42');
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
