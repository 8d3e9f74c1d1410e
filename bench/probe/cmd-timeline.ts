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
const K = Number(process.argv[3] ?? 1);
const engines = Array.from({ length: K }, () => createEngine({ pipelines: [SQL_BENCH_PIPELINE], storage, ids: new UuidIds() }));
for (let k = 0; k < K; k++) for (let i = 0; i < 50; i++) await engines[k]!.createDeal({ id: `E${k}-${i}`, pipelineId: 'sales', ownerId: 'anna' });
const { AsyncLocalStorage } = await import('node:async_hooks');
const als = new AsyncLocalStorage<number[]>();
const waits: number[][] = [];
const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => Promise<unknown> };
const orig = proto.query;
proto.query = function (this: unknown, ...a: unknown[]) {
  const t = performance.now();
  const r = orig.apply(this, a) as Promise<unknown>;
  const mine = als.getStore();
  r?.then?.(
    () => mine?.push(performance.now() - t),
    () => undefined,
  );
  return r;
};
const n = Number(process.argv[2] ?? 2000);
const total: number[] = [];
const t00 = performance.now();
await Promise.all(
  engines.map(async (e, k) => {
    for (let i = 0; i < n / K; i++) {
      const cur: number[] = [];
      const t = performance.now();
      await als.run(cur, () => e.updateDeal(`E${k}-${i % 50}`, { fields: { note: `n${i}` } }));
      total.push(performance.now() - t);
      waits.push(cur);
    }
  }),
);
console.log('per s', Math.round((n / (performance.now() - t00)) * 1000));
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
await pool.end().catch(() => undefined);
