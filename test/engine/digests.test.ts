import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, InMemoryStorage, SequentialIds, type Notifier, type OutgoingMessage, type RuleInput, type SendOptions } from '../../src/index.js';
import { createTestEngine, FakeClock, InMemoryNotifier } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import { salesPipeline } from '../helpers.js';

/** The seed rule with the manager's escalation sent as a morning digest. */
function seedRules(digest = 'manager-morning'): RuleInput[] {
  const rules = structuredClone(proposalRules) as RuleInput[];
  const escalate = rules[0]!.actions.find((a) => a.id === 'escalate')!;
  escalate.params = { ...escalate.params, digest };
  return rules;
}

function seedDirectory(): InMemoryDirectory {
  const dir = proposalDirectory();
  dir.add({ id: 'maria', name: 'Maria (head of sales)', email: 'maria@example.test', roles: ['manager'], timezone: 'Europe/Berlin' });
  return dir;
}

const morning = { 'manager-morning': { daily: '09:00', subject: 'Proposals overdue: {{count}}' } };

function seedEngine(extra: Record<string, unknown> = {}) {
  return createTestEngine({
    pipelines: [proposalPipeline],
    rules: seedRules(),
    directory: seedDirectory(),
    digests: morning,
    start: '2026-03-02T09:00:00.000Z',
    ...extra,
  });
}

/** Three small deals without proposals on Monday, one big deal the rule ignores. */
async function mondayDeals(engine: ReturnType<typeof seedEngine>) {
  await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
  await engine.advanceTo('2026-03-02T12:00:00.000Z');
  await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
  await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Hotel chain', amount: 45000 });
  await engine.advanceTo('2026-03-02T16:30:00.000Z');
  await engine.createDeal({ id: 'D-4', pipelineId: 'sales', ownerId: 'anna', title: 'Dental clinic CRM', amount: 3000 });
}

const SEED_DIGEST = `3 notifications for Maria (head of sales) (manager-morning)

Small deals get a proposal within 5 days
  D-1 Bakery POS
    - 2026-03-07 10:00 No proposal was sent within 5 days.
  D-2 Florist website
    - 2026-03-07 13:00 No proposal was sent within 5 days.
  D-4 Dental clinic CRM
    - 2026-03-07 17:30 No proposal was sent within 5 days.
`;

