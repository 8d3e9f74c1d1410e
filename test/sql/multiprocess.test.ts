/**
 * Several processes on one PostgreSQL server (DATABASE_URL): runner processes sharing 10,000 deals
 * with a shared fake clock, one of them killed with SIGKILL mid-run, and concurrent commands on one
 * deal. The children are real processes (test/sql/fixtures/worker.ts), not promises.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { directory, salesPipeline } from '../helpers.js';
import { FileClock, setFileClock } from './fixtures/file-clock.js';
import { MarkedIds, seedDeals } from './fixtures/seed.js';
import { RULES, type WorkerConfig } from './fixtures/workload.js';
import { DATABASE_URL } from './server.js';

const WORKER = join(import.meta.dirname, 'fixtures', 'worker.ts');
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

interface Child {
  name: string;
  proc: ChildProcess;
  events: Array<Record<string, unknown>>;
  waitFor(event: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function spawnWorker(config: WorkerConfig): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ event: string; resolve: (e: Record<string, unknown>) => void }> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    events.push(e);
    for (const w of waiters.filter((w) => w.event === e.event)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    name: config.name,
    proc,
    events,
    exited,
    waitFor: (event) => {
      const seen = events.find((e) => e.event === event);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ event, resolve });
        void exited.then((code) => reject(new Error(`${config.name} exited (${code}) before "${event}"`)));
      });
    },
  };
}

describe.runIf(DATABASE_URL)('several processes on the PostgreSQL server', () => {
  const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const dir = mkdtempSync(join(tmpdir(), 'dealflow-mp-'));
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  const schemas: string[] = [];
  const children: Child[] = [];

  beforeAll(async () => {
    await pool.query('SELECT 1');
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  async function count(sql: string): Promise<number> {
    return Number((await pool.query(sql)).rows[0].n);
  }

  /** Waits for a condition; generous, since CI runs other suites beside this one on two cores. */
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('4 runner processes share 10,000 deals: every action takes effect exactly once, and a runner killed mid-run loses nothing', async () => {
    const schema = `mp_${run}`;
    const probe = `mp_${run}_probe`;
    schemas.push(schema, probe);
    const clockFile = join(dir, 'clock');
    setFileClock(clockFile, at(0));
    await pool.query(`CREATE SCHEMA "${probe}"`);
    await pool.query(`CREATE TABLE "${probe}".attempts (key text NOT NULL, runner text NOT NULL)`);
    await pool.query(`CREATE TABLE "${probe}".effects (key text PRIMARY KEY, runner text NOT NULL)`);

    const DEALS = 10_000;
    const storage = await createSqlStorage({ client: pool, schema });
    const seeder = createEngine({
      pipelines: [salesPipeline],
      rules: RULES,
      directory: directory(),
      storage,
      clock: new FileClock(clockFile),
      ids: new MarkedIds(),
    });
    await seedDeals(seeder, (sql) => pool.query(sql), schema, DEALS, { pipelineId: 'sales', ownerId: 'anna', amount: 1_000 });

    const runners = ['r0', 'r1', 'r2', 'r3'].map((name) =>
      spawnWorker({ role: 'runner', name, url: DATABASE_URL!, schema, probe, clockFile, concurrency: 4, leaseMs: 2_000 }),
    );
    children.push(...runners);
    await Promise.all(runners.map((r) => r.waitFor('running')));
    expect(await count(`SELECT count(*) AS n FROM "${schema}".deals`)).toBe(DEALS);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".jobs`)).toBe(3 * DEALS);
    const effects = () => count(`SELECT count(*) AS n FROM "${probe}".effects`);

    setFileClock(clockFile, at(1 * DAY + 60_000));
    await until('the day-1 reminders', async () => (await effects()) === DEALS);

    setFileClock(clockFile, at(4 * DAY + 60_000));
    await until('some day-4 reminders', async () => (await effects()) >= DEALS + 1_500);
    const killed = runners[0]!;
    killed.proc.kill('SIGKILL');
    await killed.exited;
    await until('the rest of the day-4 reminders', async () => (await effects()) === 2 * DEALS);

    setFileClock(clockFile, at(5 * DAY + 60_000));
    await until('the escalations', async () => (await effects()) === 3 * DEALS);
    await until('the outbox to settle', async () => (await count(`SELECT count(*) AS n FROM "${schema}".outbox WHERE status <> 'delivered'`)) === 0);

    const survivors = runners.slice(1);
    for (const r of survivors) r.proc.kill('SIGTERM');
    const stats = await Promise.all(survivors.map((r) => r.waitFor('stats')));
    expect(await Promise.all(survivors.map((r) => r.exited))).toEqual([0, 0, 0]);

    // Nothing lost: every job ran, once; every message was delivered and recorded once.
    expect(await count(`SELECT count(*) AS n FROM "${schema}".jobs`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".log WHERE type = 'job.ran'`)).toBe(3 * DEALS);
    expect(await count(`SELECT count(DISTINCT doc->'data'->>'jobId') AS n FROM "${schema}".log WHERE type = 'job.ran'`)).toBe(3 * DEALS);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".log WHERE type IN ('job.failed', 'outbox.failed', 'outbox.dead')`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".outbox`)).toBe(3 * DEALS);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".log WHERE type = 'outbox.delivered'`)).toBe(3 * DEALS);
    // Every message's effect happened, once per key, and only those.
    expect(await count(`SELECT count(*) AS n FROM "${schema}".outbox o JOIN "${probe}".effects e ON e.key = o.key`)).toBe(3 * DEALS);
    expect(await count(`SELECT count(*) AS n FROM (SELECT deal_id FROM "${schema}".outbox GROUP BY deal_id HAVING count(*) = 3) d`)).toBe(DEALS);
    // A second attempt at a key can only be one the killed runner had in flight (its send done, its record lost).
    const repeats = (await pool.query(`SELECT key, array_agg(runner ORDER BY runner) AS runners FROM "${probe}".attempts GROUP BY key HAVING count(*) > 1`))
      .rows as Array<{ key: string; runners: string[] }>;
    expect(repeats.length).toBeLessThanOrEqual(4);
    for (const r of repeats) expect(r.runners).toContain('r0');
    // The work was shared, and the survivors finished what the killed one held.
    for (const s of stats) expect((s.stats as { jobsRun: number }).jobsRun).toBeGreaterThan(0);
    expect(await count(`SELECT count(DISTINCT runner) AS n FROM "${probe}".effects`)).toBe(4);
  }, 1_500_000);

  it('concurrent commands on one deal from 4 processes: the final version counts every successful command', async () => {
    const schema = `mpc_${run}`;
    schemas.push(schema);
    const clockFile = join(dir, 'clock-commands');
    setFileClock(clockFile, at(0));
    const storage = await createSqlStorage({ client: pool, schema });
    const engine = createEngine({ pipelines: [salesPipeline], rules: RULES, directory: directory(), storage, clock: new FileClock(clockFile) });
    await engine.createDeal({ id: 'HOT', pipelineId: 'sales', ownerId: 'anna', amount: 1 });

    const workers = ['c0', 'c1', 'c2', 'c3'].map((name) =>
      spawnWorker({ role: 'commands', name, url: DATABASE_URL!, schema, probe: schema, clockFile, dealId: 'HOT', updates: 40 }),
    );
    children.push(...workers);
    const results = await Promise.all(workers.map((w) => w.waitFor('done')));
    const ok = results.reduce((n, r) => n + (r.ok as number), 0);
    const conflicts = results.reduce((n, r) => n + (r.conflicts as number), 0);

    expect(ok + conflicts).toBe(4 * 40 * 2);
    expect(ok).toBeGreaterThanOrEqual(4 * 40);
    const deal = await engine.getDeal('HOT');
    expect(deal!.version).toBe(1 + ok);
    expect((await engine.history('HOT')).filter((e) => e.type === 'deal.updated')).toHaveLength(ok);
  }, 120_000);
});
