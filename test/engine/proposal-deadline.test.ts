import { describe, expect, it } from 'vitest';
import { createTestEngine } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';

function setup() {
  return createTestEngine({
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: proposalDirectory(),
    start: '2026-03-02T08:00:00.000Z',
  });
}

describe('the 5-day proposal rule (seed scenario)', () => {
  it('reminds once and never escalates a deal whose proposal goes out on day 2', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    await engine.advance({ days: 2 });
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: '2026-03-04T08:00:00.000Z' } });
    await engine.advance({ days: 5 });

    const templates = engine.notifications.map((m) => `${m.recipient.id}:${m.template}`);
    expect(templates).toEqual(['anna:proposal.requested', 'anna:proposal.reminder']);
    expect(await engine.records('violation')).toEqual([]);
    expect(await engine.pendingJobs(deal.id)).toEqual([]);
  });

  it('reminds on day 1 and day 4, then tells the manager and records a violation on day 5', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
    await engine.advance({ days: 6 });

    expect(engine.notifications.map((m) => [m.recipient.id, m.template])).toEqual([
      ['boris', 'proposal.requested'],
      ['boris', 'proposal.reminder'],
      ['boris', 'proposal.reminder'],
      ['maria', 'proposal.missed'],
    ]);
    const violations = await engine.records('violation');
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ dealId: deal.id, at: '2026-03-07T08:00:00.000Z', data: { name: 'proposal-5-days', ownerId: 'boris' } });
  });

  it('leaves a deal of 10,000 or more alone', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Hotel chain', amount: 45000 });
    await engine.advance({ days: 6 });
    expect(engine.notifications).toEqual([]);
    const fired = (await engine.history(deal.id)).filter((e) => e.type === 'rule.skipped');
    expect(fired[0]?.data).toMatchObject({ reason: 'criteria', criteria: [{ fact: 'deal', path: '$.amount', factValue: 45000, result: false }] });
  });
});
