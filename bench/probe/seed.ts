/** Probe: seeds `deals` deals with one overdue job each in schema argv[3] (default sqlspeed_x), and leaves them. */
import pg from 'pg';
import { createEngine } from '../../src/engine/engine.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { MarkedIds, seedDeals } from '../../test/sql/fixtures/seed.js';
import { SQL_BENCH_PIPELINE, SQL_BENCH_RULES } from '../lib/sql-rules.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const deals = Number(process.argv[2] ?? 10000);
const schema = process.argv[3] ?? 'sqlspeed_x';
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
const storage = await createSqlStorage({ client: admin, schema });
const seeder = createEngine({
  pipelines: [SQL_BENCH_PIPELINE],
  rules: SQL_BENCH_RULES,
  storage,
  clock: new FakeClock(new Date(Date.now() - 2 * 86_400_000)),
  ids: new MarkedIds(),
});
await seedDeals(seeder, (sql) => admin.query(sql), schema, deals, { pipelineId: 'sales', ownerId: 'anna' });
await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
await admin.end();
