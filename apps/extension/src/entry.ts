/**
 * The layer's entry (`index.cjs`, which the launcher runs). It sends the registration to the
 * Extensions API first (src/register.ts), then loads the rest of the extension (`main.cjs`) while
 * Lambda answers, and hands the registration over to it. Lambda starts the function's runtime only
 * once every extension has registered, so nothing that can wait comes before that request: this file
 * loads only `node:` built-ins and is a few KB (its budget: scripts/package-layer.mjs).
 */
import type * as Main from './main.js';
import { type RegistrationOutcome, registerFromEnvironment } from './register.js';

const executableName = process.argv[2];
// Without a valid AWS_LAMBDA_RUNTIME_API nothing is sent: the rest says why, and exits 1.
const registering: Promise<RegistrationOutcome | undefined> = registerFromEnvironment(
  process.env,
  executableName,
  // Once the request is out (a tick later, so that `registering` is set).
  () => process.nextTick(handOver),
);
function handOver() {
  // A file of its own next to this one (see tsup.config.ts), loaded only now.
  const main = require('./main.cjs') as typeof Main;
  main.start({ executableName, registering });
}
