import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { dumpSchema, SCHEMA_DUMP } from '../../scripts/dump-schema.js';
import { isDealflowError } from '../../src/model/errors.js';
import { toDriver, type SqlDriver } from '../../src/sql/driver.js';
import { MIGRATION_FILES } from '../../src/sql/migrations.generated.js';
import { appliedMigrations, MIGRATIONS, migrate, migrationScript, migrationsFromFiles, SCHEMA_VERSION } from '../../src/sql/migrations.js';
import { createSqlStorage } from '../../src/sql/storage.js';
import { createTestEngine } from '../../src/testing/index.js';
import { PREVIOUS, SINCE_PREVIOUS } from './releases.js';
import { DATABASE_URL, serverSchemas } from './server.js';

const root = resolve(import.meta.dirname, '..', '..');
const FILE = /^\d{4}-[a-z0-9][a-z0-9-]*\.sql$/;

/** Released files never change (databases have run them); a new migration is a new file. */
const RELEASED_FILES: Record<string, string> = {
  '0001-initial.sql': '62c63b532f141f2328b53ec3db9d3deda2897f86d00fb631b75697e3831c1b5b',
};

const DUMP_HINT = 'the migrated schema differs from migrations/schema.sql: if the change is meant, run `npm run schema:dump` and commit the file';

describe('the migration files', () => {
  it('are what the library carries: src/sql/migrations.generated.ts holds every migrations/NNNN-*.sql as written', () => {
    const files = readdirSync(join(root, 'migrations'))
      .filter((f) => FILE.test(f))
      .sort()
      .map((file) => ({ file, text: readFileSync(join(root, 'migrations', file), 'utf8') }));
    expect(MIGRATION_FILES, 'migrations/ and src/sql/migrations.generated.ts differ: run `npm run migrations:write`').toEqual(files);
    expect(MIGRATIONS.map((m) => [m.version, m.file])).toEqual(files.map((f, i) => [i + 1, f.file]));
    expect(SCHEMA_VERSION).toBe(files.length);
  });

  it('read version from the name, description from the first line, the SQL from the rest', () => {
    const [first] = migrationsFromFiles([{ file: '0001-initial.sql', text: '-- deals and jobs\n\nCREATE TABLE {{schema}}.deals (id text);\n' }]);
    expect(first).toEqual({ version: 1, description: 'deals and jobs', sql: 'CREATE TABLE {{schema}}.deals (id text);\n', file: '0001-initial.sql' });
    expect(MIGRATIONS[0]?.description).toBe('deals, enrolments, jobs, log, outbox, records, meta');
  });

  it('refuse a gap, a number taken twice, a bad name or a missing description, saying how to name them', () => {
    const one = { file: '0001-a.sql', text: '-- a\nSELECT 1;' };
    const cases = [
      [[one, { file: '0003-c.sql', text: '-- c\nSELECT 1;' }], /0003-c.sql has version 3 where 2 comes next/],
      [[one, { file: '0001-b.sql', text: '-- b\nSELECT 1;' }], /has version 1 where 2 comes next/],
      [[{ file: '1-a.sql', text: '-- a\nSELECT 1;' }], /name it NNNN-name.sql/],
      [[{ file: '0001-a.sql', text: 'SELECT 1;' }], /start it with a "-- what it adds" line/],
    ] as const;
    for (const [files, message] of cases) {
      expect(() => migrationsFromFiles(files)).toThrow(message);
      try {
        migrationsFromFiles(files);
      } catch (error) {
        expect(isDealflowError(error, 'INVALID_CONFIG')).toBe(true);
      }
    }
  });

  it('of released versions are never edited', () => {
    for (const [file, sha256] of Object.entries(RELEASED_FILES)) {
      const digest = createHash('sha256')
        .update(readFileSync(join(root, 'migrations', file)))
        .digest('hex');
      expect(digest, `${file} was released and databases have run it: undo the edit and add a new migration file instead`).toBe(sha256);
    }
  });

  it('are shipped in the package, beside the schema dump', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('migrations');
    expect(pkg.scripts.build).toMatch(/^node scripts\/write-migrations\.mjs && /);
  });
});

/** What a store at 0.1.0 held (test/sql/fixtures/store-0.1.0.json says how it was made). */
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'store-0.1.0.json'), 'utf8')) as {
  clock: string;
  tables: Record<string, Array<Record<string, unknown>>>;
};

/** Writes the fixture's rows as the old version did; seq columns are left to the database, in the order given. */
async function insertFixture(driver: SqlDriver, schema: string): Promise<void> {
  for (const [table, rows] of Object.entries(fixture.tables)) {
    for (const row of rows) {
      const columns = Object.keys(row);
      await driver.query(
        `INSERT INTO "${schema}".${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM json_populate_record(NULL::"${schema}".${table}, $1::text::json)`,
        [JSON.stringify(row)],
      );
    }
  }
}

interface Target {
  driver: () => SqlDriver;
  schema: () => string;
  /** Runs a script of several statements (the simple query protocol), as psql would. */
  run: (sql: string) => Promise<unknown>;
}

