/**
 * Losing the database never crashes the host (issue: a backend terminated while a client was
 * checked out of the Pool ended the process with `Unhandled 'error' event`). Each scenario runs in
 * a child process (test/sql/fixtures/outage.ts) on the PostgreSQL server at DATABASE_URL, where the
 * server drops the engine's connections with pg_terminate_backend: mid-command (waiting on a row
 * lock; idle in transaction while the Directory answers), mid-job, mid-delivery, on the LISTEN
 * connection, and all of them at once three times as a restart would. The child exiting 0 with
 * its findings is the proof that the host survived.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { isDealflowError } from '../../src/model/errors.js';
import { createRunner, type RunnerErrorContext } from '../../src/runner/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { salesPipeline } from '../helpers.js';
import type { OutageConfig } from './fixtures/outage.js';
import { DATABASE_URL } from './server.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'outage.ts');
const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const schemas: string[] = [];

/** Runs one scenario in a child process; resolves to its exit code, stderr and findings. */
function scenario(
  name: OutageConfig['scenario'],
  deadlineMs = 50_000,
): Promise<{ code: number | null; stderr: string; result: Record<string, any> | undefined }> {
  const schema = `outage_${run}_${schemas.length + 1}`;
  schemas.push(schema);
  const config: OutageConfig = { scenario: name, url: DATABASE_URL!, schema, app: `dealflow-outage-${run}-${schemas.length}`, deadlineMs };
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{"event":"result"'));
      resolve({ code, stderr, result: line ? JSON.parse(line) : undefined });
    });
  });
}

describe.runIf(DATABASE_URL)('losing the PostgreSQL connection never crashes the host', () => {
  afterAll(async () => {
    // The children drop their schemas; this catches a child that died first.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await pool.end();
  });

  it('a command waiting on a row lock fails with STORAGE_UNAVAILABLE (the cause attached), and the next command runs', async () => {
    const { code, stderr, result } = await scenario('command-lock');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.terminated).toBe(1);
    expect(result!.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', cause: 'terminating connection due to administrator command' });
    expect(result!.error.message).toMatch(/retry/);
    // The lost update did not happen; the one after it did, once.
    expect(result).toMatchObject({ title: 'after', version: 2, updates: 1 });
  }, 60_000);

  it('a command idle in its transaction while the Directory answers fails with STORAGE_UNAVAILABLE once it goes on', async () => {
    const { code, stderr, result } = await scenario('command-idle');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(result).toMatchObject({ title: 'after', version: 2 });
  }, 60_000);

  it('a delivery after a command loses its connection: the command still resolves, delivery.error reports it, the message goes out later and is recorded once', async () => {
    const { code, stderr, result } = await scenario('delivery-after-commit');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.created).toBe('D-1');
    expect(result!.deliveryErrors.map((e: { code: string }) => e.code)).toEqual(['STORAGE_UNAVAILABLE']);
    expect(result!.delivered).toBe(1);
    expect(result!.statuses).toEqual(['delivered']);
    expect(result!.deliveredEntries).toBe(1);
    // Sent twice under one idempotency key: the first send's record was lost (at least once, as documented).
    expect(result!.keys).toHaveLength(2);
    expect(new Set(result!.keys).size).toBe(1);
  }, 60_000);

  it('a runner whose job loses its connection reports it, backs off, and runs the job once when the server answers', async () => {
    const { code, stderr, result } = await scenario('runner-job');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.errors[0]).toMatchObject({ during: 'job', code: 'STORAGE_UNAVAILABLE', retryInMs: 200 });
    expect(result).toMatchObject({ ran: 1, failed: 0, pending: 0 });
    expect(result!.keys).toHaveLength(1);
  }, 60_000);

  it('a runner whose delivery record loses its connection reports it; the lease lapses and the message is recorded delivered once', async () => {
    const { code, stderr, result } = await scenario('runner-delivery');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.errors.find((e: { during: string }) => e.during === 'delivery')).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(result!.deliveredEntries).toBe(1);
    expect(result!.keys).toHaveLength(2);
    expect(new Set(result!.keys).size).toBe(1);
  }, 60_000);

  it('a runner whose LISTEN connection is terminated reports it, listens again, and is woken by the next NOTIFY', async () => {
    const { code, stderr, result } = await scenario('runner-listen');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.errors).toEqual([expect.objectContaining({ during: 'watch', code: 'STORAGE_UNAVAILABLE' })]);
    expect(result!.keys).toBe(1);
    // Polling is once a minute: only the NOTIFY on the new connection can have woken it this soon.
    expect(result!.wokeInMs).toBeLessThan(10_000);
  }, 60_000);

  it('a runner through a simulated restart (every connection cut, three times) reports, backs off, resumes: every job runs once, every message is recorded delivered once', async () => {
    const { code, stderr, result } = await scenario('runner-restart', 110_000);
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(code).toBe(0);
    expect(result!.terminated).toBeGreaterThanOrEqual(3);
    expect(result!.errors).toBeGreaterThan(0);
    expect(result!.errorCodes).toEqual(['STORAGE_UNAVAILABLE']);
    expect(result!.during).toContain('watch');
    expect(result!.jobsRun).toEqual({ distinct: result!.expected, max: 1 });
    expect(result!.jobsFailed).toBe(0);
    expect(result!.delivered).toEqual({ distinct: result!.expected, max: 1 });
    // Every message reached the receiver; a repeat can only be one in flight when its connection was cut.
    expect(result!.distinctKeys).toBe(result!.expected);
  }, 120_000);
});

describe('a store whose database is gone', () => {
  it('a closed PGlite fails commands and queries with STORAGE_UNAVAILABLE saying to open it again; a runner on it reports and keeps trying', async () => {
    const db = await PGlite.create();
    const storage = await createSqlStorage({ client: db });
    const engine = createEngine({ pipelines: [salesPipeline], storage });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna' });
    await db.close();
    const failure = await engine.updateDeal('D-1', { title: 'x' }).catch((e) => e);
    expect(isDealflowError(failure, 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(failure.message).toMatch(/PGlite database was closed.*open it again/);
    expect(failure.cause).toBeInstanceOf(Error);
    await expect(engine.getDeal('D-1')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    const errors: Array<{ error: unknown; ctx: RunnerErrorContext }> = [];
    const runner = createRunner(engine, { pollIntervalMs: 5, backoff: { baseMs: 5, maxMs: 10 }, onError: (error, ctx) => errors.push({ error, ctx }) });
    while (errors.filter((e) => e.ctx.during === 'claim').length < 2 || !errors.some((e) => e.ctx.during === 'watch'))
      await new Promise((r) => setTimeout(r, 5));
    await runner.stop({ timeoutMs: 50 });
    expect(errors.every((e) => isDealflowError(e.error, 'STORAGE_UNAVAILABLE'))).toBe(true);
    // Claiming and listening each back off on their own count of failures in a row.
    const attempts = (during: string) => errors.filter((e) => e.ctx.during === during).map((e) => e.ctx.attempt);
    expect(attempts('claim').slice(0, 2)).toEqual([1, 2]);
    expect(attempts('watch').slice(0, 1)).toEqual([1]);
  }, 60_000);

  it('opening a store on a server that refuses connections is STORAGE_UNAVAILABLE, not a raw socket error', async () => {
    const failure = await createSqlStorage({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }).catch((e) => e);
    expect(failure).toMatchObject({ code: 'STORAGE_UNAVAILABLE', details: { during: 'open' } });
    expect(failure.message).toMatch(/could not be reached while opening the store/);
  });
});
