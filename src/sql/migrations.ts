import { DealflowError } from '../model/errors.js';
import { quoteIdent, type SqlDriver } from './driver.js';

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
}

/**
 * Every schema migration this build ships, oldest first; what `migrate` applies by default. It is
 * exported so a host that runs its own migration tool can read the SQL (with `{{schema}}`
 * replaced by the quoted schema name), apply it there, record each version in the schema's
 * `migrations` table, and open the store with `migrate: false`.
 */
export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: 'deals, enrolments, jobs, log, outbox, records, meta',
    sql: `
      CREATE TABLE {{schema}}.deals (
        id          text PRIMARY KEY,
        seq         bigserial NOT NULL,
        pipeline_id text NOT NULL,
        stage_id    text NOT NULL,
        owner_id    text NOT NULL,
        open        boolean NOT NULL,
        version     integer NOT NULL,
        doc         jsonb NOT NULL
      );
      CREATE INDEX deals_pipeline_stage ON {{schema}}.deals (pipeline_id, stage_id);
      CREATE INDEX deals_owner ON {{schema}}.deals (owner_id);
      CREATE INDEX deals_seq ON {{schema}}.deals (seq);

      CREATE TABLE {{schema}}.enrolments (
        deal_id text PRIMARY KEY,
        doc     jsonb NOT NULL
      );

      CREATE SEQUENCE {{schema}}.jobs_seq;
      CREATE TABLE {{schema}}.jobs (
        id          text PRIMARY KEY,
        seq         bigint NOT NULL DEFAULT nextval('{{schema}}.jobs_seq'),
        deal_id     text NOT NULL,
        due_at      timestamptz NOT NULL,
        lease_owner text,
        lease_token text,
        lease_until timestamptz,
        doc         jsonb NOT NULL
      );
      CREATE INDEX jobs_due ON {{schema}}.jobs (due_at, seq);
      CREATE INDEX jobs_deal ON {{schema}}.jobs (deal_id, due_at, seq);
      CREATE INDEX jobs_lease ON {{schema}}.jobs (lease_token) WHERE lease_token IS NOT NULL;

      CREATE TABLE {{schema}}.log (
        seq     bigserial PRIMARY KEY,
        id      text NOT NULL,
        deal_id text,
        type    text NOT NULL,
        at      timestamptz NOT NULL,
        doc     jsonb NOT NULL
      );
      CREATE INDEX log_deal ON {{schema}}.log (deal_id, seq);
      CREATE INDEX log_type_at ON {{schema}}.log (type, at);

      CREATE TABLE {{schema}}.outbox (
        id              text PRIMARY KEY,
        seq             bigserial NOT NULL,
        key             text NOT NULL,
        deal_id         text,
        status          text NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        lease_owner     text,
        lease_token     text,
        lease_until     timestamptz,
        doc             jsonb NOT NULL
      );
      CREATE INDEX outbox_due ON {{schema}}.outbox (next_attempt_at, seq) WHERE status = 'pending';
      CREATE INDEX outbox_deal ON {{schema}}.outbox (deal_id, seq);
      CREATE INDEX outbox_status ON {{schema}}.outbox (status, seq);
      CREATE INDEX outbox_lease ON {{schema}}.outbox (lease_token) WHERE lease_token IS NOT NULL;

      CREATE TABLE {{schema}}.records (
        kind    text NOT NULL,
        id      text NOT NULL,
        seq     bigserial NOT NULL,
        deal_id text,
        at      timestamptz NOT NULL,
        doc     jsonb NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX records_kind_deal ON {{schema}}.records (kind, deal_id, seq);
      CREATE INDEX records_kind_seq ON {{schema}}.records (kind, seq);

      CREATE TABLE {{schema}}.meta (
        key   text PRIMARY KEY,
        value jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'batched due work: records by deal, HOT claims (no lease_token indexes, fillfactor), queue autovacuum',
    sql: `
      CREATE INDEX IF NOT EXISTS records_deal ON {{schema}}.records (deal_id, seq);
      DROP INDEX IF EXISTS {{schema}}.jobs_lease;
      DROP INDEX IF EXISTS {{schema}}.outbox_lease;
      ALTER TABLE {{schema}}.jobs SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
      ALTER TABLE {{schema}}.outbox SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
        autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0)
    `,
  },
];

/** Two int4 keys for pg_advisory_xact_lock: a constant for dealflow, and the schema's hash. */
const LOCK_CLASS = 0x64666c77; // 'dflw'

/**
 * Brings the schema up to the latest version. Several processes may start at once: an advisory
 * lock taken inside the transaction lets one migrate while the others wait, then find nothing
 * left to do. Returns the versions applied by this call.
 */
export async function migrate(driver: SqlDriver, schema: string, migrations: ReadonlyArray<Migration> = MIGRATIONS): Promise<number[]> {
  const s = quoteIdent(schema);
  return driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2))', [LOCK_CLASS | 0, schema]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (
         version     integer PRIMARY KEY,
         description text NOT NULL,
         applied_at  timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      try {
        for (const statement of splitStatements(m.sql.replaceAll('{{schema}}', s))) await tx.query(statement);
      } catch (error) {
        throw new DealflowError('INVALID_CONFIG', `migration ${m.version} (${m.description}) failed in schema ${schema}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(`INSERT INTO ${s}.migrations (version, description) VALUES ($1, $2)`, [m.version, m.description]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** The latest version this build of dealflow knows. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Migrations hold no string literals with semicolons, so a plain split is enough (extended protocol: one statement per query). */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
