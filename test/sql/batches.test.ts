/**
 * Batches of due jobs on the PostgreSQL server (DATABASE_URL): batches that lock the same deals
 * from two connections at once, two runners sharing deals with commands on them meanwhile, and a
 * runner process killed in the middle of a batch.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { UuidIds } from '../../src/ports/ids.js';
import { createRunner, type RunnerErrorContext } from '../../src/runner/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { directory, salesPipeline } from '../helpers.js';
import { BATCH_RULES, STEP_RULES } from './fixtures/batch-rules.js';
import { FileClock, setFileClock } from './fixtures/file-clock.js';
import { DATABASE_URL } from './server.js';

const T0 = '2026-03-02T08:00:00.000Z';
const CHILD = join(import.meta.dirname, 'fixtures', 'batch-child.ts');

describe.runIf(DATABASE_URL)('batches of due jobs on the PostgreSQL server', () => {
  const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const dir = mkdtempSync(join(tmpdir(), 'dealflow-batch-'));
  // A database of this test's own, so its deadlock count is this test's alone.
  const database = `df_batches_${run}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const url = (() => {
    const u = new URL(DATABASE_URL ?? 'postgres://localhost/x');
    u.pathname = `/${database}`;
    return u.toString();
  })();
  const pools: pg.Pool[] = [];
  const pool = (max = 4) => {
    const p = new pg.Pool({ connectionString: url, max });
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  let created = false;
  async function ensureDatabase() {
    if (created) return;
    await admin.query(`CREATE DATABASE ${database}`);
    created = true;
  }
  afterAll(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    if (created) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const deadlocks = async () => Number((await admin.query('SELECT deadlocks FROM pg_stat_database WHERE datname = $1', [database])).rows[0].deadlocks);

  async function engineOn(schema: string, clock: FakeClock | FileClock, rules = STEP_RULES): Promise<Engine> {
    return createEngine({
      pipelines: [salesPipeline],
      rules,
      directory: directory(),
      storage: await createSqlStorage({ client: pool(), schema }),
      clock,
      ids: new UuidIds(),
      deliverOnCommit: false,
    });
  }

  it('two batches locking the same deals at once, in opposite claim orders: no deadlock, the lease holder’s batch runs, the other is fenced', async () => {
    await ensureDatabase();
    const clock = new FakeClock(T0);
    const a = await engineOn('overlap', clock);
    const b = await engineOn('overlap', clock);
    const ids = Array.from({ length: 40 }, (_, i) => `D-${String(i).padStart(2, '0')}`);
    for (const id of ids) await a.createDeal({ id, pipelineId: 'sales', ownerId: 'anna' });
    clock.set('2026-03-02T09:30:00.000Z');
    const before = await deadlocks();

    // The first claim's lease runs out at once, so the second claims the very same jobs.
    const first = await a.claimJobs(100, { owner: 'a', token: 'a-1', ms: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const second = await b.claimJobs(100, { owner: 'b', token: 'b-1', ms: 60_000 });
    expect(second.map((j) => j.id).sort()).toEqual(first.map((j) => j.id).sort());

    const [ra, rb] = await Promise.all([a.runJobs([...first].reverse(), 'a-1'), b.runJobs(second, 'b-1')]);
    expect(ra.every((r) => r === 'skipped')).toBe(true);
    expect(rb.every((r) => r === 'ran')).toBe(true);
    expect(await deadlocks()).toBe(before);
    for (const id of ids) expect((await a.history(id)).filter((e) => e.type === 'job.ran')).toHaveLength(1);
  }, 120_000);

  it('two runners share deals while commands change them: every job once, each deal’s in due order, no deadlock', async () => {
    await ensureDatabase();
    const clock = new FakeClock(T0);
    const commands = await engineOn('shared', clock);
    const ids = Array.from({ length: 120 }, (_, i) => `D-${String(i).padStart(3, '0')}`);
    for (const id of ids) await commands.createDeal({ id, pipelineId: 'sales', ownerId: 'anna' });
    clock.set('2026-03-02T12:00:00.000Z');
    const before = await deadlocks();

    const errors: RunnerErrorContext[] = [];
    const runners = await Promise.all(
      ['r1', 'r2'].map(async (owner) =>
        createRunner(await engineOn('shared', clock), { owner, batchSize: 16, concurrency: 2, pollIntervalMs: 10, onError: (_e, ctx) => errors.push(ctx) }),
      ),
    );
    // Commands on the same deals while the batches run.
    for (let i = 0; i < 120; i++) await commands.updateDeal(ids[(i * 7) % ids.length]!, { fields: { note: `n${i}` } });
    for (;;) {
      await Promise.all(runners.map((r) => r.idle()));
      const pending = await Promise.all(ids.slice(0, 5).map((id) => commands.pendingJobs(id)));
      if ((await commands.dueJobs({ limit: 1 })).length === 0 && pending.every((p) => p.length === 0)) break;
    }
    await Promise.all(runners.map((r) => r.stop()));

    expect(errors).toEqual([]);
    expect(await deadlocks()).toBe(before);
    expect(runners[0]!.stats.jobsRun + runners[1]!.stats.jobsRun).toBe(3 * ids.length);
    expect(runners[0]!.stats.jobsRun).toBeGreaterThan(0);
    expect(runners[1]!.stats.jobsRun).toBeGreaterThan(0);
    for (const id of ids) {
      const ran = (await commands.history(id)).filter((e) => e.type === 'job.ran').map((e) => String(e.data.actionId));
      expect(ran).toEqual(['step-1', 'step-2', 'step-3']);
    }
  }, 300_000);

  it('claims through a transaction and through the work queue on one connection (regression: both prepared the same statement name, 42P05)', async () => {
    await ensureDatabase();
    const storage = await createSqlStorage({ client: pool(1), schema: 'one_connection' });
    const lease = { owner: 'o', token: 't-1', ms: 1_000 };
    const until = '2030-01-01T00:00:00.000Z';
    expect(await storage.transaction((tx) => tx.claimDueJobs(until, 10, lease))).toEqual([]);
    expect(await storage.claimJobs({ ...lease, until, limit: 10 })).toEqual([]);
    expect(await storage.transaction((tx) => tx.renewLeases('t-1', 1_000, ['x']))).toBe(0);
    expect(await storage.renewLeases('t-1', 1_000, ['x'])).toBe(0);
  }, 60_000);

  it('a runner killed in the middle of a batch loses nothing, and no job runs twice', async () => {
    await ensureDatabase();
    const schema = 'killed';
    const clockFile = join(dir, 'clock');
    setFileClock(clockFile, T0);
    const clock = new FileClock(clockFile);
    const engine = await engineOn(schema, clock, BATCH_RULES);
    const DEALS = 150;
    for (let i = 0; i < DEALS; i++) await engine.createDeal({ id: `K-${i}`, pipelineId: 'sales', ownerId: 'anna' });
    setFileClock(clockFile, '2026-03-02T10:00:00.000Z');

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, schema, clockFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    await once(createInterface({ input: child.stdout! }), 'line');
    const watcher = pool(1);
    // Mid-batch: the child's transaction is open (its deals locked), a batch of 50 taking about a second.
    for (let tries = 0; ; tries++) {
      const { rows } = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dealflow-batch-child' AND state = 'idle in transaction'",
      );
      if (rows[0].n > 0) break;
      if (tries > 600) throw new Error('the child never opened a batch transaction');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;

    // Another engine finishes once the dead runner's leases (2 s) run out.
    const jobsLeft = async () => Number((await watcher.query(`SELECT count(*) AS n FROM "${schema}".jobs`)).rows[0].n);
    for (let tries = 0; (await jobsLeft()) > 0; tries++) {
      if (tries > 120) throw new Error('jobs left over');
      await engine.runDue();
      await new Promise((r) => setTimeout(r, 250));
    }
    const count = async (sql: string) => Number((await watcher.query(sql)).rows[0].n);
    expect(await count(`SELECT count(*) AS n FROM "${schema}".log WHERE type = 'job.ran'`)).toBe(DEALS);
    expect(await count(`SELECT count(DISTINCT doc->'data'->>'jobId') AS n FROM "${schema}".log WHERE type = 'job.ran'`)).toBe(DEALS);
    // Each job queued one message: a job run twice would have queued two.
    expect(await count(`SELECT count(*) AS n FROM "${schema}".outbox`)).toBe(DEALS);
    expect(await count(`SELECT count(DISTINCT deal_id) AS n FROM "${schema}".outbox`)).toBe(DEALS);
  }, 300_000);
});
