// Embeds the numbered SQL files in migrations/ into src/sql/migrations.generated.ts, so the library
// carries its migrations as code: nothing is read from disk at run time, which would need a path
// that differs between the ESM and CommonJS builds (and between tsx and dist) and that a host's
// bundler would not copy. Run by `npm run build` before tsup, and by hand after adding a migration
// (`npm run migrations:write`); test/sql/migration-files.test.ts fails while the two differ.
// The files are embedded as they are; src/sql/migrations.ts reads version and description from them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'migrations');
const target = join(root, 'src', 'sql', 'migrations.generated.ts');

/** A migration file: four digits, a dash, a name (schema.sql, the dump, is not one). */
export const MIGRATION_FILE = /^\d{4}-[a-z0-9][a-z0-9-]*\.sql$/;

/** The generated module's text for the files in `dir`, in name (= version) order. */
export function generatedModule(from = dir) {
  const files = readdirSync(from)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort();
  // A template literal keeps the SQL readable in review; only \, ` and ${ need escaping.
  const literal = (text) => `\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
  const entries = files.map((f) => `  {\n    file: '${f}',\n    text: ${literal(readFileSync(join(from, f), 'utf8'))},\n  },\n`).join('');
  return `// Generated from migrations/*.sql by scripts/write-migrations.mjs (npm run migrations:write); do not edit.
/** The package's migration files, by name, as written. */
export const MIGRATION_FILES: ReadonlyArray<{ file: string; text: string }> = [
${entries}];
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = generatedModule();
  let before = '';
  try {
    before = readFileSync(target, 'utf8');
  } catch {}
  if (before !== text) writeFileSync(target, text);
  const n = readdirSync(dir).filter((f) => MIGRATION_FILE.test(f)).length;
  console.log(`migrations: ${n} file${n === 1 ? '' : 's'} in migrations/ → src/sql/migrations.generated.ts${before === text ? ' (unchanged)' : ' (written)'}`);
}
