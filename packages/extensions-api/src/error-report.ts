/**
 * The error given to `initError()` / `exitError()`: an `Error`, or the body fields themselves.
 *
 * @example
 * ```ts
 * await client.initError('Extension.ConfigInvalid', { errorMessage: 'DATA_TAP_URL is not set' });
 * await client.exitError('Extension.Crash', new Error('spool is corrupt'));
 * ```
 */
export type ErrorReport = Error | { errorMessage: string; errorType?: string; stackTrace?: string[] };

/** The JSON body of `init/error` and `exit/error`. */
export interface ErrorBody {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/**
 * Builds the body Lambda expects. For an `Error`: its message, its `name` as `errorType`, and its
 * stack frames (the `at ...` lines, trimmed). For plain fields: `errorType` defaults to the header's
 * error type and `stackTrace` to `[]`.
 */
export function toErrorBody(error: ErrorReport, headerErrorType: string): ErrorBody {
  if (error instanceof Error) {
    return { errorMessage: error.message, errorType: error.name, stackTrace: stackFrames(error.stack) };
  }
  return {
    errorMessage: String(error.errorMessage),
    errorType: error.errorType ?? headerErrorType,
    stackTrace: Array.isArray(error.stackTrace) ? error.stackTrace.map(String) : [],
  };
}

function stackFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
}
