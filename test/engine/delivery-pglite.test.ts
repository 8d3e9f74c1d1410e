import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, SequentialIds, type Notifier, type RuleInput } from '../../src/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { createTestEngine, FakeClock, InMemoryNotifier } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';

// The delivery state (held digests, retries, dead letters) is plain outbox rows and meta, so it
// survives a restart on SQL storage as it does in memory. One PGlite for the file, a schema per test.
let db: PGlite;
let n = 0;
beforeAll(async () => {
  db = await PGlite.create();
}, 60_000);
afterAll(async () => {
  await db?.close();
});
const storage = () => createSqlStorage({ client: db, schema: `delivery_${++n}` });

function rules(): RuleInput[] {
  const r = structuredClone(proposalRules) as RuleInput[];
  const escalate = r[0]!.actions.find((a) => a.id === 'escalate')!;
  escalate.params = { ...escalate.params, digest: 'daily at 09:00' };
  return r;
}

describe('delivery on SQL storage (PGlite)', () => {
  it('a digest collected by one process is sent by the next, with every item', async () => {
    const store = await storage();
    const ids = new SequentialIds();
    const clock = new FakeClock('2026-03-02T09:30:00.000Z');
    const config = { pipelines: [proposalPipeline], rules: rules(), directory: proposalDirectory(), storage: store, ids, clock };
    const first = createTestEngine({ ...config, notifier: new InMemoryNotifier() });
    await first.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    await first.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
    await first.advanceTo('2026-03-07T12:00:00.000Z'); // both held for Sunday 09:00 in the pipeline's timezone (Maria has none): 08:00 UTC
    expect(first.notifications.some((m) => m.recipient.id === 'maria')).toBe(false);

    const second = createTestEngine({ ...config, notifier: new InMemoryNotifier() });
    await second.advanceTo('2026-03-08T10:00:00.000Z');
    expect(second.notifications.map((m) => [m.recipient.id, m.idempotencyKey, m.items?.map((i) => i.dealId)])).toEqual([
      ['maria', 'digest:daily at 09:00:maria:2026-03-08T08:00:00.000Z', ['D-1', 'D-2']],
    ]);
  });

  it('dead letters are listed, retried and discarded on SQL storage', async () => {
    const store = await storage();
    let fail = true;
    const notifier: Notifier = {
      async send() {
        if (fail) throw new PermanentDeliveryError('mailbox full');
      },
    };
    const engine = createTestEngine({
      pipelines: [proposalPipeline],
      rules: rules(),
      directory: proposalDirectory(),
      storage: store,
      notifier,
      start: '2026-03-02T09:30:00.000Z',
    });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
    const dead = await engine.deadLetters();
    expect(dead.map((m) => [m.dealId, m.lastError])).toEqual([
      ['D-1', 'mailbox full'],
      ['D-2', 'mailbox full'],
    ]);
    fail = false;
    expect((await engine.retryDeadLetter(dead[0]!.id)).status).toBe('delivered');
    expect((await engine.discardDeadLetter(dead[1]!.id)).status).toBe('discarded');
    expect(await engine.deadLetters()).toEqual([]);
    expect((await engine.history('D-2')).at(-1)).toMatchObject({ type: 'outbox.discarded', data: { lastError: 'mailbox full' } });
  });
});
