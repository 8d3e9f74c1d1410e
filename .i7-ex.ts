import pg from 'pg';
import { createEngine } from './src/engine/engine.js';
import { createSqlStorage } from './src/sql/index.js';
import { FakeClock } from './src/testing/index.js';
import { directory, salesPipeline } from './test/helpers.js';
import { RULES } from './test/sql/fixtures/workload.js';
import { MarkedIds, seedDeals } from './test/sql/fixtures/seed.js';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 10 });
await pool.query('DROP SCHEMA IF EXISTS ex CASCADE');
const storage = await createSqlStorage({ client: pool, schema: 'ex' });
const clock = new FakeClock('2026-03-02T09:00:00.000Z');
const seeder = createEngine({ pipelines: [salesPipeline], rules: RULES, directory: directory(), storage, clock, ids: new MarkedIds(), deliverOnCommit: false });
await seedDeals(seeder, (q) => pool.query(q), 'ex', 2000, { pipelineId: 'sales', ownerId: 'anna', amount: 1 });
const c = await pool.connect();
const show = async (label: string, sql: string, params: unknown[]) => {
  await c.query('BEGIN');
  const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  await c.query('ROLLBACK');
  const lines = r.rows.map((x: any) => x['QUERY PLAN']);
  console.log(label); console.log(lines.join('\n'));
};
await show('claimJobs', `WITH picked AS (
         SELECT j.id FROM ex.jobs j
         WHERE j.due_at <= $1::timestamptz
           AND (j.lease_until IS NULL OR j.lease_until <= clock_timestamp())
           AND NOT (j.id = ANY($6::text[]))
           AND NOT EXISTS (
             SELECT 1 FROM ex.jobs e
             WHERE e.deal_id = j.deal_id AND (e.due_at, e.seq) < (j.due_at, j.seq))
         ORDER BY j.due_at, j.seq
         LIMIT $2
         FOR UPDATE OF j SKIP LOCKED),
       claimed AS (
         UPDATE ex.jobs SET lease_owner = $3, lease_token = $4,
           lease_until = clock_timestamp() + $5::float8 * interval '1 millisecond'
         FROM picked WHERE ex.jobs.id = picked.id
         RETURNING ex.jobs.doc, ex.jobs.due_at, ex.jobs.seq)
       SELECT doc::text AS doc FROM claimed ORDER BY due_at, seq`, ['2026-03-03T09:01:00.000Z', 16, 'o', 't', 30000, []]);
const job = (await c.query(`SELECT id, deal_id FROM ex.jobs ORDER BY due_at, seq LIMIT 1`)).rows[0];
c.release();
await pool.query('DROP SCHEMA IF EXISTS ex CASCADE');
await pool.end();
