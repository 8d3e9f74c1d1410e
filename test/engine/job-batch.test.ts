/**
 * Due jobs run as a batch (src/engine/job-batch.ts): one transaction for a claim of many jobs, each
 * re-checked by its own transition. On memory and on PGlite, the same path.
 */
import { PGlite } from '@electric-sql/pglite';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { defineAction, type RuleInput } from '../../src/index.js';
import { InMemoryStorage } from '../../src/memory/storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { createSqlStorage, type SqlDriver } from '../../src/sql/index.js';
import { FakeClock, SequentialIds } from '../../src/testing/index.js';
import { directory, salesPipeline } from '../helpers.js';

const T0 = '2026-03-02T08:00:00.000Z';
const LATER = '2026-03-03T09:00:00.000Z';

/** Marks the deal, unless its amount is 13: then its rules throw (a bug in a host's action). */
const touchy = defineAction({
  type: 'touchy',
  params: z.object({}).strict(),
  apply({ deal, setField }) {
    if (deal?.amount === 13) throw new Error('unlucky amount');
    setField('flags.touched', true);
  },
});

const RULES: RuleInput[] = [{ id: 'later', trigger: { type: 'deal.created' }, actions: [{ id: 'touch', type: 'touchy', after: { days: 1 }, params: {} }] }];

function engineOn(storage: Storage, clock: FakeClock): Engine {
  return createEngine({
    pipelines: [salesPipeline],
    rules: RULES,
    actions: [touchy],
    directory: directory(),
    storage,
    clock,
    ids: new SequentialIds(),
    deliverOnCommit: false,
  });
}

/** A PGlite driver whose next `failures` write statements fail as a lost connection would (the batch's one write at COMMIT). */
async function flakyPglite(): Promise<{ driver: SqlDriver; failNextWrites(n: number): void }> {
  const db = await PGlite.create();
  let failures = 0;
  const driver: SqlDriver = {
    query: (text, params) => db.query(text, params) as never,
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: (text, params) => tx.query(text, params) as never,
          script: async (sql: string) => {
            if (failures > 0 && /INSERT INTO "[a-z_0-9]+"\.log/.test(sql)) {
              failures--;
              throw new Error('connection reset while writing the batch');
            }
            return (tx as unknown as { exec(sql: string): Promise<Array<{ rows: Record<string, unknown>[] }>> }).exec(sql);
          },
        }),
      ),
  };
  return { driver, failNextWrites: (n) => (failures = n) };
}

const stores: Array<[string, () => Promise<{ storage: Storage; failNextWrites: (n: number) => void }>]> = [
  [
    'memory',
    async () => {
      // In memory the failure is the store's own: a write that throws rolls the transaction back.
      const inner = new InMemoryStorage();
      let failures = 0;
      const storage = inner as Storage;
      const transaction = inner.transaction.bind(inner);
      inner.transaction = (fn) =>
        transaction((tx) =>
          fn(
            new Proxy(tx, {
              get(target, prop) {
                if (prop === 'appendLog' && failures > 0) {
                  return async () => {
                    failures--;
                    throw new Error('connection reset while writing the batch');
                  };
                }
                const v = Reflect.get(target, prop);
                return typeof v === 'function' ? v.bind(target) : v;
              },
            }),
          ),
        );
      return { storage, failNextWrites: (n) => (failures = n) };
    },
  ],
  [
    'PGlite',
    async () => {
      const { driver, failNextWrites } = await flakyPglite();
      return { storage: await createSqlStorage({ client: driver, schema: 'batch' }), failNextWrites };
    },
  ],
];