describe('digests: the manager gets one morning list of 5-day violations (seed)', () => {
  it('holds each escalation and sends one list at 09:00 in the manager’s timezone, grouped by rule and deal', async () => {
    const engine = seedEngine();
    const arrived: string[] = [];
    engine.on('outbox.delivered', (e) => {
      if (e.data.recipientId === 'maria') arrived.push(`${engine.clock.now().toISOString()} ${String(e.dealId)}`);
    });
    await mondayDeals(engine);
    await engine.advanceTo('2026-03-09T12:00:00.000Z');

    const toMaria = engine.notifications.filter((m) => m.recipient.id === 'maria');
    expect(toMaria).toHaveLength(1);
    expect(toMaria[0]).toMatchObject({ template: 'digest', subject: 'Proposals overdue: 3', text: SEED_DIGEST, dealId: null });
    expect(toMaria[0]!.items!.map((i) => i.dealId)).toEqual(['D-1', 'D-2', 'D-4']);
    // Saturday's violations, sent Sunday 09:00 Berlin (08:00 UTC); one delivery entry in each deal's history.
    expect(arrived).toEqual(['2026-03-08T08:00:00.000Z D-1', '2026-03-08T08:00:00.000Z D-2', '2026-03-08T08:00:00.000Z D-4']);
    expect(await engine.records('violation')).toHaveLength(3);
    // The owners' reminders are not digested.
    expect(engine.notifications.filter((m) => m.recipient.id !== 'maria')).toHaveLength(9);

    const history = (await engine.history('D-2')).filter((e) => e.data.recipientId === 'maria');
    expect(history.map((e) => e.type)).toEqual(['notification.held', 'outbox.delivered']);
    expect(history[0]!.data).toMatchObject({ policy: 'manager-morning', sendAt: '2026-03-08T08:00:00.000Z', items: 2 });
    expect(history[1]!.data).toMatchObject({ kind: 'digest', digestKey: 'digest:manager-morning:maria:2026-03-08T08:00:00.000Z', attempt: 1 });
  });

  it('is deterministic: the same inputs give the same digest text and the same outbox', async () => {
    const run = async () => {
      const engine = seedEngine();
      await mondayDeals(engine);
      await engine.advanceTo('2026-03-09T12:00:00.000Z');
      return { sent: engine.notifications.map((m) => [m.recipient.id, m.subject, m.text]), outbox: await engine.outbox() };
    };
    const [a, b] = [await run(), await run()];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('loses nothing when the process stops between collecting and sending', async () => {
    const storage = new InMemoryStorage();
    const ids = new SequentialIds();
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const first = seedEngine({ storage, ids, clock });
    await mondayDeals(first);
    await first.advanceTo('2026-03-07T20:00:00.000Z');
    const held = (await first.outbox()).filter((m) => m.kind === 'digest');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ status: 'pending', nextAttemptAt: '2026-03-08T08:00:00.000Z' });
    expect(first.notifications.some((m) => m.recipient.id === 'maria')).toBe(false);
    // Stop here. A new process opens the same storage.

    const second = seedEngine({ storage, ids, clock });
    await second.advanceTo('2026-03-09T12:00:00.000Z');
    expect(second.notifications.map((m) => [m.recipient.id, m.text])).toEqual([['maria', SEED_DIGEST]]);
  });

  it('a digest that failed takes no new items: they go to the next one, and the retry sends the original list', async () => {
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const inner = new InMemoryNotifier();
    let failNext = 1;
    const flaky: Notifier = {
      async send(message: OutgoingMessage, options: SendOptions) {
        if (message.template === 'digest' && failNext-- > 0) throw new Error('mail relay down');
        await inner.send(message, options);
      },
    };
    const engine = seedEngine({ clock, notifier: flaky, retry: { baseDelayMs: 6 * 3_600_000, maxDelayMs: 6 * 3_600_000, jitter: 0 } });
    await mondayDeals(engine);
    await engine.advanceTo('2026-03-03T08:30:00.000Z');
    // Escalates on Sunday 08:30 UTC: after the digest's failed attempt at 08:00, before its retry at 14:00.
    await engine.createDeal({ id: 'D-5', pipelineId: 'sales', ownerId: 'boris', title: 'Late deal', amount: 100 });
    await engine.advanceTo('2026-03-10T12:00:00.000Z');

    const digests = inner.sent.filter((m) => m.recipient.id === 'maria');
    expect(digests.map((m) => [m.idempotencyKey, m.items!.map((i) => i.dealId)])).toEqual([
      ['digest:manager-morning:maria:2026-03-08T08:00:00.000Z', ['D-1', 'D-2', 'D-4']],
      ['digest:manager-morning:maria:2026-03-09T08:00:00.000Z', ['D-5']],
    ]);
    const d1 = (await engine.history('D-1')).filter((e) => e.data.recipientId === 'maria').map((e) => `${e.type}@${e.at}`);
    expect(d1).toEqual(['notification.held@2026-03-07T09:00:00.000Z', 'outbox.failed@2026-03-08T08:00:00.000Z', 'outbox.delivered@2026-03-08T14:00:00.000Z']);
  });
});

