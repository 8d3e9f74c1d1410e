/**
 * Probe: the sql bench's jobs-fired run for 1, 2, … runner processes (argv: deals, runner counts),
 * counting what does not wobble: the runners' CPU, their own server backends' CPU (by
 * application_name, from /proc), round trips, and HOT updates, per job.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { processCpuMs } from '../lib/server-cpu.js';
import { seedSchema } from './seed-schema.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHILD = fileURLToPath(new URL('../lib/sql-runner-child.ts', import.meta.url));
const deals = Number(process.argv[2] ?? 10000);
const counts = (process.argv[3] ?? '1,2').split(',').map(Number);
const admin = new pg.Pool({ connectionString: URL_, max: 2 });
const app = `sqlspeedrun${process.pid}`;
const cpuOf = processCpuMs;
const backends = async () =>
  new Map((await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [app])).rows.map((r) => [r.pid as number, cpuOf(r.pid)]));

for (const runners of counts) {
  const schema = `sqlspeed_runners_${runners}`;
  await seedSchema(admin, schema, deals);
  const children: ChildProcess[] = [];
  for (let i = 0; i < runners; i++) {
    children.push(
      spawn(
        process.execPath,
        [
          ...(process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : []),
          '--import',
          'tsx',
          CHILD,
          `${URL_}?application_name=${app}`,
          schema,
          `runner-${i}`,
          '4',
        ],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      ),
    );
  }
  const lines = children.map((c) => createInterface({ input: c.stdout! }));
  await Promise.all(lines.map((l) => once(l, 'line')));
  const before = await backends();
  const t0 = performance.now();
  for (const c of children) c.stdin!.write('go\n');
  for (;;) {
    const { rows } = await admin.query(`SELECT EXISTS (SELECT 1 FROM ${schema}.jobs) AS left`);
    if (!rows[0].left) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  const after = await backends();
  let server = 0;
  for (const [pid, cpu] of after) server += cpu - (before.get(pid) ?? 0);
  const stats = lines.map((l) => once(l, 'line').then(([line]) => JSON.parse(line as string) as { jobsRun: number; roundTrips: number; cpuMs: number }));
  for (const c of children) c.kill('SIGTERM');
  const all = await Promise.all(stats);
  const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + f(s), 0);
  await new Promise((r) => setTimeout(r, 1200));
  const hot = (
    await admin.query(
      `SELECT relname, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('deals', 'jobs') ORDER BY 1`,
      [schema],
    )
  ).rows;
  console.log(
    JSON.stringify({
      label: process.env.LABEL,
      runners,
      jobsPerS: Math.round((deals / ms) * 1000),
      shares: all.map((s) => s.jobsRun).join('/'),
      tripsPerJob: +(sum((s) => s.roundTrips) / deals).toFixed(4),
      runnerMsPerJob: +(sum((s) => s.cpuMs) / deals).toFixed(4),
      backendMsPerJob: +(server / deals).toFixed(4),
      hot: hot.map((h) => `${h.relname} ${h.hot}/${h.upd}`).join(', '),
    }),
  );
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
await admin.end();
