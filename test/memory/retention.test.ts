import { describe, expect, it } from 'vitest';
import { InMemoryStorage, REPORT_INPUTS } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';

const pipeline = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'won', name: 'Won', kind: 'won' as const },
  ],
};
const rules = [
  { id: 'welcome', trigger: { type: 'deal.created' as const }, actions: [{ type: 'notify' as const, params: { to: 'owner', template: 'welcome' } }] },
  {
    id: 'nudge',
    trigger: { type: 'deal.created' as const },
    actions: [{ type: 'notify' as const, after: { days: 1 }, params: { to: 'owner', template: 'nudge' } }],
  },
];

async function lifeOfOneDeal(storage: InMemoryStorage) {
  const engine = createTestEngine({ pipelines: [pipeline], rules, storage });
  const seen: string[] = [];
  engine.on('log', (e) => seen.push(e.type));
  const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'u1', title: 'A', amount: 5 });
  await engine.advance({ days: 2 });
  await engine.moveDeal(deal.id, 'proposal');
  await engine.moveDeal(deal.id, 'won');
  return { engine, deal, seen };
}

describe('InMemoryStorage retention (keepLog, keepDelivered)', () => {
  it('keeps every history line and delivered message by default', async () => {
    const { engine, deal } = await lifeOfOneDeal(new InMemoryStorage());
    const types = (await engine.history(deal.id)).map((e) => e.type);
    expect(types).toContain('rule.fired');
    expect(types).toContain('outbox.delivered');
    expect((await engine.outbox()).map((m) => m.status)).toEqual(['delivered', 'delivered']);
  });

  it('keeps only the listed types, still emits every event, and a report over them gives the same answer', async () => {
    const full = await lifeOfOneDeal(new InMemoryStorage());
    const lean = await lifeOfOneDeal(new InMemoryStorage({ keepLog: REPORT_INPUTS.funnel.log, keepDelivered: false }));
    expect(new Set((await lean.engine.history(lean.deal.id)).map((e) => e.type))).toEqual(new Set(['deal.created', 'stage.changed']));
    // Listeners see the whole history either way: only what is stored differs.
    expect(lean.seen).toEqual(full.seen);
    expect(lean.engine.notifications.map((n) => n.template)).toEqual(['welcome', 'nudge']);
    expect(await lean.engine.outbox()).toEqual([]);
    expect((await lean.engine.report('funnel')).rows).toEqual((await full.engine.report('funnel')).rows);
  });

  it('keepLog: false stores no history; pending and failed messages stay in the outbox', async () => {
    const storage = new InMemoryStorage({ keepLog: false, keepDelivered: false });
    const engine = createTestEngine({
      pipelines: [pipeline],
      rules,
      storage,
      notifier: {
        send: async () => {
          throw new Error('smtp down');
        },
      },
    });
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'u1', title: 'A', amount: 5 });
    expect(await engine.history(deal.id)).toEqual([]);
    const kept = await engine.outbox();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.status).toBe('pending');
    expect(kept[0]!.attempts).toBe(1);
  });

  it('a rolled-back transaction puts back the message it dropped as delivered, and no skipped line appears', async () => {
    const storage = new InMemoryStorage({ keepLog: ['deal.created'], keepDelivered: false });
    const engine = createTestEngine({
      pipelines: [pipeline],
      rules,
      storage,
      notifier: {
        send: async () => {
          throw new Error('smtp down');
        },
      },
    });
    await engine.createDeal({ pipelineId: 'sales', ownerId: 'u1', title: 'A', amount: 5 });
    const before = { log: [...storage.log], outbox: [...storage.outbox.values()] };
    expect(before.outbox).toHaveLength(1);
    await expect(
      storage.transaction(async (tx) => {
        await tx.putOutbox([{ ...before.outbox[0]!, status: 'delivered' }]);
        await tx.appendLog([{ id: 'x', at: before.outbox[0]!.createdAt, dealId: null, type: 'deal.created', data: {} }]);
        expect(storage.outbox.size).toBe(0);
        throw new Error('the database went away');
      }),
    ).rejects.toThrow('went away');
    expect(storage.log).toEqual(before.log);
    expect([...storage.outbox.values()]).toEqual(before.outbox);
    expect(storage.outboxPending.has(before.outbox[0]!.id)).toBe(true);
  });
});
