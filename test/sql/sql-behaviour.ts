/**
 * What the SQL store does beyond the storage contract: migrations, escaping, NUL, waking runners
 * through LISTEN/NOTIFY. Run on PGlite (test/sql/pglite.test.ts) and the server (postgres.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { isDealflowError } from '../../src/model/errors.js';
import { UuidIds } from '../../src/ports/ids.js';
import { InMemoryNotifier } from '../../src/ports/notifier.js';
import { createRunner } from '../../src/runner/index.js';
import { createSqlStorage, MIGRATIONS, SqlStorage, type SqlClient } from '../../src/sql/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { directory, salesPipeline } from '../helpers.js';

export interface SqlTarget {
  client: () => SqlClient;
  /** A fresh schema name for one test. */
  schema: () => string;
}

const notifyOwnerLater = [
  { id: 'r', trigger: { type: 'deal.created' }, actions: [{ id: 'hello', type: 'notify', params: { to: 'owner', template: 'hello' } }] },
];

export function sqlBehaviour(name: string, target: SqlTarget): void {
  describe(`SQL store: ${name}`, () => {
    it('migrates once: a second open applies nothing and keeps the data', async () => {
      const schema = target.schema();
      const first = await createSqlStorage({ client: target.client(), schema });
      const engine = createEngine({ pipelines: [salesPipeline], storage: first, clock: new FakeClock() });
      await engine.createDeal({ id: 'kept', pipelineId: 'sales', ownerId: 'anna' });
      const second = await createSqlStorage({ client: target.client(), schema });
      const rows = await second.driver.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
      expect(rows.rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await second.transaction((tx) => tx.getDeal('kept'))).toMatchObject({ id: 'kept', version: 1 });
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      for (const bad of ['Upper', 'has-dash', 'x; DROP TABLE y', '', '1starts_with_digit']) {
        await expect(createSqlStorage({ client: target.client(), schema: bad })).rejects.toSatisfy((e) => isDealflowError(e, 'INVALID_CONFIG'));
      }
    });

    it('stores quotes, backslashes and any unicode exactly, in ids and in documents', async () => {
      const storage = await createSqlStorage({ client: target.client(), schema: target.schema() });
      const engine = createEngine({ pipelines: [salesPipeline], storage, clock: new FakeClock() });
      const awkward = `O'Brien \\ "quoted" \\' ';-- DROP TABLE deals; ✓ 😀 \n\t`;
      const created = await engine.createDeal({ id: `id'with\\odd;chars`, pipelineId: 'sales', ownerId: "o'wner", title: awkward, fields: { note: awkward } });
      expect(await engine.getDeal(created.id)).toEqual(created);
      expect((await engine.listDeals({ ownerId: "o'wner" })).map((d) => d.title)).toEqual([awkward]);
      expect((await engine.history(created.id))[0]?.data).toMatchObject({ deal: { title: awkward } });
    });

    it('refuses text with a NUL character with INVALID_INPUT and changes nothing', async () => {
      const storage = await createSqlStorage({ client: target.client(), schema: target.schema() });
      const engine = createEngine({ pipelines: [salesPipeline], storage, clock: new FakeClock() });
      const deal = await engine.createDeal({ id: 'd', pipelineId: 'sales', ownerId: 'anna', title: 'before' });
      await expect(engine.updateDeal('d', { title: 'bad \u0000 byte' })).rejects.toSatisfy((e) => isDealflowError(e, 'INVALID_INPUT'));
      await expect(engine.createDeal({ id: 'nul\u0000id', pipelineId: 'sales', ownerId: 'anna' })).rejects.toSatisfy((e) =>
        isDealflowError(e, 'INVALID_INPUT'),
      );
      expect(await engine.getDeal('d')).toEqual(deal);
    });

    it('wakes a sleeping runner through LISTEN/NOTIFY when another engine queues work', async () => {
      const schema = target.schema();
      const clock = new FakeClock();
      const commands = createEngine({
        pipelines: [salesPipeline],
        rules: notifyOwnerLater,
        directory: directory(),
        storage: await createSqlStorage({ client: target.client(), schema }),
        clock,
        ids: new UuidIds(),
        deliverOnCommit: false,
      });
      const notifier = new InMemoryNotifier();
      const worker = createEngine({
        pipelines: [salesPipeline],
        rules: notifyOwnerLater,
        directory: directory(),
        storage: await createSqlStorage({ client: target.client(), schema }),
        clock,
        ids: new UuidIds(),
        notifier,
      });
      // It polls once an hour: only a NOTIFY from the other engine's commit can wake it in time.
      const runner = createRunner(worker, { pollIntervalMs: 3_600_000 });
      try {
        await runner.idle();
        const delivered = new Promise((resolve) => worker.once('outbox.delivered', resolve));
        await commands.createDeal({ pipelineId: 'sales', ownerId: 'anna' });
        await delivered;
        expect(notifier.sent.map((m) => m.template)).toEqual(['hello']);
      } finally {
        await runner.stop();
      }
    });

    it('is a SqlStorage with its channel named after the schema', async () => {
      const schema = target.schema();
      const storage = await createSqlStorage({ client: target.client(), schema });
      expect(storage).toBeInstanceOf(SqlStorage);
      expect(storage.channel).toBe(`${schema}_due`);
    });
  });
}
