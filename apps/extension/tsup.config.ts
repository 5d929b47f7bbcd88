import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** This app's folder (where this file is). */
const appDir = dirname(new URL(import.meta.url).pathname);

/**
 * pino modules for features the extension never uses, replaced in the bundle by a function that
 * throws a clear error if the feature is ever asked for. pino loads them only for those features
 * (`transport` / `pino.transport()`, `redact`, `pino.multistream()`); with their dependencies
 * (thread-stream, @pinojs/redact) they are ~22 KB of the bundle. `caller` only finds the calling
 * files for a transport's relative targets: without transports it has nothing to do, so it
 * returns no files instead of capturing a stack trace each time a logger is created.
 */
const UNBUNDLED_PINO_MODULES: Record<string, string> = {
  transport: throwing(
    'transport',
    'pino transports are not bundled into the Data Taps extension: its log is written synchronously (an asynchronous transport loses lines when Lambda freezes the environment)',
  ),
  redaction: throwing('redaction', "pino's redact option is not bundled into the Data Taps extension"),
  multistream: throwing('multistream', 'pino.multistream() is not bundled into the Data Taps extension'),
  caller: `'use strict';\nmodule.exports = function getCallers() {\n  return [];\n};\n`,
};

/**
 * pino's dependencies swapped for smaller ones in the bundle. `sonic-boom` (9 KB) is the stream
 * behind `pino.destination()`, which the extension does not call: its log goes through its own
 * synchronous destination (src/logger.ts). `safe-stable-stringify` (7.6 KB) is pino's fallback for
 * fields `JSON.stringify` cannot write; build/safe-stringify.cjs does that job in 50 lines.
 * `pino-std-serializers` (4.6 KB) serializes errors and http requests; build/std-serializers.cjs
 * keeps the error serializer's output and a short request/response form.
 */
const SUBSTITUTED_PINO_DEPENDENCIES: Record<string, string> = {
  'sonic-boom': throwing(
    'SonicBoom',
    'sonic-boom (pino.destination()) is not bundled into the Data Taps extension: it logs through its own synchronous destination',
  ),
  // Registers sonic-boom streams for a flush at exit: with sonic-boom gone, never called.
  'on-exit-leak-free': throwing(
    'onExit',
    'on-exit-leak-free (sonic-boom flushing at exit) is not bundled into the Data Taps extension',
  ),
  'safe-stable-stringify': readFileSync(new URL('./build/safe-stringify.cjs', import.meta.url), 'utf8'),
  'pino-std-serializers': readFileSync(new URL('./build/std-serializers.cjs', import.meta.url), 'utf8'),
};

function throwing(name: string, message: string): string {
  return `'use strict';\nmodule.exports = function ${name}() {\n  throw new Error(${JSON.stringify(message)});\n};\n`;
}

/** Both kinds of pino stand-in, by module name. */
const PINO_STAND_INS: Record<string, string> = {
  ...UNBUNDLED_PINO_MODULES,
  ...SUBSTITUTED_PINO_DEPENDENCIES,
};

/** Resolves pino's own modules and dependencies listed above to their stand-ins (only for pino). */
const pinoStandIns: Plugin = {
  name: 'pino-stand-ins',
  setup(build) {
    build.onResolve(
      {
        filter:
          /^(?:\.\/(?:lib\/)?(?:transport|redaction|multistream|caller)|sonic-boom|on-exit-leak-free|safe-stable-stringify|pino-std-serializers)$/,
      },
      (args) => {
        if (!/[\\/]node_modules[\\/]pino[\\/]/.test(args.importer)) return undefined;
        const name = args.path.slice(args.path.lastIndexOf('/') + 1);
        return { path: name, namespace: 'pino-stand-in' };
      },
    );
    build.onLoad({ filter: /.*/, namespace: 'pino-stand-in' }, (args) => ({
      contents: PINO_STAND_INS[args.path],
      loader: 'js',
    }));
  },
};

/**
 * pino, loaded on first use: src/logger.ts builds its pino logger for the first line it writes, and
 * with this stand-in the bundle evaluates pino's modules then too, not at start (~5 ms of a cold
 * start that logs nothing before it subscribed). The stand-in is a function that forwards to pino
 * (logger.ts calls nothing else of it).
 */
const lazyPino: Plugin = {
  name: 'lazy-pino',
  setup(build) {
    build.onResolve({ filter: /^pino$/ }, (args) =>
      args.namespace === 'lazy-pino' || !/[\\/]src[\\/]logger\.ts$/.test(args.importer)
        ? undefined
        : { path: 'pino', namespace: 'lazy-pino' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-pino' }, () => ({
      contents: `let m;const load=()=>m??=require('pino');module.exports=function pino(...args){return load()(...args)};`,
      loader: 'js',
      resolveDir: join(appDir, 'src'),
    }));
  },
};

/**
 * Our packages are bundled from their TypeScript sources rather than their `dist` bundles: one file
 * per module lets esbuild drop whole modules the extension does not use (the packages are
 * `"sideEffects": false`), such as telemetry-receiver's record schemas, which a single `dist`
 * bundle keeps because building a zod schema is a call esbuild cannot prove pure.
 */
