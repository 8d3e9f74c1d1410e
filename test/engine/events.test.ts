import { describe, expect, expectTypeOf, it } from 'vitest';
import { HISTORY_TYPES, type AnyHistoryEntry, type HistoryEntryOf } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner } from '../helpers.js';

describe('engine events', () => {
  it('emits typed events after commit, in order', async () => {
    const engine = engineWith([
      { id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('hi'), notifyOwner('later', { after: { days: 1 } })] },
      { id: 'won', trigger: { type: 'stage.entered', stage: 'won' }, actions: [notifyOwner('congrats')] },
    ]);
    const seen: string[] = [];
    for (const name of [
      'deal.created',
      'deal.updated',
      'stage.changed',
      'rule.fired',
      'job.scheduled',
      'job.cancelled',
      'action.executed',
      'notification.queued',
    ] as const) {
      engine.on(name, (e) => seen.push(`${name}:${e.ruleId ?? '-'}`));
    }
    const deal = await engine.createDeal(newDeal);
    await engine.updateDeal(deal.id, { title: 'Renamed' });
    await engine.moveDeal(deal.id, 'won');
    expect(seen).toEqual([
      'deal.created:-',
      'rule.fired:r',
      'notification.queued:r',
      'action.executed:r',
      'job.scheduled:r',
      'deal.updated:-',
      'stage.changed:-',
      'job.cancelled:r',
      'rule.fired:won',
      'notification.queued:won',
      'action.executed:won',
    ]);
  });

  it('emits nothing for a command that was rolled back', async () => {
    const engine = engineWith([{ id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('hi')] }]);
    const deal = await engine.createDeal(newDeal);
    const seen: string[] = [];
    engine.on('log', (e) => seen.push(e.type));
    await expect(engine.moveDeal(deal.id, 'moon')).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('a throwing listener does not break the engine', async () => {
    const engine = engineWith([]);
    const errors: unknown[] = [];
    engine.on('deal.created', () => {
      throw new Error('listener bug');
    });
    engine.on('listener.error', (e) => errors.push(e));
    const deal = await engine.createDeal(newDeal);
    expect(await engine.getDeal(deal.id)).toMatchObject({ id: deal.id });
    expect(errors).toHaveLength(1);
  });

  it('history explains why: trigger, criteria values, what was scheduled and cancelled', async () => {
    const engine = engineWith([
      {
        id: 'small',
        trigger: { type: 'deal.created' },
        when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000 },
        actions: [notifyOwner('later', { id: 'remind', after: { days: 1 } })],
      },
    ]);
    const deal = await engine.createDeal(newDeal);
    await engine.deleteDeal(deal.id);
    const h = await engine.history(deal.id);
    expect(h.map((e) => e.type)).toEqual(['deal.created', 'rule.fired', 'job.scheduled', 'job.cancelled', 'deal.deleted']);
    expect(h[1]).toMatchObject({
      ruleId: 'small',
      data: {
        trigger: { type: 'deal.created' },
        criteria: [{ fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000, factValue: 1000, result: true }],
      },
    });
    expect(h[2]).toMatchObject({ data: { actionId: 'remind', dueAt: '2026-03-03T09:00:00.000Z' } });
    expect(h[3]).toMatchObject({ data: { actionId: 'remind', reason: 'deal-deleted' } });
  });

  it('hands each event its typed history entry, derived from the history union', async () => {
    const engine = engineWith([{ id: 'r', trigger: { type: 'stage.entered', stage: 'won' }, actions: [notifyOwner('later', { after: { days: 1 } })] }]);
    const seen: string[] = [];
    engine.on('stage.changed', (e) => {
      // No cast and no String(): the listener's entry is the typed `stage.changed` entry.
      expectTypeOf(e).toEqualTypeOf<HistoryEntryOf<'stage.changed'>>();
      expectTypeOf(e.data.to).toEqualTypeOf<string>();
      seen.push(`${e.data.from} -> ${e.data.to} by ${e.data.by}`);
    });
    engine.on('job.scheduled', (e) => seen.push(`${e.data.actionId} due ${e.data.dueAt}`));
    engine.on('log', (e) => expectTypeOf(e).toEqualTypeOf<AnyHistoryEntry>());
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'won');
    expect(seen).toEqual(['new -> won by command', '0 due 2026-03-03T09:00:00.000Z']);
  });

  it('emits every entry it writes as the event of its type, in the order of the history', async () => {
    // The event map is derived from the typed history, so each typed entry type must reach its
    // listeners: deals, rules, jobs, notifications, deliveries, SLAs and violations here.
    const engine = engineWith(
      [
        { id: 'r', trigger: { type: 'deal.created' }, actions: [notifyOwner('hi'), notifyOwner('later', { after: { days: 1 } })] },
        { id: 'won', trigger: { type: 'stage.entered', stage: 'won' }, actions: [{ type: 'recordViolation', params: { name: 'checked' } }] },
      ],
      {
        slas: [
          {
            id: 'quick',
            name: 'Quick',
            start: { trigger: { type: 'deal.created' } },
            stop: { trigger: { type: 'stage.entered', stage: 'won' } },
            within: { hours: 2 },
            escalations: [{ id: 'late', actions: [notifyOwner('late')] }],
          },
        ],
      },
    );
    const emitted: string[] = [];
    for (const type of HISTORY_TYPES) engine.on(type, (e: AnyHistoryEntry) => emitted.push(`${type} ${e.id}`));
    const deal = await engine.createDeal(newDeal);
    await engine.advance({ days: 2 });
    await engine.moveDeal(deal.id, 'won');
    const written = await engine.history(deal.id);
    expect(new Set(written.map((e) => e.type)).size).toBeGreaterThan(8);
    expect(emitted).toEqual(written.map((e) => `${e.type} ${e.id}`));
  });

  it("types a delivery's entry with the data the engine writes: the message, and for a digest its policy and key", async () => {
    // Delivery entries were typed `{ attempt } & …`; their data is now spelt out, so it must be what is written.
    const engine = engineWith(
      [
        {
          id: 'r',
          trigger: { type: 'deal.created' },
          actions: [notifyOwner('hi'), { type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'New', digest: 'morning' } }],
        },
      ],
      { digests: { morning: { daily: '09:00', subject: 'New deals: {{count}}' } } },
    );
    const data: Array<Record<string, unknown>> = [];
    engine.on('outbox.delivered', (e) => {
      const { messageId, kind, key, recipientId, digestKey, policy, attempt, ...rest } = e.data;
      expect(rest).toEqual({});
      data.push({ kind, recipientId, attempt, digest: digestKey === undefined ? null : `${policy} ${typeof key} ${typeof messageId}` });
    });
    await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });
    expect(data).toEqual([
      { kind: 'notification', recipientId: 'anna', attempt: 1, digest: null },
      { kind: 'digest', recipientId: 'maria', attempt: 1, digest: 'morning string string' },
    ]);
  });
});
