// `npm pack` and `npm publish` run this first (prepack), so a package packed from a fresh clone
// is never empty: dist/ and schema/ are gitignored, and `files` would pack neither if they are
// missing. It builds unless dist/ and schema/ are already newer than every source that goes into
// them, because CI packs twice right after `npm run build` and a build takes minutes on 2 cores.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The newest (or, with `oldest`, the oldest) modification time of the files under `path`; null if there are none. */
function mtime(path, oldest = false) {
  if (!existsSync(path)) return null;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let best = null;
  for (const entry of readdirSync(path)) {
    const t = mtime(join(path, entry), oldest);
    if (t !== null && (best === null || (oldest ? t < best : t > best))) best = t;
  }
  return best;
}

const inputs = [
  'src',
  'migrations',
  'tsup.config.ts',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
  'scripts/write-schemas.mjs',
  'scripts/write-migrations.mjs',
];
const newestInput = Math.max(...inputs.map((p) => mtime(join(root, p)) ?? 0));
const builtAt = Math.min(mtime(join(root, 'dist'), true) ?? 0, mtime(join(root, 'schema'), true) ?? 0);
if (builtAt > newestInput) {
  console.error('prepack: dist/ and schema/ are newer than the sources, not rebuilding');
} else {
  console.error('prepack: building dist/ and schema/ (npm run build)');
  const { status } = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (status !== 0) process.exit(status ?? 1);
}
