/**
 * The layer's entry (`index.cjs`, which the launcher runs). It sends the registration to the
 * Extensions API first (src/register.ts). Lambda starts the function's runtime only once every
 * extension has registered, and ends the Init when the runtime and every extension called `next`.
 *
 * The fast path (src/fast-path.ts; taken when every variable it reads is plainly valid and
 * DATA_TAPS_STRICT is not true): while Lambda answers the registration it binds the telemetry
 * listener; then it subscribes and sends the first `next`, and loads the rest of the extension
 * (`main.cjs`) only when the Init is over: at the first event (the answer to that `next`) or the
 * first telemetry batch, whichever comes first. Loaded during the Init, `main.cjs` (~30 ms of CPU)
 * would be taken from the runtime's own start. main takes everything over (src/extension.ts).
 *
 * Otherwise (the slow path) it loads `main.cjs` as soon as the registration is out, and main
 * validates the configuration before it subscribes (it names a bad variable, and strict mode can
 * fail the Init). This file loads only `node:` built-ins (its budget: scripts/package-layer.mjs).
 */
import { type FastPathHandOver, fastPathSettings, listen, subscribeAndNext } from './fast-path.js';
import type * as Main from './main.js';
import { type RegistrationOutcome, registerFromEnvironment, registrationTarget } from './register.js';

const executableName = process.argv[2];
const env = process.env;
const settings = registrationTarget(env, executableName) ? fastPathSettings(env) : undefined;
// Without a valid AWS_LAMBDA_RUNTIME_API nothing is sent: the rest says why, and exits 1.
const registering: Promise<RegistrationOutcome | undefined> = registerFromEnvironment(
  env,
  executableName,
  // Once the request is out (a tick later, so that `registering` is set).
  () => process.nextTick(settings ? fastPath : handOver),
);

/** Binds the listener while Lambda answers the registration, subscribes, sends `next`, waits. */
function fastPath() {
  const fast = settings;
  if (!fast) return;
  Promise.all([registering, listen(fast)]).then(([outcome, bound]) => {
    const runtimeApi = env['AWS_LAMBDA_RUNTIME_API'];
    if (!bound || !outcome?.ok || runtimeApi === undefined) {
      // main binds, reports and exits as before.
      bound?.server.close();
      handOver();
      return;
    }
    // main is loaded once the Init is over: at the first event, or the first telemetry batch.
    let loaded = false;
    const load = () => {
      if (loaded) return;
      loaded = true;
      handOver(handed);
    };
    const handed = subscribeAndNext(runtimeApi, outcome.registration.extensionId, fast, bound, () =>
      handed.firstNext.then(load, load),
    );
    bound.server.once('request', () => process.nextTick(load));
  });
}

function handOver(fast?: FastPathHandOver) {
  // A file of its own next to this one (see tsup.config.ts), loaded only now.
  const main = require('./main.cjs') as typeof Main;
  main.start({ executableName, registering, fastPath: fast });
}
