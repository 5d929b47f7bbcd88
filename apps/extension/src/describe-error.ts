/** `Name: message` of an error (or the text of anything thrown), for one log field. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
