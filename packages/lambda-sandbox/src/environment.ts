import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedSandboxOptions } from './options.js';

/** What the environment builder needs besides the options. */
export interface EnvironmentContext {
  readonly runtimeApi: string;
  readonly layerDir: string;
  /** The `node` binary the sandbox runs (its folder goes first on `PATH`). */
  readonly nodePath: string;
  readonly logStreamName: string;
  /** A preload making `sandbox.localdomain` resolve to 127.0.0.1, or undefined. */
  readonly hostsPreload?: string;
  /**
   * A folder put first on the extensions' `PATH` (a `node` that imports the hosts preload itself,
   * for launchers that drop `NODE_OPTIONS`), or undefined.
   */
  readonly binDir?: string;
}

const RUNTIME_ONLY = [
  '_HANDLER',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_XRAY_DAEMON_ADDRESS',
  'AWS_XRAY_CONTEXT_MISSING',
  '_AWS_XRAY_DAEMON_ADDRESS',
  '_AWS_XRAY_DAEMON_PORT',
] as const;

/** Variables only the runtime gets, never extensions (lambda-facts.md). */
export const RUNTIME_ONLY_VARIABLES: readonly string[] = RUNTIME_ONLY;

function nodeOptions(
  user: string | undefined,
  host: string | undefined,
  preload?: string,
): string | undefined {
  const base = user ?? host;
  const parts = [preload ? `--import=${pathToFileURL(preload).href}` : undefined, base].filter(
    (p): p is string => p !== undefined && p !== '',
  );
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * The environment Lambda gives an external extension: the function's variables (minus names
 * starting with `_`) plus the shared Lambda variables; none of the runtime-only ones.
 *
 * @example
 * ```ts
 * const env = extensionEnvironment(options, { runtimeApi: '127.0.0.1:9001', layerDir, nodePath, logStreamName });
 * env.AWS_LAMBDA_RUNTIME_API; // '127.0.0.1:9001'
 * ```
 */
export function extensionEnvironment(
  options: ResolvedSandboxOptions,
  ctx: EnvironmentContext,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) {
    if (!key.startsWith('_') && !RUNTIME_ONLY.includes(key as (typeof RUNTIME_ONLY)[number]))
      env[key] = value;
  }
  const host = options.hostEnv;
  const hostPath = host['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
  Object.assign(env, {
    AWS_LAMBDA_RUNTIME_API: ctx.runtimeApi,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: options.functionVersion,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: [
      ...(ctx.binDir ? [ctx.binDir] : []),
      dirname(ctx.nodePath),
      join(ctx.layerDir, 'bin'),
      hostPath,
    ].join(':'),
  });
  if (host['HOME'] !== undefined) env['HOME'] = host['HOME'];
  if (host['TMPDIR'] !== undefined) env['TMPDIR'] = host['TMPDIR'];
  const nodeOpts = nodeOptions(options.env['NODE_OPTIONS'], host['NODE_OPTIONS'], ctx.hostsPreload);
  if (nodeOpts === undefined) delete env['NODE_OPTIONS'];
  else env['NODE_OPTIONS'] = nodeOpts;
  return env;
}

/**
 * The runtime's environment: the extension environment plus every function variable (`_`-names included) and the
 * runtime-only ones (`_HANDLER`, `LAMBDA_TASK_ROOT`, log group and stream, `AWS_EXECUTION_ENV`,
 * log format and `NODE_PATH`).
 *
 * @example
 * ```ts
 * const env = runtimeEnvironment(options, ctx);
 * env._HANDLER; // 'index.handler'
 * ```
 */
export function runtimeEnvironment(
  options: ResolvedSandboxOptions,
  ctx: EnvironmentContext,
): Record<string, string> {
  const env = extensionEnvironment(options, ctx);
  for (const [key, value] of Object.entries(options.env)) if (!(key in env)) env[key] = value;
  const major = process.versions.node.split('.')[0] as string;
  Object.assign(env, {
    _HANDLER: options.handler,
    LAMBDA_TASK_ROOT: options.functionDir,
    LAMBDA_RUNTIME_DIR: dirname(ctx.nodePath),
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${major}.x`,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: ctx.logStreamName,
    AWS_LAMBDA_LOG_FORMAT: options.logFormat,
    NODE_PATH: [
      join(ctx.layerDir, `nodejs/node${major}/node_modules`),
      join(ctx.layerDir, 'nodejs/node_modules'),
      options.functionDir,
    ].join(':'),
    _LAMBDA_TELEMETRY_LOG_FD: '3',
  });
  return env;
}
