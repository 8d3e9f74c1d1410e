/**
 * Two runner processes share the work of one PostgreSQL store. The deals were created "last week"
 * (a clock six days back), so when the runners start on the real clock everything is overdue:
 * they catch up together, each claiming batches under a lease, and every message goes out once.
 *
 *   npx tsx examples/two-runners/main.ts        (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createEngine, createRunner, type Notifier } from '../../src/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../proposal-deadline/setup.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = 'dealflow_two_runners';
const DEALS = 300;

if (process.argv[2] === 'runner') await runner(process.argv[3]!);
else await main();

/** One runner process: the real clock, a notifier that remembers what it sent, SIGTERM to stop. */
async function runner(name: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 6 });
  const storage = await createSqlStorage({ client: pool, schema });
  const sent: string[] = [];
  const notifier: Notifier = { send: async (_message, { idempotencyKey }) => void sent.push(idempotencyKey) };
  const engine = createEngine({ pipelines: [proposalPipeline], rules: proposalRules, directory: proposalDirectory(), storage, notifier });
  // Ready, then wait for the word to start, so neither runner gets a head start while the other
  // process is still loading: with batches of 100 the first one would claim everything.
  process.stdout.write(`${JSON.stringify({ ready: name })}\n`);
  await once(createInterface({ input: process.stdin }), 'line');
  const r = createRunner(engine, { owner: name, concurrency: 2, batchSize: 25, leaseMs: 10_000, pollIntervalMs: 200 });
  process.once('SIGTERM', async () => {
    await r.stop();
    process.stdout.write(`${JSON.stringify({ name, stats: r.stats, sent })}\n`);
    await pool.end();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    console.error(`This example needs PostgreSQL at ${url} (set DATABASE_URL): ${(error as Error).message}`);
    process.exit(1);
  }
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const storage = await createSqlStorage({ client: pool, schema });

  // Last week: 300 small deals, each owed a brief now, reminders after 1 and 4 days, an escalation after 5.
  const lastWeek = new FakeClock(new Date(Date.now() - 6 * 86_400_000));
  const office = createEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    storage,
    clock: lastWeek,
    deliverOnCommit: false,
  });
  for (let i = 1; i <= DEALS; i++) {
    await office.createDeal({ id: `D-${i}`, pipelineId: 'sales', ownerId: i % 2 ? 'anna' : 'boris', title: `Deal ${i}`, amount: 1_000 + i });
  }
  const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
  const jobs = await count(`SELECT count(*) AS n FROM ${schema}.jobs`);
  const queued = await count(`SELECT count(*) AS n FROM ${schema}.outbox WHERE status = 'pending'`);
  console.log(`${DEALS} deals created last week: ${jobs} jobs and ${queued} messages waiting, all overdue now.`);

  // Two runner processes, started at once on the real clock.
  const here = fileURLToPath(import.meta.url);
  const children = ['runner-A', 'runner-B'].map((name) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here, 'runner', name], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Array<Record<string, unknown>> = [];
    const seen = (key: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const look = () => {
          const hit = lines.find((l) => key in l);
          if (hit) resolve(hit);
          else setTimeout(look, 20);
        };
        look();
      });
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    return { name, child, seen };
  });
  await Promise.all(children.map((c) => c.seen('ready')));
  for (const c of children) c.child.stdin!.write('go\n');
  const started = Date.now();

  // Wait until nothing is left, then stop both with SIGTERM (runner.stop(): finish in-flight work, let go).
  for (;;) {
    const left = await count(`SELECT (SELECT count(*) FROM ${schema}.jobs) + (SELECT count(*) FROM ${schema}.outbox WHERE status = 'pending') AS n`);
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const took = Date.now() - started;
  for (const c of children) c.child.kill('SIGTERM');
  const reports = (await Promise.all(children.map((c) => c.seen('stats')))) as Array<{
    name: string;
    stats: { jobsRun: number; delivered: number };
    sent: string[];
  }>;

  console.log(`\nBoth runners caught up in ${(took / 1000).toFixed(1)} s:`);
  for (const r of reports) console.log(`  ${r.name}: ran ${r.stats.jobsRun} jobs, delivered ${r.stats.delivered} messages`);
  const keys = reports.flatMap((r) => r.sent);
  const ran = reports.reduce((n, r) => n + r.stats.jobsRun, 0);
  console.log(`\nTogether: ${ran} of ${jobs} jobs ran, ${keys.length} messages sent for ${new Set(keys).size} idempotency keys.`);
  console.log(`Every job ran once: ${ran === jobs ? 'yes' : 'NO'}`);
  // Four messages per deal: the brief, two reminders, the escalation to the manager.
  console.log(`Every message was sent once: ${keys.length === new Set(keys).size && keys.length === 4 * DEALS ? 'yes' : 'NO'}`);
  console.log(`Both runners did part of the work: ${reports.every((r) => r.stats.jobsRun > 0) ? 'yes' : 'NO'}`);
  const violations = await count(`SELECT count(*) AS n FROM ${schema}.records WHERE kind = 'violation'`);
  console.log(`Violations recorded (deals that got no proposal within 5 days): ${violations}`);

  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}
