import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { isDealflowError } from '../../src/model/errors.js';
import { UuidIds } from '../../src/ports/ids.js';
import { InMemoryNotifier } from '../../src/ports/notifier.js';
import { createSqlStorage, MIGRATIONS, type SqlDriver } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { salesPipeline } from '../helpers.js';
import { storageContract } from '../storage/contract.js';
import { DATABASE_URL, serverSchemas } from './server.js';
import { sqlBehaviour } from './sql-behaviour.js';

// On the PostgreSQL server when DATABASE_URL is set (.ci/run always sets it and fails if it cannot connect).
describe.runIf(DATABASE_URL)('on the PostgreSQL server', () => {
  const server = serverSchemas(DATABASE_URL!);
  afterAll(() => server.close());

  storageContract('PostgreSQL server', () => createSqlStorage({ client: server.pool, schema: server.next('contract') }));
  sqlBehaviour('PostgreSQL server', { client: () => server.pool, schema: () => server.next('sql') });

  /** A host's own driver: only query and transaction, no multi-statement scripts, no LISTEN. */
  const hostDriver = (): SqlDriver => ({
    query: (text, params) => server.pool.query(text, params) as never,
    async transaction(fn) {
      const client = await server.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, params) => client.query(text, params) as never });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  });
  storageContract('PostgreSQL through a host driver', () => createSqlStorage({ client: hostDriver(), schema: server.next('host') }));

  it('lets several processes start at once: one migrates, the others find nothing to do', async () => {
    const schema = server.next('race');
    const stores = await Promise.all(Array.from({ length: 4 }, () => createSqlStorage({ client: server.pool, schema })));
    expect(stores).toHaveLength(4);
    const { rows } = await server.pool.query(`SELECT version FROM "${schema}".migrations ORDER BY version`);
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('serialises two engines creating the same deal id at once: one wins, the other gets CONFLICT', async () => {
    const schema = server.next('same_id');
    const engines = await Promise.all(
      [0, 1].map(async () =>
        createEngine({
          pipelines: [salesPipeline],
          storage: await createSqlStorage({ client: server.pool, schema }),
          clock: new FakeClock(),
          ids: new UuidIds(),
        }),
      ),
    );
    const results = await Promise.allSettled(engines.map((e, i) => e.createDeal({ id: 'same', pipelineId: 'sales', ownerId: 'anna', title: `from ${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isDealflowError(rejected.reason, 'CONFLICT')).toBe(true);
    expect((await engines[0]!.history('same')).filter((e) => e.type === 'deal.created')).toHaveLength(1);
  });

  it('re-runs a transaction that created a row another transaction created first (read missing, then insert)', async () => {
    const storage = await createSqlStorage({ client: server.pool, schema: server.next('pointer') });
    let reads = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    const seen: Array<Array<unknown>> = [[], []];
    const run = (i: number) =>
      storage.transaction(async (tx) => {
        const v = await tx.getMeta('open-digest');
        seen[i]!.push(v);
        if (++reads === 2) release();
        await bothRead;
        await tx.putMeta('open-digest', v === undefined ? `made by ${i}` : `${String(v)}, joined by ${i}`);
      });
    await Promise.all([run(0), run(1)]);
    const final = await storage.transaction((tx) => tx.getMeta('open-digest'));
    // Neither create overwrote the other: the loser re-ran, saw the winner's row and built on it.
    expect(final === 'made by 0, joined by 1' || final === 'made by 1, joined by 0').toBe(true);
    expect(seen.flat().filter((v) => v === undefined)).toHaveLength(2);
  });

  it('serialises concurrent updates to one deal from several engines: none is lost', async () => {
    const schema = server.next('hot');
    const engines = await Promise.all(
      [0, 1, 2, 3].map(async () =>
        createEngine({
          pipelines: [salesPipeline],
          storage: await createSqlStorage({ client: server.pool, schema }),
          clock: new FakeClock(),
          ids: new UuidIds(),
        }),
      ),
    );
    await engines[0]!.createDeal({ id: 'hot', pipelineId: 'sales', ownerId: 'anna', amount: 0 });
    await Promise.all(
      engines.map(async (e, i) => {
        for (let k = 0; k < 10; k++) await e.updateDeal('hot', { fields: { note: `${i}-${k}` } });
      }),
    );
    expect((await engines[0]!.getDeal('hot'))!.version).toBe(41);
    expect((await engines[0]!.history('hot')).filter((e) => e.type === 'deal.updated')).toHaveLength(40);
  });

  it('runs each due job once when several engines call runDue on one store at the same time', async () => {
    const schema = server.next('rundue');
    const rules = [
      { id: 'later', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', after: { hours: 1 }, params: { to: 'owner', template: 'later' } }] },
    ];
    const notifiers = [0, 1, 2].map(() => new InMemoryNotifier());
    const engines = await Promise.all(
      notifiers.map(async (notifier) =>
        createEngine({
          pipelines: [salesPipeline],
          rules,
          storage: await createSqlStorage({ client: server.pool, schema }),
          clock: new FakeClock('2026-03-02T09:00:00.000Z'),
          ids: new UuidIds(),
          notifier,
        }),
      ),
    );
    const deals = [];
    for (let i = 0; i < 40; i++) deals.push(await engines[0]!.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: `deal ${i}` }));
    for (const e of engines) (e.clock as FakeClock).advance({ hours: 2 });
    const runs = await Promise.all(engines.map((e) => e.runDue()));
    expect(runs.reduce((n, r) => n + r.jobsRun, 0)).toBe(40);
    expect(notifiers.reduce((n, x) => n + x.sent.length, 0)).toBe(40);
    for (const deal of deals) expect((await engines[0]!.history(deal.id)).filter((e) => e.type === 'job.ran')).toHaveLength(1);
  });
});
