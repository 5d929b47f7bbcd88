/**
 * Base class of every error thrown by `@data-taps/lambda-sandbox`.
 *
 * @example
 * ```ts
 * try {
 *   await sandbox.invoke({});
 * } catch (error) {
 *   if (error instanceof LambdaSandboxError) console.error(error.name, error.message);
 * }
 * ```
 */
export class LambdaSandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LambdaSandboxError';
  }
}

/**
 * Invalid options given to `createLambdaSandbox`; the message names the option, the value and the
 * accepted range.
 *
 * @example
 * ```ts
 * try { createLambdaSandbox({ layer: '', handler: 'x', functionDir: '.' }); }
 * catch (error) { if (error instanceof SandboxOptionsError) console.error(error.message); }
 * ```
 */
export class SandboxOptionsError extends LambdaSandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxOptionsError';
  }
}

/**
 * A lifecycle call made in the wrong state: `invoke()` before `init()`, after a failed Init, after
 * a crash or a timeout (the environment must be shut down and created again, as Lambda does), or
 * after `shutdown()`.
 *
 * @example
 * ```ts
 * const result = await sandbox.invoke({}).catch((error) => {
 *   if (error instanceof SandboxStateError) return sandbox.shutdown('failure');
 *   throw error;
 * });
 * ```
 */
export class SandboxStateError extends LambdaSandboxError {
  /** The state the sandbox was in. */
  readonly state: string;
  constructor(message: string, state: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxStateError';
    this.state = state;
  }
}

/**
 * The layer cannot be used: not found, a malformed or unsupported zip, an entry escaping the
 * target folder.
 *
 * @example
 * ```ts
 * await sandbox.init().catch((error) => {
 *   if (error instanceof LayerError) console.error('bad layer:', error.message);
 * });
 * ```
 */
export class LayerError extends LambdaSandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LayerError';
  }
}
