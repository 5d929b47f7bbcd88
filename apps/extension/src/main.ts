/**
 * The extension's entry: the only place that touches process.env, signals and the exit code.
 */
import { describeError } from './describe-error.js';
import { runExtension } from './extension.js';

const stop = new AbortController();
// Lambda never signals an extension (it SIGKILLs at the shutdown deadline); local runs may.
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

runExtension({ env: process.env, signal: stop.signal, executableName: process.argv[2] }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = describeError(error);
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', logger: 'data-taps', msg: 'the extension failed', error: text })}\n`,
    );
    process.exit(1);
  },
);
