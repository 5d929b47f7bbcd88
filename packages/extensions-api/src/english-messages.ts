import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';

let englishError: z.core.$ZodErrorMap | undefined;

/**
 * zod's messages for an issue no schema gave a message to. `zod/mini` loads no locale (every such
 * message would read "Invalid input"), and configuring zod globally would change the messages of
 * every other zod user in the process. So the English messages are passed per parse, after any
 * error map the process configured with `z.config()`, exactly where classic `zod` would find them.
 */
function messageOf(issue: z.core.$ZodRawIssue) {
  const config = z.config();
  englishError ??= english().localeError;
  return config.customError?.(issue) ?? config.localeError?.(issue) ?? englishError(issue);
}

/**
 * `schema.safeParse(value)` with zod's English messages.
 *
 * @example
 * ```ts
 * const result = safeParseInEnglish(z.number(), 'x');
 * // result.error.issues[0].message === 'Invalid input: expected number, received string'
 * ```
 */
export function safeParseInEnglish<S extends z.ZodMiniType>(schema: S, value: unknown) {
  return schema.safeParse(value, { error: messageOf });
}