describe.each(stores)('a batch of due jobs (%s)', (_name, open) => {
  it('commits the others when one job’s rules throw; that one gets its own job.failed', async () => {
    const { storage } = await open();
    const clock = new FakeClock(T0);
    const engine = engineOn(storage, clock);
    for (const [id, amount] of [
      ['A', 100],
      ['B', 13],
      ['C', 300],
    ] as const)
      await engine.createDeal({ id, pipelineId: 'sales', ownerId: 'anna', amount });
    clock.set(LATER);

    const lease = { owner: 'test', token: 'batch-1', ms: 60_000 };
    const jobs = await engine.claimJobs(10, lease);
    expect(jobs.map((j) => j.dealId)).toEqual(['A', 'B', 'C']);
    const failed: string[] = [];
    engine.on('job.failed', (e) => failed.push(`${e.dealId}: ${String(e.data.error)}`));

    expect(await engine.runJobs(jobs, lease.token)).toEqual(['ran', 'failed', 'ran']);

    expect(failed).toEqual(['B: unlucky amount']);
    expect((await engine.getDeal('A'))!.flags).toMatchObject({ touched: true });
    expect((await engine.getDeal('C'))!.flags).toMatchObject({ touched: true });
    expect((await engine.getDeal('B'))!.flags.touched).toBeUndefined();
    for (const id of ['A', 'B', 'C']) expect(await engine.pendingJobs(id)).toEqual([]);
    const types = async (id: string) => (await engine.history(id)).map((e) => e.type).filter((t) => t.startsWith('job.'));
    expect(await types('A')).toEqual(['job.scheduled', 'job.ran']);
    expect(await types('B')).toEqual(['job.scheduled', 'job.failed']);
  });

  it('writes nothing when the store fails mid-batch, and runs every job of it once when retried', async () => {
    const { storage, failNextWrites } = await open();
    const clock = new FakeClock(T0);
    const engine = engineOn(storage, clock);
    for (const id of ['A', 'B', 'C', 'D']) await engine.createDeal({ id, pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    const versions = async () => Promise.all(['A', 'B', 'C', 'D'].map(async (id) => (await engine.getDeal(id))!.version));
    const before = await versions();
    clock.set(LATER);

    const lease = { owner: 'test', token: 'batch-1', ms: 60_000 };
    const jobs = await engine.claimJobs(10, lease);
    expect(jobs).toHaveLength(4);
    failNextWrites(1);
    await expect(engine.runJobs(jobs, lease.token)).rejects.toThrow(/connection reset/);

    // Rolled back as one: no deal changed, no job gone, nothing in the history.
    expect(await versions()).toEqual(before);
    for (const id of ['A', 'B', 'C', 'D']) expect(await engine.pendingJobs(id)).toHaveLength(1);
    expect((await engine.history('A')).some((e) => e.type === 'job.ran')).toBe(false);

    // The claim still holds: the retry runs the whole batch, each job once.
    expect(await engine.runJobs(jobs, lease.token)).toEqual(['ran', 'ran', 'ran', 'ran']);
    expect(await engine.runJobs(jobs, lease.token)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    for (const id of ['A', 'B', 'C', 'D']) {
      expect((await engine.history(id)).filter((e) => e.type === 'job.ran')).toHaveLength(1);
      expect(await engine.pendingJobs(id)).toEqual([]);
    }
  });

  it('rolls the batch back, not job.failed, when the Directory fails while the effects load', async () => {
    // Regression: the effects' Directory load (src/engine/effect-data.ts) ran inside the catch that
    // drops a job whose rules threw, so an unreachable Directory dropped the job with job.failed.
    const { storage } = await open();
    const clock = new FakeClock(T0);
    let outage = false;
    const people = directory();
    const engine = createEngine({
      pipelines: [salesPipeline],
      rules: [
        {
          id: 'legal',
          trigger: { type: 'deal.created' },
          actions: [{ type: 'notify', after: { days: 1 }, params: { to: { role: 'legal' }, template: 'review' } }],
        },
      ],
      directory: {
        get: (id) => people.get(id),
        withRole: (role) => {
          if (outage) throw new Error('directory unreachable');
          return people.withRole(role);
        },
      },
      storage,
      clock,
      ids: new SequentialIds(),
      deliverOnCommit: false,
    });
    await engine.createDeal({ id: 'A', pipelineId: 'sales', ownerId: 'anna', amount: 100 });
    clock.set(LATER);
    const lease = { owner: 'test', token: 'batch-1', ms: 60_000 };
    const jobs = await engine.claimJobs(10, lease);
    outage = true;
    await expect(engine.runJobs(jobs, lease.token)).rejects.toThrow(/directory unreachable/);
    expect(await engine.pendingJobs('A')).toHaveLength(1);
    expect((await engine.history('A')).some((e) => e.type === 'job.failed')).toBe(false);
    outage = false;
    expect(await engine.runJobs(jobs, lease.token)).toEqual(['ran']);
  });

  it('runDue takes the same path: each deal’s jobs in due order, a failing job isolated', async () => {
    const { storage } = await open();
    const clock = new FakeClock(T0);
    const engine = engineOn(storage, clock);
    for (const [id, amount] of [
      ['A', 100],
      ['B', 13],
    ] as const)
      await engine.createDeal({ id, pipelineId: 'sales', ownerId: 'anna', amount });
    clock.set(LATER);
    expect(await engine.runDue()).toEqual({ jobsRun: 1, jobsFailed: 1, delivered: 0 });
    expect(await engine.runDue()).toEqual({ jobsRun: 0, jobsFailed: 0, delivered: 0 });
  });
});