describe('digest policies', () => {
  const notifyManager = (digest: string): RuleInput[] => [
    {
      id: 'new-deal',
      name: 'New deal',
      trigger: { type: 'deal.created' },
      actions: [{ type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'New deal', digest } }],
    },
  ];
  const dir = () =>
    new InMemoryDirectory([
      { id: 'anna', managerId: 'maria' },
      { id: 'boris', managerId: 'tokyo' },
      { id: 'maria', name: 'Maria' },
      { id: 'tokyo', name: 'Kenji', timezone: 'Asia/Tokyo' },
    ]);
  const engineFor = (digest: string, extra: Record<string, unknown> = {}) =>
    createTestEngine({ pipelines: [salesPipeline], rules: notifyManager(digest), directory: dir(), start: '2026-03-02T09:05:00.000Z', ...extra });
  const deal = (id: string, ownerId = 'anna') => ({ id, pipelineId: 'sales', ownerId, title: `Deal ${id}`, amount: 1 });
  const sentAt = (engine: ReturnType<typeof engineFor>) => {
    const out: string[] = [];
    engine.on('outbox.delivered', (e) => out.push(`${engine.clock.now().toISOString().slice(11, 16)} ${String(e.data.recipientId)} ${String(e.dealId)}`));
    return out;
  };

  it('hourly: sends what arrived during the hour at the next full hour', async () => {
    const engine = engineFor('hourly');
    const log = sentAt(engine);
    await engine.createDeal(deal('A'));
    await engine.advanceTo('2026-03-02T09:40:00.000Z');
    await engine.createDeal(deal('B'));
    await engine.advanceTo('2026-03-02T10:10:00.000Z');
    await engine.createDeal(deal('C'));
    await engine.advanceTo('2026-03-02T12:00:00.000Z');
    expect(log).toEqual(['10:00 maria A', '10:00 maria B', '11:00 maria C']);
    expect(engine.notifications.map((m) => m.items!.length)).toEqual([2, 1]);
  });

  it('daily at HH:mm is read in each recipient’s own timezone', async () => {
    const engine = engineFor('daily at 09:00');
    await engine.createDeal(deal('A', 'anna')); // Maria has no timezone: the pipeline's (UTC).
    await engine.createDeal(deal('B', 'boris')); // Kenji is in Tokyo: 09:00 JST is 00:00 UTC.
    const held = (await engine.outbox()).filter((m) => m.kind === 'digest').map((m) => [m.payload.recipientId, m.nextAttemptAt]);
    expect(held).toEqual([
      ['maria', '2026-03-03T09:00:00.000Z'],
      ['tokyo', '2026-03-03T00:00:00.000Z'],
    ]);
  });

  it('every N items: sends as soon as N are held; the rest waits for more', async () => {
    const engine = engineFor('every 3 items');
    for (const id of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) await engine.createDeal(deal(id));
    expect(engine.notifications.map((m) => m.items!.map((i) => i.dealId))).toEqual([
      ['A', 'B', 'C'],
      ['D', 'E', 'F'],
    ]);
    const waiting = (await engine.outbox()).filter((m) => m.status === 'held');
    expect(waiting.map((m) => (m.payload.items as unknown[]).length)).toEqual([1]);
    await engine.advance({ days: 30 });
    expect(engine.notifications).toHaveLength(2);
  });

  it('a named policy with maxWait sends a partial batch once the first item has waited that long', async () => {
    const engine = engineFor('batch', { digests: { batch: { every: 3, maxWait: { hours: 2 }, template: 'deal.batch' } } });
    const log = sentAt(engine);
    await engine.createDeal(deal('A'));
    await engine.advanceTo('2026-03-02T10:00:00.000Z');
    await engine.createDeal(deal('B'));
    await engine.advanceTo('2026-03-02T12:00:00.000Z');
    expect(log).toEqual(['11:05 maria A', '11:05 maria B']);
    expect(engine.notifications[0]).toMatchObject({ template: 'deal.batch', subject: '2 notifications (batch)' });
  });

  it('a recipient that cannot be resolved is not held: it is dead-lettered at once with the reason', async () => {
    const engine = engineFor('hourly');
    await engine.createDeal(deal('X', 'stranger'));
    const dead = await engine.deadLetters();
    expect(dead.map((m) => m.lastError)).toEqual(['no recipient: owner "stranger" is not in the directory, so their manager is unknown']);
  });

  it('an item held exactly at the send time goes to the next digest, not the one going out (regression: it joined the current one)', async () => {
    const engine = engineFor('hourly');
    const log = sentAt(engine);
    await engine.createDeal(deal('A'));
    // The 10:00 digest is due but not yet sent when a command at exactly 10:00 holds another item.
    engine.clock.set(new Date('2026-03-02T10:00:00.000Z'));
    await engine.createDeal(deal('B'));
    await engine.advanceTo('2026-03-02T12:00:00.000Z');
    expect(log).toEqual(['10:00 maria A', '11:00 maria B']);
    expect(engine.notifications.map((m) => m.items!.map((i) => i.dealId))).toEqual([['A'], ['B']]);
  });

  it('lists message.items in the documented order (rule, deal, time, key), the same as data.groups (regression: items came in arrival order)', async () => {
    const rules: RuleInput[] = [
      {
        id: 'z-rule',
        name: 'B rule',
        trigger: { type: 'deal.created' },
        actions: [{ type: 'notify', params: { to: 'manager', template: 't', digest: 'hourly' } }],
      },
      {
        id: 'a-rule',
        name: 'A rule',
        trigger: { type: 'deal.created' },
        actions: [{ type: 'notify', params: { to: 'manager', template: 't', digest: 'hourly' } }],
      },
    ];
    const engine = engineFor('hourly', { rules });
    await engine.createDeal(deal('D-2'));
    await engine.advanceTo('2026-03-02T09:30:00.000Z');
    await engine.createDeal(deal('D-1'));
    await engine.advanceTo('2026-03-02T10:00:00.000Z');
    const [digest] = engine.notifications;
    const items = digest!.items!.map((i) => `${i.ruleId} ${i.dealId}`);
    expect(items).toEqual(['a-rule D-1', 'a-rule D-2', 'z-rule D-1', 'z-rule D-2']);
    const groups = (digest!.data as { groups: Array<{ ruleId: string; deals: Array<{ dealId: string; items: unknown[] }> }> }).groups;
    expect(groups.flatMap((g) => g.deals.flatMap((d) => d.items.map(() => `${g.ruleId} ${d.dealId}`)))).toEqual(items);
  });

  it('rejects rules naming an unknown digest policy, and bad named policies', () => {
    expect(() => engineFor('weekly on mondays')).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].actions[0].params.digest' })] }),
    );
    expect(() => engineFor('hourly', { digests: { morning: { daily: '9am' } } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => engineFor('hourly', { digests: { morning: 'fortnightly' } })).toThrow(/digest policy "morning"/);
    expect(() => engineFor('hourly', { digests: { morning: { daily: '09:00', timezone: 'Mars/Olympus' } } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
