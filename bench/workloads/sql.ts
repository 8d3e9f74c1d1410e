import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createEngine } from '../../src/engine/engine.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { MarkedIds, seedDeals } from '../../test/sql/fixtures/seed.js';
import type { Workload } from '../harness.js';
import { SQL_BENCH_PIPELINE, SQL_BENCH_RULES } from '../lib/sql-rules.js';
import { countRoundTrips } from '../lib/round-trips.js';
import { serverCpuMs } from '../lib/server-cpu.js';

/**
 * dealflow on the local PostgreSQL server (DATABASE_URL), beside two yardsticks measured on the
 * same server in the same run:
 *  - jobs fired per second by 1, 2 and 4 runner processes sharing one store (claimed 100 at a time
 *    with SKIP LOCKED under a lease, each batch one transaction: lock the deals in id order with
 *    their fenced jobs and views, re-check each job, write every effect in one statement), with
 *    the round trips and CPU they took per job;
 *  - commands per second (updateDeal: lock and view, transition, write the deal and the log), 4
 *    engines at once, and their round trips;
 *  - pg-boss 10: send, then fetch + complete, jobs per second;
 *  - `pgbench -N` (TPC-B-like without the contended branch/teller updates) TPS, 4 clients.
 */
const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHILD = fileURLToPath(new URL('../lib/sql-runner-child.ts', import.meta.url));
const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);
const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function reachable(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Seeds `deals` deals whose jobs came due yesterday, then times `runners` runner processes until none is left. */
interface Fired {
  ms: number;
  jobs: number;
  shares: number[];
  /** Round trips the runner processes made, all together. */
  roundTrips: number;
  /** CPU the runner processes used, and the server's over the same span (ms). */
  runnerCpuMs: number;
  serverCpuMs: number;
}

async function jobsFired(pool: pg.Pool, runners: number, deals: number): Promise<Fired> {
  const schema = `bench_sql_runners_${runners}`;
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const storage = await createSqlStorage({ client: pool, schema });
  const twoDaysAgo = new FakeClock(new Date(Date.now() - 2 * 86_400_000));
  const seeder = createEngine({ pipelines: [SQL_BENCH_PIPELINE], rules: SQL_BENCH_RULES, storage, clock: twoDaysAgo, ids: new MarkedIds() });
  await seedDeals(seeder, (sql) => pool.query(sql), schema, deals, { pipelineId: 'sales', ownerId: 'anna' });
  const jobs = Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.jobs`)).rows[0].n);

  const children: ChildProcess[] = [];
  for (let i = 0; i < runners; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, URL_, schema, `runner-${i}`, '4'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
  }
  const lines = children.map((c) => createInterface({ input: c.stdout! }));
  await Promise.all(lines.map((l) => once(l, 'line')));
  const cpu0 = serverCpuMs();
  const t0 = performance.now();
  for (const c of children) c.stdin!.write('go\n');
  for (;;) {
    const { rows } = await pool.query(`SELECT EXISTS (SELECT 1 FROM ${schema}.jobs) AS left`);
    if (!rows[0].left) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - t0;
  const server = serverCpuMs() - cpu0;
  const stats = lines.map((l) => once(l, 'line').then(([line]) => JSON.parse(line as string) as { jobsRun: number; roundTrips: number; cpuMs: number }));
  for (const c of children) c.kill('SIGTERM');
  const all = await Promise.all(stats);
  const shares = all.map((s) => s.jobsRun);
  if (shares.reduce((a, b) => a + b, 0) !== jobs) throw new Error(`runners ran ${shares.join('+')} of ${jobs} jobs`);
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + f(s), 0);
  return { ms, jobs, shares, roundTrips: sum((s) => s.roundTrips), runnerCpuMs: sum((s) => s.cpuMs), serverCpuMs: server };
}

/** updateDeal from 4 engines at once (one pool), each on its own deals. */
async function commands(pool: pg.Pool, count: number): Promise<{ ms: number; count: number; roundTrips: number }> {
  const schema = 'bench_sql_commands';
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const storage = await createSqlStorage({ client: pool, schema });
  const engines = Array.from({ length: 4 }, () => createEngine({ pipelines: [SQL_BENCH_PIPELINE], storage, ids: new UuidIds() }));
  const perEngine = Math.ceil(count / engines.length);
  await Promise.all(
    engines.map(async (e, k) => {
      for (let i = 0; i < 50; i++) await e.createDeal({ id: `E${k}-${i}`, pipelineId: 'sales', ownerId: 'anna' });
    }),
  );
  const trips = countRoundTrips();
  const t0 = performance.now();
  await Promise.all(
    engines.map(async (e, k) => {
      for (let i = 0; i < perEngine; i++) await e.updateDeal(`E${k}-${i % 50}`, { fields: { note: `n${i}` } });
    }),
  );
  const ms = performance.now() - t0;
  const roundTrips = trips.count;
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  return { ms, count: perEngine * engines.length, roundTrips };
}

/** pg-boss 10 on the same server: send one by one (4 at a time), then fetch in batches of 50 and complete them. */
async function pgBoss(pool: pg.Pool, count: number): Promise<{ sendMs: number; workMs: number; count: number }> {
  const schema = 'bench_pgboss';
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const boss = new PgBoss({ connectionString: URL_, schema, max: 8, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('bench');
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        next++;
        await boss.send('bench', { n: next });
      }
    }),
  );
  const sendMs = performance.now() - t0;
  const t1 = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const jobs = await boss.fetch('bench', { batchSize: 50 });
        if (jobs.length === 0) break;
        await boss.complete(
          'bench',
          jobs.map((j) => j.id),
        );
        done += jobs.length;
      }
    }),
  );
  const workMs = performance.now() - t1;
  await boss.stop({ graceful: false, wait: true });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  if (done !== count) throw new Error(`pg-boss completed ${done} of ${count}`);
  return { sendMs, workMs, count };
}

/** `pgbench -N` in a scratch database created and dropped here. */
function pgbench(seconds: number): number {
  const u = new URL(URL_);
  const db = 'dealflow_bench_pgbench';
  const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password), PGOPTIONS: '-c client_min_messages=warning' };
  const psql = (sql: string) => execFileSync('psql', [...conn, '-d', u.pathname.slice(1) || 'postgres', '-qAtc', sql], { env, encoding: 'utf8' });
  psql(`DROP DATABASE IF EXISTS ${db}`);
  psql(`CREATE DATABASE ${db}`);
  try {
    execFileSync('pgbench', [...conn, '-i', '-q', '-s', '1', db], { env, stdio: 'ignore' });
    const out = execFileSync('pgbench', [...conn, '-N', '-c', '4', '-j', '2', '-T', String(seconds), db], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const tps = /tps = ([\d.]+)/.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps: ${out}`);
    return Number(tps[1]);
  } finally {
    psql(`DROP DATABASE IF EXISTS ${db}`);
  }
}

