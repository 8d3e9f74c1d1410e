/** Probe: one engine, sequential updateDeal; where a command's wall time goes (node vs waiting on each query). */
import pg from 'pg';
import { createEngine } from '../../src/engine/engine.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { SQL_BENCH_PIPELINE } from '../lib/sql-rules.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = 'sqlspeed_tl';
const pool = new pg.Pool({ connectionString: URL_, max: 4 });
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
const storage = await createSqlStorage({ client: pool, schema });
const e = createEngine({ pipelines: [SQL_BENCH_PIPELINE], storage, ids: new UuidIds() });
for (let i = 0; i < 50; i++) await e.createDeal({ id: `E-${i}`, pipelineId: 'sales', ownerId: 'anna' });
const waits: number[][] = [];
let cur: number[] = [];
const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => Promise<unknown> };
const orig = proto.query;
proto.query = function (this: unknown, ...a: unknown[]) {
  const t = performance.now();
  const r = orig.apply(this, a) as Promise<unknown>;
  r.then(
    () => cur.push(performance.now() - t),
    () => undefined,
  );
  return r;
};
const n = Number(process.argv[2] ?? 2000);
const total: number[] = [];
for (let i = 0; i < n; i++) {
  cur = [];
  const t = performance.now();
  await e.updateDeal(`E-${i % 50}`, { fields: { note: `n${i}` } });
  total.push(performance.now() - t);
  waits.push(cur);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const q1 = waits.map((w) => w[0] ?? 0),
  q2 = waits.map((w) => w[1] ?? 0);
console.log({
  total: med(total).toFixed(3),
  q1: med(q1).toFixed(3),
  q2: med(q2).toFixed(3),
  node: med(total.map((t, i) => t - q1[i]! - q2[i]!)).toFixed(3),
  queries: med(waits.map((w) => w.length)),
});
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await pool.end();