const workspaceSources: Plugin = {
  name: 'workspace-sources',
  setup(build) {
    build.onResolve({ filter: /^@data-taps\/[a-z-]+$/ }, async (args) => {
      const manifest = await build.resolve(`${args.path}/package.json`, {
        kind: args.kind,
        resolveDir: args.resolveDir,
      });
      if (manifest.errors.length > 0) return { errors: manifest.errors };
      return { path: join(dirname(manifest.path), 'src', 'index.ts') };
    });
  },
};
/**
 * The token sources that renew tokens (AWS Secrets Manager / SSM with SigV4, BoilingData with Cognito
 * SRP) are ~35 KB that a function using a fixed token never runs. They are built as files of their
 * own next to the bundle and required only when configured, so they cost nothing at cold start.
 */
const LAZY_TOKEN_SOURCES = /^@data-taps\/data-tap-sink\/(aws|boilingdata)$/;
const lazyTokenSources: Plugin = {
  name: 'lazy-token-sources',
  setup(build) {
    build.onResolve({ filter: LAZY_TOKEN_SOURCES }, (args) => ({
      path: `./token-${LAZY_TOKEN_SOURCES.exec(args.path)?.[1]}.cjs`,
      external: true,
    }));
  },
};

/**
 * Built-ins the extension does not use before its first flush, loaded on first use instead of at
 * start: each import of one of them resolves to a module of getters that requires the built-in the
 * first time one of its exports is read. zlib serves only gzip (off by default), https and its TLS
 * the first request to an https tap, crypto the first record id and batch id. Together they are
 * several ms of a cold start on a 2-core machine (see bench/).
 */
const LAZY_BUILTINS = ['node:crypto', 'node:https', 'node:zlib'];
const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(build) {
    const filter = new RegExp(`^(?:${LAZY_BUILTINS.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : // One stand-in per importing file, with getters for the names that file imports.
          // (modules are told apart by path: the importer is part of it)
          { path: `${args.path}?from=${args.importer}`, namespace: 'lazy-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const [builtin = '', importer = ''] = args.path.split('?from=');
      const names = namedImports(readFileSync(importer, 'utf8'), builtin);
      const getters = names.map((name) => `${name}:{get:()=>load().${name}}`);
      return {
        contents: `let m;const load=()=>m??=require(${JSON.stringify(builtin)});Object.defineProperties(module.exports,{${getters.join(',')}});`,
        loader: 'js',
      };
    });
  },
};

/** The names a TypeScript source imports from `specifier` (`import { a, b as c } from '...'`). */
function namedImports(source: string, specifier: string): string[] {
  const pattern = new RegExp(`import\\s*(type\\s+)?\\{([^}]*)\\}\\s*from\\s*'${specifier}'`, 'g');
  const names = new Set<string>();
  for (const match of source.matchAll(pattern)) {
    if (match[1]) continue;
    for (const part of (match[2] ?? '').split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0];
      if (name && !part.trim().startsWith('type ')) names.add(name);
    }
  }
  if (names.size === 0) throw new Error(`lazy-builtins: no named import of ${specifier} found`);
  return [...names];
}

/**
 * The eager entry (src/entry.ts, `index.cjs`) loads the rest of the extension (src/main.ts,
 * `main.cjs`, built next to it) only once its registration is on its way: `require('./main.cjs')`
 * stays a require of that file, not an inlined copy.
 */
const restOfTheExtension: Plugin = {
  name: 'rest-of-the-extension',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const sinkSources = join(appDir, '../../packages/data-tap-sink/src');

// The extension: a small eager entry (`index.cjs`: registration with node:http, then it requires
// `main.cjs`) and the rest in one bundled file (`main.cjs`), every dependency inlined, no code
// splitting, minified. Function names are not kept (keepNames costs ~10 KB of the 150 KB budget and
// parse time at every cold start): our error classes set `name` themselves, so logged errors stay
// readable. CommonJS so that CJS dependencies (pino) need no require shim.
const shared: Options = {
  outDir: 'dist/layer/data-taps-lambda-extension',
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  target: 'node20',
  platform: 'node',
  noExternal: [/.*/],
  splitting: false,
  // tsup's own plugin would mark every `node:` import external before ours see them (lazyBuiltins).
  removeNodeProtocol: false,
  minify: true,
  keepNames: false,
  sourcemap: false,
  // Both builds write to one folder: the build script empties dist/ first.
  clean: false,
  dts: false,
  // esbuild tree-shakes on its own; tsup's extra Rollup pass only added interop helpers (+1.5 KB).
  treeshake: false,
  // The `v8 ignore` comments of dependencies are no use in the bundle.
  esbuildOptions(options) {
    options.legalComments = 'none';
  },
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/entry.ts' },
    esbuildPlugins: [restOfTheExtension],
  },
  {
    ...shared,
    entry: { main: 'src/main.ts' },
    esbuildPlugins: [lazyTokenSources, lazyBuiltins, lazyPino, pinoStandIns, workspaceSources],
  },
  {
    ...shared,
    entry: {
      'token-aws': join(sinkSources, 'aws.ts'),
      'token-boilingdata': join(sinkSources, 'boilingdata.ts'),
    },
    esbuildPlugins: [workspaceSources],
  },
]);
