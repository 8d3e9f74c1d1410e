import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema, SCHEMA_DUMP } from '../../scripts/dump-schema.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { toDriver, type SqlDriver } from '../../src/sql/driver.js';
import { appliedMigrations, MIGRATIONS, migrate, migrationScript, SCHEMA_VERSION } from '../../src/sql/migrations.js';
import { PREVIOUS, SINCE_PREVIOUS } from '../sql/releases.js';
import { DATABASE_URL, serverSchemas } from '../sql/server.js';

async function cli(args: string[], load?: CliIo['load']) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ...(load ? { load } : {}),
  });
  return { code, stdout, stderr };
}

const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;

describe('dealflow migrate without a database', () => {
  it('--print prints every migration for a new schema, as one script, with the schema named', async () => {
    const { code, stdout, stderr } = await cli(['migrate', '--print']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toBe(
      `-- dealflow ${version}: ${SCHEMA_VERSION === 1 ? 'migration 1' : `migrations 1 to ${SCHEMA_VERSION}`} for a new schema, schema "dealflow"\n${migrationScript('dealflow')}`,
    );
    expect(stdout).toContain('CREATE TABLE "dealflow".deals (');
    expect(stdout).toMatch(/^BEGIN;\nSELECT pg_advisory_xact_lock\(/m);
    for (const m of MIGRATIONS) expect(stdout).toContain(`-- migration ${m.version} (${m.file}): ${m.description}\n`);
    expect(stdout).not.toContain('{{schema}}');

    const other = await cli(['migrate', '--print', '--schema', 'crm_flow']);
    expect(other.stdout).toContain('CREATE TABLE "crm_flow".deals (');
    expect(other.stdout).not.toContain('"dealflow"');
  });

  it('refuses bad usage with 64: no --database-url to apply to, a schema that is not a plain name, an unknown option', async () => {
    const none = await cli(['migrate']);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('migrate needs --database-url (or --print to see the SQL)');
    const bad = await cli(['migrate', '--print', '--schema', 'Deal-Flow']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('schema "Deal-Flow" is not a plain name; use lower-case letters');
    const typo = await cli(['migrate', '--databse-url', 'postgres://x']);
    expect(typo.code).toBe(64);
    expect(typo.stderr).toContain('did you mean --database-url?');
  });

  it('says to install pg (69) when --database-url is given without it', async () => {
    const { code, stderr } = await cli(['migrate', '--database-url', 'postgres://localhost/db'], async () => {
      throw new Error("Cannot find module 'pg'");
    });
    expect(code).toBe(69);
    expect(stderr).toContain('--database-url needs pg, which is not installed');
    expect(stderr).toContain('npm install pg');
  });

  it('lists migrate in dealflow --help', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/migrate\s+apply the SQL store's schema migrations/);
  });
});

interface Database {
  /** The `load` the CLI gets pg from, and the URL to give it. */
  load?: CliIo['load'];
  url: () => string;
  driver: () => SqlDriver;
  schema: () => string;
}

function migrateAgainst(name: string, db: Database): void {
  describe(`dealflow migrate --database-url on ${name}`, () => {
    const run = (args: string[]) => cli(['migrate', '--database-url', db.url(), ...args], db.load);

    it('--print on an absent schema prints every migration and creates nothing', async () => {
      const schema = db.schema();
      const { code, stdout } = await run(['--print', '--schema', schema]);
      expect(code).toBe(0);
      expect(stdout).toContain(migrationScript(schema));
      const { rows } = await db.driver().query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(rows).toEqual([]);
    });

    it('on a schema at the previous version (0.1.0): --print shows only what it lacks; migrate applies that, and says so', async () => {
      const schema = db.schema();
      await migrate(db.driver(), schema, PREVIOUS);
      const printed = await run(['--print', '--schema', schema]);
      expect(printed.code).toBe(0);
      if (SINCE_PREVIOUS.length === 0) {
        expect(printed.stdout).toBe(`-- schema "${schema}" is at version ${SCHEMA_VERSION}, the latest: nothing to apply\n`);
      } else {
        expect(printed.stdout).toContain(migrationScript(schema, SINCE_PREVIOUS));
        for (const m of PREVIOUS) expect(printed.stdout).not.toContain(`-- migration ${m.version} `);
      }
      expect(await appliedMigrations(db.driver(), schema)).toEqual(PREVIOUS.map((m) => m.version));

      const applied = await run(['--schema', schema]);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toBe(
        SINCE_PREVIOUS.length === 0
          ? `schema "${schema}" is at version ${SCHEMA_VERSION}, the latest: nothing to apply\n`
          : `${SINCE_PREVIOUS.map((m) => `applied migration ${m.version} (${m.file}): ${m.description}\n`).join('')}schema "${schema}" is at version ${SCHEMA_VERSION}, the latest\n`,
      );
      expect(await dumpSchema(db.driver(), schema)).toBe(readFileSync(SCHEMA_DUMP, 'utf8'));
    });

    it('applies every migration to a new schema, then finds nothing to do', async () => {
      const schema = db.schema();
      const first = await run(['--schema', schema]);
      expect(first.code).toBe(0);
      expect(first.stdout).toBe(
        `${MIGRATIONS.map((m) => `applied migration ${m.version} (${m.file}): ${m.description}\n`).join('')}schema "${schema}" is at version ${SCHEMA_VERSION}, the latest\n`,
      );
      expect(await appliedMigrations(db.driver(), schema)).toEqual(MIGRATIONS.map((m) => m.version));
      const again = await run(['--schema', schema]);
      expect([again.code, again.stdout]).toEqual([0, `schema "${schema}" is at version ${SCHEMA_VERSION}, the latest: nothing to apply\n`]);
    });

    it('exits 1 when a migration fails, and leaves the schema as it was', async () => {
      const schema = db.schema();
      await db.driver().query(`CREATE SCHEMA "${schema}"`);
      await db.driver().query(`CREATE TABLE "${schema}".deals (id text)`);
      const { code, stderr } = await run(['--schema', schema]);
      expect(code).toBe(1);
      expect(stderr).toContain(`migration 1 (${MIGRATIONS[0]!.description}) failed in schema ${schema}`);
      expect(stderr).toContain('[INVALID_CONFIG]');
      // Rolled back with the table of versions it created.
      expect(await appliedMigrations(db.driver(), schema)).toEqual([]);
    });

    it('says when the schema is newer than this dealflow, and applies nothing', async () => {
      const schema = db.schema();
      await migrate(db.driver(), schema);
      await db.driver().query(`INSERT INTO "${schema}".migrations (version, description) VALUES ($1, 'from a later dealflow')`, [SCHEMA_VERSION + 5]);
      const { code, stdout, stderr } = await run(['--schema', schema]);
      expect(code).toBe(0);
      expect(stderr).toContain(`schema "${schema}" has migrations up to ${SCHEMA_VERSION + 5}, newer than this dealflow`);
      expect(stdout).toContain('nothing to apply');
    });
  });
}

describe('on PGlite (standing in for pg)', () => {
  let db: PGlite;
  let n = 0;
  const urls: string[] = [];
  beforeAll(async () => {
    db = await PGlite.create();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  /** A pg module whose Pool runs on the PGlite instance (one connection: transactions are sequential). */
  const fakePg = () => ({
    default: {
      Pool: class {
        readonly totalCount = 0;
        constructor(options: { connectionString: string }) {
          urls.push(options.connectionString);
        }
        async connect() {
          return { query: (t: string, p?: unknown[]) => db.query(t, p), release() {}, on() {}, removeListener() {} };
        }
        query(t: string, p?: unknown[]) {
          return db.query(t, p);
        }
        on() {}
        async end() {}
      },
    },
  });
  migrateAgainst('PGlite', {
    load: async (s) => (s === 'pg' ? fakePg() : import(s)),
    url: () => 'postgres://app:secret@db.example.test:5432/sales',
    driver: () => toDriver(db),
    schema: () => `cli_${++n}`,
  });
  it('hands the URL to pg as given', () => {
    expect(new Set(urls)).toEqual(new Set(['postgres://app:secret@db.example.test:5432/sales']));
  });
});

describe.runIf(DATABASE_URL)('on the PostgreSQL server', () => {
  const server = serverSchemas(DATABASE_URL!);
  afterAll(() => server.close());
  migrateAgainst('the PostgreSQL server', { url: () => DATABASE_URL!, driver: () => toDriver(server.pool), schema: () => server.next('cli') });

  it('exits 69 naming the database, its password hidden, when it cannot be reached', async () => {
    const { code, stderr } = await cli(['migrate', '--database-url', 'postgres://app:secret@127.0.0.1:1/sales']);
    expect(code).toBe(69);
    expect(stderr).toContain('cannot use the database at postgres://app:***@127.0.0.1:1/sales: ');
    expect(stderr).toContain('ECONNREFUSED');
    expect(stderr).not.toContain('secret');
  });
});
