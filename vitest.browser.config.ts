import { defineConfig } from 'vitest/config';

/**
 * The console's browser tests (`npm run test:browser`, run by .ci/run): headless Chromium, Debian's
 * `chromium` at /usr/bin/chromium (CHROMIUM_PATH to use another), driven by playwright-core. Kept
 * out of `npm test` so the main suite needs no browser.
 */
export default defineConfig({
  test: {
    include: ['test/console/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One browser at a time on a small machine.
    fileParallelism: false,
  },
});
