/** What every probe starts from: `deals` deals with one overdue job each, in a fresh `schema`. */
import type pg from 'pg';
import { createEngine } from '../../src/engine/engine.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { MarkedIds, seedDeals } from '../../test/sql/fixtures/seed.js';
import { SQL_BENCH_PIPELINE, SQL_BENCH_RULES } from '../lib/sql-rules.js';

/** Drops and re-creates `schema`, runs `alter` (with `{{schema}}` replaced) if given, and seeds it as the bench does. */
export async function seedSchema(admin: pg.Pool, schema: string, deals: number, alter?: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const storage = await createSqlStorage({ client: admin, schema });
  if (alter) await admin.query(alter.replaceAll('{{schema}}', schema));
  const seeder = createEngine({
    pipelines: [SQL_BENCH_PIPELINE],
    rules: SQL_BENCH_RULES,
    storage,
    clock: new FakeClock(new Date(Date.now() - 2 * 86_400_000)),
    ids: new MarkedIds(),
  });
  await seedDeals(seeder, (sql) => admin.query(sql), schema, deals, { pipelineId: 'sales', ownerId: 'anna' });
}
