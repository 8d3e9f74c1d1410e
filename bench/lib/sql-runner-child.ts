/**
 * One runner process for the `sql` bench: waits for "go" on stdin (so all runners start
 * together), runs until SIGTERM, then prints its stats as JSON, with the round trips it made to
 * the server (every `pg` query call is one: a script of several statements is sent as one) and
 * the CPU it used.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createEngine } from '../../src/engine/engine.js';
import { createRunner } from '../../src/runner/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { SQL_BENCH_PIPELINE, SQL_BENCH_RULES } from './sql-rules.js';
import { countRoundTrips } from './round-trips.js';

const [url, schema, name, concurrency] = process.argv.slice(2) as [string, string, string, string];
const pool = new pg.Pool({ connectionString: url, max: Number(concurrency) + 4 });
const storage = await createSqlStorage({ client: pool, schema });
const engine = createEngine({ pipelines: [SQL_BENCH_PIPELINE], rules: SQL_BENCH_RULES, storage });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
const trips = countRoundTrips();
const cpu0 = process.cpuUsage();
const runner = createRunner(engine, { owner: name, concurrency: Number(concurrency), pollIntervalMs: 50 });
process.once('SIGTERM', async () => {
  await runner.stop();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ ...runner.stats, roundTrips: trips.count, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  await pool.end();
  process.exit(0);
});
