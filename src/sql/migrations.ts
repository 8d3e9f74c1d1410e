import { DealflowError } from '../model/errors.js';
import { quoteIdent, type SqlDriver, type SqlQueryable } from './driver.js';
import { num, text } from './literal.js';
import { MIGRATION_FILES } from './migrations.generated.js';

/**
 * The schema, as an append-only list of migrations. Each runs once, in order, inside the
 * transaction that records it. Never edit or remove a released migration: add a new one. Every
 * migration only adds (tables, columns, indexes), so processes still running the previous
 * version keep working while a new one rolls out.
 */
export interface Migration {
  version: number;
  description: string;
  /** SQL with `{{schema}}` standing for the quoted schema name. */
  sql: string;
  /** The file in the package's `migrations/` folder it comes from (`0001-initial.sql`); absent for a host's own. */
  file?: string;
}

/** `0001-initial.sql`: the version is the number, so adding a migration is adding the next file. */
const FILE_NAME = /^(\d{4})-[a-z0-9][a-z0-9-]*\.sql$/;

/**
 * Reads migrations from their files: the version from the name, the description from the first
 * line (`-- what it adds`), the SQL from the rest. Versions must run 1, 2, 3… without gaps, so
 * two branches that each added "the next" migration collide here rather than in a database.
 */
export function migrationsFromFiles(files: ReadonlyArray<{ file: string; text: string }>): Migration[] {
  const migrations = files.map(({ file, text }) => {
    const version = Number(FILE_NAME.exec(file)?.[1]);
    const [first = '', ...rest] = text.split('\n');
    const description = /^--\s*(.*\S)\s*$/.exec(first)?.[1];
    if (!version || description === undefined) {
      throw new DealflowError(
        'INVALID_CONFIG',
        `migration file ${file}: name it NNNN-name.sql (0002-add-owner-index.sql) and start it with a "-- what it adds" line`,
      );
    }
    return { version, description, sql: `${rest.join('\n').trim()}\n`, file };
  });
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new DealflowError(
        'INVALID_CONFIG',
        `migration file ${m.file} has version ${m.version} where ${i + 1} comes next; number the files 0001, 0002… once each`,
      );
    }
  });
  return migrations;
}

/**
 * Every schema migration this build ships, oldest first; what `migrate` applies by default: the
 * files in the package's `migrations/` folder (`migrations/0001-initial.sql`, …). It is exported so
 * a host that runs its own migration tool can read the SQL (with `{{schema}}` replaced by the
 * quoted schema name; `migrationScript` does that), apply it there, record each version in the
 * schema's `migrations` table, and open the store with `migrate: false`.
 */
export const MIGRATIONS: ReadonlyArray<Migration> = migrationsFromFiles(MIGRATION_FILES);

/** The latest version this build of dealflow knows. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Two int4 keys for pg_advisory_xact_lock: a constant for dealflow, and the schema's hash. */
const LOCK_CLASS = 0x64666c77; // 'dflw'

/** What every migration run starts with, in its transaction: the lock, then the schema and the table of versions if missing. */
function preamble(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `SELECT pg_advisory_xact_lock(${num(LOCK_CLASS | 0)}, hashtext(${text(schema)}))`,
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.migrations (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`,
  ];
}

/** A migration's SQL for one schema. */
function body(m: Migration, schema: string): string {
  return m.sql.replaceAll('{{schema}}', quoteIdent(schema));
}

/** The row that records a migration as applied. */
function record(m: Migration, schema: string): string {
  return `INSERT INTO ${quoteIdent(schema)}.migrations (version, description) VALUES (${num(m.version)}, ${text(m.description)})`;
}

/**
 * Brings the schema up to the latest version. Several processes may start at once: an advisory
 * lock taken inside the transaction lets one migrate while the others wait, then find nothing
 * left to do. Returns the versions applied by this call.
 */
export async function migrate(driver: SqlDriver, schema: string, migrations: ReadonlyArray<Migration> = MIGRATIONS): Promise<number[]> {
  return driver.transaction(async (tx) => {
    for (const statement of preamble(schema)) await tx.query(statement);
    const done = new Set(await versionsIn(tx, schema));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      try {
        for (const statement of splitStatements(body(m, schema))) await tx.query(statement);
      } catch (error) {
        throw new DealflowError('INVALID_CONFIG', `migration ${m.version} (${m.description}) failed in schema ${schema}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(record(m, schema));
      applied.push(m.version);
    }
    return applied;
  });
}

/**
 * The versions recorded as applied in a schema, in order; empty when the schema or its
 * `migrations` table does not exist. Only reads: nothing is created.
 */
export async function appliedMigrations(driver: SqlQueryable, schema: string): Promise<number[]> {
  const { rows } = await driver.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${quoteIdent(schema)}.migrations`]);
  return rows[0]?.present ? versionsIn(driver, schema) : [];
}

async function versionsIn(q: SqlQueryable, schema: string): Promise<number[]> {
  const { rows } = await q.query<{ version: number }>(`SELECT version FROM ${quoteIdent(schema)}.migrations ORDER BY version`);
  return rows.map((r) => Number(r.version));
}

/**
 * The SQL `migrate` runs to apply these migrations to a schema, as one script: one transaction,
 * the same advisory lock, each migration followed by the row that records it. `psql -f` runs it
 * as `migrate` would (it does not skip migrations already applied: pass the pending ones).
 */
export function migrationScript(schema: string, migrations: ReadonlyArray<Migration> = MIGRATIONS): string {
  const parts = [['BEGIN', ...preamble(schema)].map((s) => `${s};\n`).join('')];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    parts.push(`-- migration ${m.version}${m.file ? ` (${m.file})` : ''}: ${m.description}\n${body(m, schema).trim()}\n${record(m, schema)};\n`);
  }
  parts.push('COMMIT;\n');
  return parts.join('\n');
}

/**
 * Migrations hold no semicolons in string literals or comments, so a plain split is enough
 * (extended protocol: one statement per query); pieces that are only comments are left out.
 */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}
