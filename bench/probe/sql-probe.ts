import pg from 'pg';
import { countRoundTrips } from '../lib/round-trips.js';
import { processCpuMs } from '../lib/server-cpu.js';
import { createEngine } from '../../src/engine/engine.js';
import { createRunner } from '../../src/runner/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { SQL_BENCH_PIPELINE, SQL_BENCH_RULES } from '../lib/sql-rules.js';
import { seedSchema } from './seed-schema.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const deals = Number(process.argv[2] ?? 5000);
const show = process.argv.includes('--sql');
const app = `probe${process.pid}`;
const schema = 'sqlspeed_probe';
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
await seedSchema(admin, schema, deals, process.env.ALTER);
await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
const pool = new pg.Pool({ connectionString: URL_, max: 8, application_name: app });
const storage = await createSqlStorage({ client: pool, schema, migrate: false });
const engine = createEngine({ pipelines: [SQL_BENCH_PIPELINE], rules: SQL_BENCH_RULES, storage });
// warm connections
if (process.env.STATS) pool.on('connect', (c) => void c.query(`SET log_statement_stats = on; SET log_min_error_statement = log`));
const warm = await Promise.all(Array.from({ length: 8 }, () => pool.connect()));
for (const c of warm) c.release();
const trips = countRoundTrips({ keepTexts: show ? 12 : 0 });
const pids = async () => (await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [app])).rows.map((r) => r.pid as number);
const cpuOf = (ps: number[]) => ps.reduce((n, p) => n + processCpuMs(p), 0);
const ps0 = await pids();
console.log('PIDS', ps0.join(','), 'RUNNER', process.pid);
const { spawn } = await import('node:child_process');
const perf = process.env.PERF
  ? spawn('perf', ['record', '-g', '-F', '1999', '-o', process.env.PERF, '-p', [...ps0, process.pid].join(',')], { stdio: 'inherit' })
  : undefined;
if (perf) await new Promise((r) => setTimeout(r, 1500));
const s0 = cpuOf(ps0);
const c0 = process.cpuUsage();
const t0 = performance.now();
const runner = createRunner(engine, { owner: 'probe', concurrency: Number(process.env.CONC ?? 4), pollIntervalMs: 50 });
for (;;) {
  const { rows } = await admin.query(`SELECT EXISTS (SELECT 1 FROM ${schema}.jobs) AS left`);
  if (!rows[0].left) break;
  await new Promise((r) => setTimeout(r, 20));
}
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
const ps1 = await pids();
const s1 = cpuOf(ps1);
await runner.stop();
if (perf) {
  perf.kill('SIGINT');
  await new Promise((r) => perf.once('exit', r));
}
if (ps0.join() !== ps1.join()) console.log('backends changed', ps0, ps1);
const runnerMs = (c.user + c.system) / 1000;
console.log(
  JSON.stringify({
    label: process.env.LABEL,
    deals,
    ms: Math.round(ms),
    jobsPerS: Math.round((deals / ms) * 1000),
    stats: runner.stats,
    tripsPerJob: trips.count / deals,
    runnerCpuMsPerJob: runnerMs / deals,
    serverCpuMsPerJob: (s1 - s0) / deals,
  }),
);
if (show) (await import('node:fs')).writeFileSync('/tmp/sqlspeed-probe.sql', trips.texts.join('\n----\n'));
if (process.env.PLANS) {
  const cs = await Promise.all(Array.from({ length: 8 }, () => pool.connect()));
  const agg = new Map<string, [number, number]>();
  for (const c of cs) {
    for (const r of (await c.query('SELECT name, generic_plans::int AS g, custom_plans::int AS c FROM pg_prepared_statements')).rows) {
      const a = agg.get(r.name) ?? [0, 0];
      agg.set(r.name, [a[0] + r.g, a[1] + r.c]);
    }
    c.release();
  }
  console.log('plans (generic, custom)', JSON.stringify([...agg]));
}
await pool.end();
await new Promise((r) => setTimeout(r, 1500));
const st = await admin.query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY relname`, [
  schema,
]);
for (const r of st.rows) console.log(JSON.stringify(r));
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await admin.end();
