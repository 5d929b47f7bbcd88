import { inspect } from 'node:util';

/** What replaces a token in any text this package keeps. */
export const REDACTED = '[redacted]';

/** Shortest token prefix stripped from the end of a truncated text. */
const MIN_PREFIX = 4;
/** How many distinct tokens (a provider rotates them) are remembered for redaction. */
const MAX_SECRETS = 8;

/**
 * Removes secrets from texts: every whole occurrence becomes `[redacted]`, and a text cut in the
 * middle of a secret loses the secret's dangling start.
 */
export interface Redactor {
  /** Remembers a secret (a token as sent). */
  add(secret: string): void;
  /** `text` without any remembered secret. */
  redact(text: string): string;
  /** The first `maxChars` of `text`, redacted, without a partial secret at the cut. */
  truncate(text: string, maxChars: number): string;
  /**
   * `error` itself when nothing in it (message, stack, fields, causes) holds a secret; otherwise a
   * plain `Error` with the same name and a redacted message, so the secret cannot leak through it.
   */
  scrub(error: unknown): unknown;
}

/**
 * Creates a {@link Redactor}.
 *
 * @example
 * ```ts
 * const redactor = createRedactor();
 * redactor.add('s3cret-token');
 * redactor.redact('echo: s3cret-token'); // 'echo: [redacted]'
 * ```
 */
export function createRedactor(): Redactor {
  const secrets: string[] = [];

  const stripDanglingPrefix = (text: string): string => {
    for (const secret of secrets) {
      for (let length = Math.min(secret.length - 1, text.length); length >= MIN_PREFIX; length--) {
        if (text.endsWith(secret.slice(0, length))) return text.slice(0, text.length - length);
      }
    }
    return text;
  };

  const redact = (text: string): string => {
    let result = text;
    for (const secret of secrets) result = result.split(secret).join(REDACTED);
    return result;
  };

  return {
    add(secret) {
      if (secret === '' || secrets.includes(secret)) return;
      secrets.unshift(secret);
      if (secrets.length > MAX_SECRETS) secrets.pop();
    },
    redact(text) {
      return redact(text);
    },
    scrub(error) {
      const seen = inspect(error, { depth: 8, showHidden: true });
      if (!secrets.some((secret) => seen.includes(secret))) return error;
      const copy = new Error(redact(error instanceof Error ? error.message : String(error)));
      if (error instanceof Error) copy.name = error.name;
      copy.stack = `${copy.name}: ${copy.message} [stack removed: it held a secret]`;
      return copy;
    },
    truncate(text, maxChars) {
      const whole = stripDanglingPrefix(redact(text));
      if (whole.length <= maxChars) return whole;
      return stripDanglingPrefix(whole.slice(0, maxChars));
    },
  };
}
