/**
 * Bundles the console's browser app (src/console/ui) with esbuild: one minified ES module and one
 * stylesheet, nothing fetched from elsewhere. The package build (tsup.config.ts) embeds the result
 * in dist/console; run from source (tests, `npm run console`), the console calls this on first
 * use. esbuild is a dev dependency: the published package never imports this file.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { UiAssets } from './assets.js';

/** The bundle, and its size as served compressed (what a browser downloads). */
export interface UiBundle extends UiAssets {
  gzipBytes: number;
}

/** Builds the UI from `src/console/ui/main.tsx` under `root` (default: this file's repository). */
export async function bundleUi(root?: string): Promise<UiBundle> {
  const { build } = await import('esbuild');
  const dir = root ? join(root, 'src', 'console') : dirname(fileURLToPath(import.meta.url));
  const result = await build({
    entryPoints: [join(dir, 'ui', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'out',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  const js = file('.js');
  const css = file('.css');
  const hash = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
  return { js, css, hash, gzipBytes: gzipSync(js).length + gzipSync(css).length };
}
