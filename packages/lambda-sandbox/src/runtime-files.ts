import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files the sandbox starts processes with. */
export interface RuntimeEnvironmentPaths {
  /** The `node` binary (the one running the sandbox). */
  readonly node: string;
  /** The Node runtime bootstrap (`runtime/bootstrap.mjs` of this package). */
  readonly bootstrap: string;
  /** The preload resolving `sandbox.localdomain` to 127.0.0.1. */
  readonly hostsPreload: string;
}

/**
 * Locates `runtime/` next to `src/` or `dist/` (both one level below the package root).
 * @internal
 */
export function resolveRuntimeFiles(): RuntimeEnvironmentPaths {
  const dir = fileURLToPath(new URL('../runtime/', import.meta.url));
  return {
    node: process.execPath,
    bootstrap: join(dir, 'bootstrap.mjs'),
    hostsPreload: join(dir, 'sandbox-hosts.mjs'),
  };
}
