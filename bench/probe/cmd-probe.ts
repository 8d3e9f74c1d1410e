/** Probe: the sql bench's commands (updateDeal from 4 engines, one pool) with round trips, node CPU and the pool's backends' CPU per command. */
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { countRoundTrips } from '../lib/round-trips.js';
import { processCpuMs } from '../lib/server-cpu.js';
import { createEngine } from '../../src/engine/engine.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { SQL_BENCH_PIPELINE } from '../lib/sql-rules.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const count = Number(process.argv[2] ?? 4000);
const app = `cmdprobe${process.pid}`;
const schema = 'sqlspeed_cmd';
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
const pool = new pg.Pool({ connectionString: URL_, max: 12, application_name: app });
const storage = await createSqlStorage({ client: pool, schema });
const engines = Array.from({ length: 4 }, () => createEngine({ pipelines: [SQL_BENCH_PIPELINE], storage, ids: new UuidIds() }));
const perEngine = Math.ceil(count / engines.length);
await Promise.all(
  engines.map(async (e, k) => {
    for (let i = 0; i < 50; i++) await e.createDeal({ id: `E${k}-${i}`, pipelineId: 'sales', ownerId: 'anna' });
  }),
);
const trips = countRoundTrips({ keepTexts: 6 });
const pids = async () => (await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [app])).rows.map((r) => r.pid as number);
const cpuOf = (ps: number[]) => ps.reduce((n, p) => n + processCpuMs(p), 0);
const ps0 = await pids();
const { spawn } = await import('node:child_process');
const perf = process.env.PERF
  ? spawn('perf', ['record', '-g', '-F', '1999', '-o', process.env.PERF, '-p', [...ps0, process.pid].join(',')], { stdio: 'inherit' })
  : undefined;
if (perf) await new Promise((r) => setTimeout(r, 1500));
trips.reset();
const s0 = cpuOf(ps0);
const c0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  engines.map(async (e, k) => {
    for (let i = 0; i < perEngine; i++) await e.updateDeal(`E${k}-${i % 50}`, { fields: { note: `n${i}` } });
  }),
);
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
const s1 = cpuOf(await pids());
if (perf) {
  perf.kill('SIGINT');
  await new Promise((r) => perf.once('exit', r));
}
const n = perEngine * 4;
console.log(
  JSON.stringify({
    n,
    ms: Math.round(ms),
    perS: Math.round((n / ms) * 1000),
    tripsPerCmd: trips.count / n,
    nodeCpuMsPerCmd: (c.user + c.system) / 1000 / n,
    serverCpuMsPerCmd: (s1 - s0) / n,
  }),
);
writeFileSync('/tmp/sqlspeed-cmd.sql', trips.texts.join('\n----\n'));
await pool.end();
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await admin.end();
