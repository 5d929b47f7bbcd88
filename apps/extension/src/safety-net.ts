/**
 * The last line of defence: an error nothing else caught (a rejected promise nobody awaited, a throw
 * inside a timer or an event handler of a library) must not end the extension. On Lambda an
 * extension that exits during an invocation fails that invocation with `Extension.Crash`, and one that
 * exits during the Init fails the Init: the function would pay for a log shipper's bug. So such an
 * error is written once (as one JSON line on stderr, with any secret taken out), counted, and the
 * lifecycle goes on: the event loop keeps running, `next` keeps being called.
 */
import { describeError } from './describe-error.js';

/** At most this many distinct errors are written; later ones are only counted. */
export const MAX_DISTINCT_ERRORS = 20;

/** The process events the net listens to (the part of `process` it uses). */
export interface SafetyNetTarget {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void): unknown;
}

/**
 * Installs the handlers. `secrets` are replaced by `[redacted]` in what is written (the tap token).
 * @example
 * const net = installSafetyNet(process, (line) => process.stderr.write(line), [process.env.BD_TAP_CLIENT_TOKEN]);
 * net.caught(); // errors caught so far
 */
export function installSafetyNet(
  target: SafetyNetTarget,
  write: (line: string) => void,
  secrets: readonly (string | undefined)[] = [],
): { caught(): number } {
  const hidden = secrets.filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= 4,
  );
  const seen = new Set<string>();
  let caught = 0;
  const redact = (text: string) => hidden.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  const handler = (kind: 'unhandledRejection' | 'uncaughtException') => (error: unknown) => {
    caught += 1;
    let text: string;
    try {
      text = redact(describeError(error));
    } catch {
      text = 'an error that cannot be described';
    }
    if (seen.has(text) || seen.size >= MAX_DISTINCT_ERRORS) return;
    seen.add(text);
    try {
      write(
        `${JSON.stringify({ level: 'error', logger: 'data-taps', msg: 'an unexpected error: the extension goes on (please report it)', kind, error: text, caught })}\n`,
      );
    } catch {
      // nowhere to write: still counted, still going on
    }
  };
  target.on('unhandledRejection', handler('unhandledRejection'));
  target.on('uncaughtException', handler('uncaughtException'));
  return { caught: () => caught };
}
