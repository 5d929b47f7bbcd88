import { defineConfig } from 'tsup';

// One bundled file: every dependency inlined, no code splitting, minified, names kept (readable
// stack traces). CommonJS so that CJS dependencies (pino) need no require shim.
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
  keepNames: true,
  sourcemap: false,
  clean: true,
  dts: false,
  treeshake: true,
});
