import type * as z from 'zod/mini';
import { safeParseInEnglish } from './english-messages.js';
import { TelemetryReceiverOptionsError } from './errors.js';

/**
 * Parses `value` with `schema`, turning a failure into a {@link TelemetryReceiverOptionsError} whose
 * message names each failing option, its value and what is accepted.
 */
export function parseOptions<S extends z.ZodMiniType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = safeParseInEnglish(schema, value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const name = path.length > 0 ? `${label}.${path.join('.')}` : label;
    return `${name} = ${describe(valueAt(value, path))}: ${issue.message}`;
  });
  throw new TelemetryReceiverOptionsError(`Invalid ${label}: ${lines.join('; ')}`, { cause: result.error });
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) {
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
