import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'sql/index': 'src/sql/index.ts',
    'email/index': 'src/email/index.ts',
    'webhook/index': 'src/webhook/index.ts',
    'simulation/index': 'src/simulation/index.ts',
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
});
