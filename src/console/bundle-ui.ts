/**
 * Bundles the console's browser app (src/console/ui) with esbuild: a minified ES module for the
 * page, the chunks it loads when a page needs them (the charts, the rules editor: the board never
 * downloads them), and one stylesheet; nothing fetched from elsewhere. The package build
 * (tsup.config.ts) embeds the result in dist/console; run from source (tests, `npm run console`),
 * the console calls this on first use. esbuild is a dev dependency: the published package never
 * imports this file.
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { UiAssets } from './ui-assets.js';

/** The bundle, and its sizes as served compressed (what a browser downloads). */
export interface UiBundle extends UiAssets {
  /** Every file, gzipped, added up. */
  gzipBytes: number;
  /** What the board downloads: the page's script, the chunks it imports up front, the stylesheet (gzip). */
  pageGzipBytes: number;
  /** Each file's gzipped size, by name. */
  gzipBytesByFile: Record<string, number>;
}

/** Builds the UI from `src/console/ui/main.tsx` under `root` (default: this file's repository). */
export async function bundleUi(root?: string): Promise<UiBundle> {
  const { build } = await import('esbuild');
  const dir = root ? join(root, 'src', 'console') : dirname(fileURLToPath(import.meta.url));
  const result = await build({
    entryPoints: { app: join(dir, 'ui', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    // Pages that need a large library import it when they open: each becomes its own chunk.
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'out',
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files: Record<string, string> = {};
  for (const f of result.outputFiles) if (!f.path.endsWith('.map')) files[basename(f.path)] = f.text;
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined && /main\.tsx$/.test(o.entryPoint) && !o.entryPoint.endsWith('.css'));
  if (!entry) throw new Error('the console bundle has no entry script');
  const script = basename(entry[0]);
  const stylesheet = entry[1].cssBundle ? basename(entry[1].cssBundle) : '';
  const gzipBytesByFile = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, gzipSync(text).length]));
  const upFront = new Set([script, stylesheet, ...entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => basename(i.path))]);
  const sum = (names: Iterable<string>) => [...names].reduce((n, name) => n + (gzipBytesByFile[name] ?? 0), 0);
  return { script, stylesheet, files, gzipBytes: sum(Object.keys(files)), pageGzipBytes: sum(upFront), gzipBytesByFile };
}