function migrationBehaviour(name: string, target: Target): void {
  describe(`migrations on ${name}`, () => {
    it('make the schema migrations/schema.sql describes', async () => {
      const schema = target.schema();
      expect(await migrate(target.driver(), schema)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await dumpSchema(target.driver(), schema), DUMP_HINT).toBe(readFileSync(SCHEMA_DUMP, 'utf8'));
    });

    it('print a script (dealflow migrate --print) that, run as it is, makes the same schema as migrate', async () => {
      const schema = target.schema();
      expect(await appliedMigrations(target.driver(), schema)).toEqual([]);
      await target.run(migrationScript(schema));
      expect(await appliedMigrations(target.driver(), schema)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await dumpSchema(target.driver(), schema), DUMP_HINT).toBe(readFileSync(SCHEMA_DUMP, 'utf8'));
      // migrate finds nothing left to do on it.
      expect(await migrate(target.driver(), schema)).toEqual([]);
    });

    it('upgrade a database the previous release (0.1.0) made: its rows survive and the engine carries on with them', async () => {
      const schema = target.schema();
      const driver = target.driver();
      await migrate(driver, schema, PREVIOUS);
      await insertFixture(driver, schema);
      expect(await appliedMigrations(driver, schema)).toEqual(PREVIOUS.map((m) => m.version));

      // The pending ones are what `migrate --print` shows for this database, and what migrate applies.
      expect(await migrate(driver, schema)).toEqual(SINCE_PREVIOUS.map((m) => m.version));
      expect(await dumpSchema(driver, schema), `an upgraded database must match a new one; ${DUMP_HINT}`).toBe(readFileSync(SCHEMA_DUMP, 'utf8'));

      const storage = await createSqlStorage({ client: driver, schema });
      const engine = createTestEngine({
        pipelines: [proposalPipeline],
        rules: proposalRules,
        directory: proposalDirectory(),
        storage,
        start: fixture.clock,
        deliverOnCommit: false,
      });
      const [oldDeal] = fixture.tables.deals!;
      expect(await engine.getDeal('deal-1')).toEqual(oldDeal!.doc);
      expect((await engine.history('deal-1')).map((e) => [e.id, e.type])).toEqual(fixture.tables.log!.map((r) => [r.id, r.type]));
      expect((await engine.pendingJobs('deal-1')).map((j) => j.id)).toEqual(['job-2', 'job-3', 'job-4']);
      expect((await engine.records('approval')).map((r) => r.id)).toEqual(['approval-1']);

      // The old jobs run when due, the old pending message goes out, and new work gets new ids.
      await engine.advanceTo('2026-01-10T10:00:00Z');
      expect(engine.notifications.map((n) => [n.template, n.recipient.id])).toEqual([
        ['approval.requested', 'maria'],
        ['proposal.reminder', 'anna'],
        ['proposal.missed', 'maria'],
      ]);
      expect(await engine.pendingJobs('deal-1')).toEqual([]);
      expect((await engine.records('violation')).map((v) => v.dealId)).toEqual(['deal-1']);
      expect((await engine.outbox()).map((m) => [m.id, m.status])).toEqual([
        ['msg-1', 'delivered'],
        ['msg-2', 'delivered'],
        ['msg-3', 'delivered'],
        ['msg-4', 'delivered'],
        ['msg-5', 'delivered'],
      ]);
      const next = await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
      expect(next.id).toBe('deal-2');
      expect((await engine.listDeals()).map((d) => d.id)).toEqual(['deal-1', 'deal-2']);
    });

    it('print only the pending migrations for a database at an earlier version, and running them brings it level', async () => {
      // A release after 0.1.0 stands in for "the next one" here, so the check does not wait for a second migration to exist.
      const next = {
        version: SCHEMA_VERSION + 1,
        description: 'a test column',
        sql: 'ALTER TABLE {{schema}}.deals ADD COLUMN test_note text;\nCREATE INDEX deals_test_note ON {{schema}}.deals (test_note);\n',
      };
      const schema = target.schema();
      const driver = target.driver();
      await migrate(driver, schema);
      const script = migrationScript(schema, [next]);
      expect(script).not.toContain('CREATE TABLE "' + schema + '".deals');
      expect(script).toContain(`ALTER TABLE "${schema}".deals ADD COLUMN test_note text;`);
      await target.run(script);
      expect(await appliedMigrations(driver, schema)).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
      expect(await migrate(driver, schema, [...MIGRATIONS, next])).toEqual([]);
    });
  });
}

describe('on PGlite', () => {
  let db: PGlite;
  let n = 0;
  beforeAll(async () => {
    db = await PGlite.create();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  migrationBehaviour('PGlite', { driver: () => toDriver(db), schema: () => `migr_${++n}`, run: (sql) => db.exec(sql) });
});

describe.runIf(DATABASE_URL)('on the PostgreSQL server', () => {
  const server = serverSchemas(DATABASE_URL!);
  afterAll(() => server.close());
  migrationBehaviour('the PostgreSQL server', { driver: () => toDriver(server.pool), schema: () => server.next('migr'), run: (sql) => server.pool.query(sql) });
});
