import type { UiAssets } from './ui-assets.js';

let built: Promise<UiAssets> | undefined;

/**
 * The browser app's files. The package build replaces this module with one holding the bundle
 * made at build time (tsup.config.ts), so the published package serves what it ships and bundles
 * nothing at run time; from source (tests, `npm run console`) it is bundled once, on first use.
 */
export function uiAssets(): Promise<UiAssets> {
  built ??= import('./bundle-ui.js').then((m) => m.bundleUi());
  return built;
}
