import { describe, expect, it } from 'vitest';
import type { RuleInput } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner } from '../helpers.js';

const underTenThousand = { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10_000 };

const rules: RuleInput[] = [
  {
    id: 'proposal-5-days',
    trigger: { type: 'deal.created' },
    when: underTenThousand,
    until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
    actions: [
      { id: 'brief', ...notifyOwner('proposal.requested') },
      { id: 'remind', ...notifyOwner('proposal.reminder', { after: { days: 1 } }) },
      { id: 'escalate', type: 'notify', after: { days: 5 }, params: { to: 'manager', template: 'proposal.missed' } },
    ],
  },
  { id: 'negotiation-nudge', trigger: { type: 'stage.entered', stage: 'negotiation' }, actions: [notifyOwner('negotiate')] },
  { id: 'paused', enabled: false, trigger: { type: 'deal.created' }, actions: [notifyOwner('never')] },
  { id: 'paid', trigger: { type: 'event', name: 'invoice.paid' }, actions: [notifyOwner('thanks')] },
];

describe('engine.explain', () => {
  it('says why a rule fired: the trigger, each condition with the value it saw, and what became of each job', async () => {
    const engine = engineWith(rules);
    const deal = await engine.createDeal({ ...newDeal, amount: 4000 });
    await engine.advance({ days: 2 });
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
    await engine.advance({ days: 4 });

    const {
      rules: [r],
    } = await engine.explain(deal.id, 'proposal-5-days');
    expect(r).toMatchObject({ ruleId: 'proposal-5-days', verdict: 'fired', version: 1 });
    expect(r!.matches).toEqual([
      expect.objectContaining({
        outcome: 'fired',
        trigger: { type: 'deal.created' },
        conditions: [expect.objectContaining({ path: '$.amount', factValue: 4000, result: true })],
      }),
    ]);
    expect(r!.jobs.map((j) => [j.actionId, j.status, j.reason])).toEqual([
      ['remind', 'ran', null],
      ['escalate', 'cancelled', 'until-met'],
    ]);
    expect(r!.jobs[1]!.until).toEqual([expect.objectContaining({ path: '$.fields.proposalSentAt', result: true })]);
    // The reminder ran: criteria still held, and until did not (no proposal yet), with the values seen.
    expect(r!.jobs[0]).toMatchObject({
      conditions: [expect.objectContaining({ path: '$.amount', factValue: 4000, result: true })],
      until: [expect.objectContaining({ path: '$.fields.proposalSentAt', factValue: null, result: false })],
    });
    expect(r!.actions.map((a) => a.actionId)).toEqual(['brief', 'remind']);
    expect(r!.why).toContain('deal $.amount = 4000, needs lessThan 10000 → true');
    expect(r!.why).toContain('escalate cancelled');
  });

  it('says why a rule did not fire: the condition that failed and the value it saw', async () => {
    const engine = engineWith(rules);
    const deal = await engine.createDeal({ ...newDeal, amount: 45_000 });
    const {
      rules: [r],
    } = await engine.explain(deal.id, 'proposal-5-days');
    expect(r!.verdict).toBe('skipped');
    expect(r!.matches[0]).toMatchObject({ outcome: 'skipped', reason: 'criteria', conditions: [{ factValue: 45_000, result: false }] });
    expect(r!.why).toContain('deal $.amount = 45000, needs lessThan 10000 → false');
    expect(r!.jobs).toEqual([]);
  });

  it('notes rules whose trigger never matched, and what they were waiting for', async () => {
    const engine = engineWith(rules);
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'proposal');
    await engine.emit({ name: 'invoice.sent', dealId: deal.id });
    const byId = Object.fromEntries((await engine.explain(deal.id)).rules.map((r) => [r.ruleId, r]));
    expect(byId['negotiation-nudge']).toMatchObject({ verdict: 'not-triggered', matches: [] });
    expect(byId['negotiation-nudge']!.why).toBe('its trigger never matched: the deal never entered stage "negotiation" (its stages: new → proposal)');
    expect(byId.paused).toMatchObject({ verdict: 'disabled', why: 'the rule is disabled' });
    expect(byId.paid!.why).toBe('its trigger never matched: no event "invoice.paid" arrived for this deal (it got invoice.sent)');
  });

  it('shows pending jobs with their due time', async () => {
    const engine = engineWith(rules);
    const deal = await engine.createDeal(newDeal);
    const {
      rules: [r],
    } = await engine.explain(deal.id, 'proposal-5-days');
    expect(r!.jobs.map((j) => [j.actionId, j.status, j.dueAt])).toEqual([
      ['remind', 'pending', '2026-03-03T09:00:00.000Z'],
      ['escalate', 'pending', '2026-03-07T09:00:00.000Z'],
    ]);
  });

  it('explains a deleted deal from its log, and refuses one that never existed', async () => {
    const engine = engineWith(rules);
    const deal = await engine.createDeal(newDeal);
    await engine.deleteDeal(deal.id);
    const explanation = await engine.explain(deal.id, 'proposal-5-days');
    expect(explanation.deal).toBeNull();
    expect(explanation.rules[0]!.jobs.every((j) => j.status === 'cancelled' && j.reason === 'deal-deleted')).toBe(true);
    await expect(engine.explain('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