export default {
  name: 'sql',
  async run({ quick }) {
    const pool = new pg.Pool({ connectionString: URL_, max: 12 });
    pool.on('error', () => undefined);
    try {
      if (!(await reachable(pool))) {
        return { table: [], keys: {}, notes: [`skipped: no PostgreSQL at ${URL_} (set DATABASE_URL)`] };
      }
      const deals = quick ? 2_000 : 10_000;
      const runs = [];
      for (const runners of [1, 2, 4]) runs.push({ runners, ...(await jobsFired(pool, runners, deals)) });
      const cmd = await commands(pool, quick ? 1_000 : 4_000);
      const boss = await pgBoss(pool, quick ? 2_000 : 10_000);
      const tps = pgbench(quick ? 5 : 15);

      const table: Array<Record<string, string | number>> = [
        ...runs.map((r) => ({
          what: `dealflow: jobs fired, ${r.runners} runner process${r.runners > 1 ? 'es' : ''}`,
          count: r.jobs,
          'per second': perSec(r.jobs, r.ms),
          notes: `shares ${r.shares.join(' / ')}; ${(r.roundTrips / r.jobs).toFixed(3)} round trips/job; CPU/job ${(r.runnerCpuMs / r.jobs).toFixed(3)} ms runner + ${(r.serverCpuMs / r.jobs).toFixed(3)} ms server`,
        })),
        {
          what: 'dealflow: commands (updateDeal), 4 engines',
          count: cmd.count,
          'per second': perSec(cmd.count, cmd.ms),
          notes: `${(cmd.roundTrips / cmd.count).toFixed(2)} round trips/command`,
        },
        { what: 'pg-boss 10: send', count: boss.count, 'per second': perSec(boss.count, boss.sendMs), notes: '4 at a time' },
        { what: 'pg-boss 10: fetch + complete', count: boss.count, 'per second': perSec(boss.count, boss.workMs), notes: 'batches of 50, 4 workers' },
        { what: 'pg-boss 10: send, fetch, complete', count: boss.count, 'per second': perSec(boss.count, boss.sendMs + boss.workMs), notes: 'whole cycle' },
        { what: 'pgbench -N, 4 clients', count: 0, 'per second': Math.round(tps), notes: 'transactions/s' },
      ];
      const keys: Record<string, number> = {
        'sql.jobs_per_s_1_runner': perSec(runs[0]!.jobs, runs[0]!.ms),
        'sql.jobs_per_s_2_runners': perSec(runs[1]!.jobs, runs[1]!.ms),
        'sql.jobs_per_s_4_runners': perSec(runs[2]!.jobs, runs[2]!.ms),
        'sql.commands_per_s': perSec(cmd.count, cmd.ms),
        'sql.round_trips_per_job': round3(runs[0]!.roundTrips / runs[0]!.jobs),
        'sql.round_trips_per_command': round3(cmd.roundTrips / cmd.count),
        'sql.cpu_ms_per_job': round3((runs[0]!.runnerCpuMs + runs[0]!.serverCpuMs) / runs[0]!.jobs),
        'sql.cpu_ms_per_job_runner': round3(runs[0]!.runnerCpuMs / runs[0]!.jobs),
        'sql.cpu_ms_per_job_server': round3(runs[0]!.serverCpuMs / runs[0]!.jobs),
        'sql.pgboss_send_per_s': perSec(boss.count, boss.sendMs),
        'sql.pgboss_fetch_complete_per_s': perSec(boss.count, boss.workMs),
        'sql.pgboss_jobs_per_s': perSec(boss.count, boss.sendMs + boss.workMs),
        'sql.pgbench_tps': Math.round(tps),
      };
      return {
        table,
        keys,
        notes: [
          `PostgreSQL at ${URL_.replace(/:[^:@/]*@/, ':***@')}, default settings (synchronous_commit on); ${deals} deals seeded with one overdue job each.`,
          "A dealflow job is a whole engine step, run in batches: claim up to 100 (one statement, SKIP LOCKED, lease), then one transaction that locks the batch's deals in id order with their fenced jobs and views (one round trip), re-checks each job through the pure transition, and writes every deal, job removal and log line in one statement with COMMIT.",
          "Round trips are counted in the runner processes (each pg query call is one); CPU is the runners' (process.cpuUsage) plus the server's over the same span (/proc, every postgres process: the server is shared, so other clients count too). Per-job figures are from the 1-runner run.",
          'A pg-boss job is a queue row: insert, then fetch + complete. pgbench -N: 3 updates, 1 select, 1 insert per transaction.',
          'Each runner process: concurrency 4 (batches in flight), batches of 100; the machine has the cores `nproc` says, shared by the server and the runners.',
        ],
      };
    } finally {
      await pool.end();
    }
  },
} satisfies Workload;
