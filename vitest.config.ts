import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The console's browser tests need Chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/console/browser/**', '**/node_modules/**'],
    environment: 'node',
    // One line at the end when the PostgreSQL-server tests are skipped (DATABASE_URL unset).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    coverage: {
      provider: 'v8',
      // Every source file counts, including any no test loads (they show as 0%).
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
