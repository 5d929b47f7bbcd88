/**
 * The rest of the extension (`main.cjs`), loaded by the eager entry (src/entry.ts) once its
 * registration is on its way. With the entry, the only place that touches process.env, signals and
 * the exit code.
 */
import { describeError } from './describe-error.js';
import { runExtension } from './extension.js';
import type { RegistrationOutcome } from './register.js';
import { installSafetyNet } from './safety-net.js';

/** What the entry hands over. */
export interface HandOver {
  /** The launcher's file name (the fallback registration name). */
  executableName: string | undefined;
  /** The registration the entry sent; `undefined` when it could not send one. */
  registering: Promise<RegistrationOutcome | undefined>;
}

/**
 * Runs the extension with the entry's registration until it ends, then exits with its code.
 * @example
 * require('./main.cjs').start({ executableName: process.argv[2], registering });
 */
export function start(handOver: HandOver): void {
  // An error nothing caught is written once and the lifecycle goes on (see safety-net.ts).
  installSafetyNet(process, (line) => process.stderr.write(line), [process.env['BD_TAP_CLIENT_TOKEN']]);
  const stop = new AbortController();
  // Lambda never signals an extension (it SIGKILLs at the shutdown deadline); local runs may.
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());

  runExtension({
    env: process.env,
    signal: stop.signal,
    executableName: handOver.executableName,
    registration: handOver.registering,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const text = describeError(error);
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', logger: 'data-taps', msg: 'the extension failed', error: text })}\n`,
      );
      process.exit(1);
    },
  );
}
