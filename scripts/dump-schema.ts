// The schema the migrations make, as text for review: every table with its columns (type,
// nullability, default), constraints, indexes, sequences, triggers, views and functions, from
// PostgreSQL's catalog, sorted, with the schema's name written {{schema}}. Queries rather than
// pg_dump, whose version must match the server's and whose output moves between versions; these
// read the same on PGlite (PostgreSQL 18 in @electric-sql/pglite 0.5) and a PostgreSQL 13+ server.
//
//   npm run schema:dump          migrates a fresh schema on an in-memory PGlite, writes migrations/schema.sql
//
// test/sql/migrations.test.ts migrates a fresh schema on PGlite (and on the server when DATABASE_URL
// is set) and fails when its dump differs from the committed file, so a schema change shows in review.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SqlQueryable } from '../src/sql/driver.js';

/** Where the committed dump lives. */
export const SCHEMA_DUMP = resolve(import.meta.dirname, '..', 'migrations', 'schema.sql');

/** The dump of `schema` as the committed file holds it. */
export async function dumpSchema(db: SqlQueryable, schema: string): Promise<string> {
  const q = async <R>(sql: string, params: unknown[] = [schema]) => (await db.query<R>(sql, params)).rows;
  // The schema's name, quoted or not, before a dot: `"t_1".deals`, `'t_1.jobs_seq'::regclass`.
  const named = new RegExp(`(?<![\\w"])(?:"${schema}"|${schema})\\.`, 'g');
  const norm = (sql: string) => sql.replace(named, '{{schema}}.');
  const out: string[] = [
    "-- The schema dealflow's migrations make, read back from the catalog by scripts/dump-schema.ts",
    '-- (npm run schema:dump). Generated: do not edit. A description for review, not a script to run.',
  ];

  const versions = await q<{ version: number; description: string }>(`SELECT version, description FROM ${quote(schema)}.migrations ORDER BY version`, []);
  out.push(`-- Migrations: ${versions.map((v) => `${v.version} (${v.description})`).join(', ')}`, '');

  const tables = await q<{ oid: number; name: string }>(
    `SELECT c.oid, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  for (const t of tables) {
    const columns = await q<{ name: string; type: string; notnull: boolean; def: string | null; identity: string; generated: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
              pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [t.oid],
    );
    const width = Math.max(...columns.map((c) => c.name.length));
    const lines = columns.map((c) => {
      const parts = [c.name.padEnd(width), c.type];
      if (c.generated === 's') parts.push(`GENERATED ALWAYS AS (${c.def}) STORED`);
      else if (c.def !== null) parts.push(`DEFAULT ${c.def}`);
      if (c.identity === 'a' || c.identity === 'd') parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
      if (c.notnull) parts.push('NOT NULL');
      return `  ${parts.join(' ')}`;
    });
    out.push(`CREATE TABLE {{schema}}.${t.name} (\n${lines.join(',\n')}\n);`);
    // NOT NULL is said with its column: PostgreSQL 18 (PGlite) also lists it as a constraint, older servers do not.
    const constraints = await q<{ name: string; def: string }>(
      "SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1 AND contype <> 'n' ORDER BY conname",
      [t.oid],
    );
    for (const c of constraints) out.push(`ALTER TABLE {{schema}}.${t.name} ADD CONSTRAINT ${c.name} ${c.def};`);
    // Indexes behind a constraint (primary keys, unique constraints) are said by the constraint.
    const indexes = await q<{ def: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
       ORDER BY c.relname`,
      [t.oid],
    );
    for (const i of indexes) out.push(`${i.def};`);
    const triggers = await q<{ def: string }>('SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname', [
      t.oid,
    ]);
    for (const tr of triggers) out.push(`${tr.def};`);
    out.push('');
  }

  const sequences = await q<{ name: string; type: string; start: string; inc: string; owner: string | null }>(
    `SELECT c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc,
            (SELECT t.relname || '.' || a.attname FROM pg_depend d
               JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owner
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 ORDER BY c.relname`,
  );
  for (const s of sequences) {
    out.push(`CREATE SEQUENCE {{schema}}.${s.name} AS ${s.type} START ${s.start} INCREMENT ${s.inc}${s.owner ? ` OWNED BY {{schema}}.${s.owner}` : ''};`);
  }
  if (sequences.length > 0) out.push('');

  const views = await q<{ name: string; kind: string; def: string }>(
    `SELECT c.relname AS name, c.relkind AS kind, pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY c.relname`,
  );
  for (const v of views) out.push(`CREATE ${v.kind === 'm' ? 'MATERIALIZED ' : ''}VIEW {{schema}}.${v.name} AS\n${v.def.trim()}`, '');

  const functions = await q<{ def: string }>(
    `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
  );
  for (const f of functions) out.push(`${f.def.trim()};`, '');

  // Anything else in the schema (a type, a foreign table…) is named, so it cannot go unseen.
  const other = await q<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind NOT IN ('r', 'p', 'i', 'I', 'S', 'v', 'm') ORDER BY c.relname`,
  );
  for (const o of other) out.push(`-- also: ${o.name} (pg_class.relkind ${o.kind})`);

  return `${norm(out.join('\n')).trimEnd()}\n`;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `npm run schema:dump`: migrate a fresh schema on an in-memory PGlite and write the dump. */
async function main(): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { migrate } = await import('../src/sql/migrations.js');
  const { toDriver } = await import('../src/sql/driver.js');
  const db = await PGlite.create();
  try {
    const driver = toDriver(db);
    await migrate(driver, 'dealflow');
    const dump = await dumpSchema(driver, 'dealflow');
    writeFileSync(SCHEMA_DUMP, dump);
    console.log(`schema: ${join('migrations', 'schema.sql')} (${dump.split('\n').length - 1} lines)`);
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
