import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

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

function throwing(name: string, message: string): string {
  return `'use strict';\nmodule.exports = function ${name}() {\n  throw new Error(${JSON.stringify(message)});\n};\n`;
}

const unbundledPinoModules: Plugin = {
  name: 'unbundled-pino-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/(?:lib\/)?(?:transport|redaction|multistream|caller)$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]pino[\\/]/.test(args.importer)) return undefined;
      const name = args.path.slice(args.path.lastIndexOf('/') + 1);
      return { path: name, namespace: 'unbundled-pino-module' };
    });
    build.onLoad({ filter: /.*/, namespace: 'unbundled-pino-module' }, (args) => ({
      contents: UNBUNDLED_PINO_MODULES[args.path],
      loader: 'js',
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

// One bundled file: every dependency inlined, no code splitting, minified. Function names are not
// kept (keepNames costs ~10 KB of the 150 KB budget and parse time at every cold start): our error
// classes set `name` themselves, so logged errors stay readable. CommonJS so that CJS dependencies
// (pino) need no require shim.
export default defineConfig({
  entry: { index: 'src/main.ts' },
  outDir: 'dist/layer/data-taps-lambda-extension',
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  target: 'node20',
  platform: 'node',
  noExternal: [/.*/],
  splitting: false,
  minify: true,
  keepNames: false,
  sourcemap: false,
  clean: true,
  dts: false,
  // esbuild tree-shakes on its own; tsup's extra Rollup pass only added interop helpers (+1.5 KB).
  treeshake: false,
  // The `v8 ignore` comments of dependencies are no use in the bundle.
  esbuildOptions(options) {
    options.legalComments = 'none';
  },
  esbuildPlugins: [unbundledPinoModules, workspaceSources],
});
