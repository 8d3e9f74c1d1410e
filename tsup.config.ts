import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { bundleUi } from './src/console/bundle-ui.js';

/**
 * dealflow/console serves a browser app: it is bundled here, once, and embedded in the console's
 * entry (the source's `assets.ts`, which bundles on first use, is swapped for the result), so the
 * published package ships the app and bundles nothing at run time.
 */
const consoleUi: Plugin = {
  name: 'console-ui',
  setup(build) {
    build.onResolve({ filter: /[\\/]assets\.js$/ }, (args) =>
      /[\\/]src[\\/]console[\\/]/.test(args.importer) ? { path: 'console-ui-assets', namespace: 'console-ui' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'console-ui' }, async () => {
      const { script, stylesheet, files } = await bundleUi(process.cwd());
      return {
        loader: 'js',
        contents: `const assets = ${JSON.stringify({ script, stylesheet, files })};\n/** The browser app, bundled at build time. */\nexport function uiAssets() { return Promise.resolve(assets); }\n`,
      };
    });
  },
};

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'sql/index': 'src/sql/index.ts',
    'email/index': 'src/email/index.ts',
    'webhook/index': 'src/webhook/index.ts',
    'opentelemetry/index': 'src/opentelemetry/index.ts',
    'simulation/index': 'src/simulation/index.ts',
    'console/index': 'src/console/index.ts',
    // The console's dry runs run in a worker thread: its script sits next to the console's entry.
    'console/dry-run-worker': 'src/console/dry-run/worker.ts',
    // The CLI is its own entry, so importing the library never loads it.
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
  esbuildPlugins: [consoleUi],
});
