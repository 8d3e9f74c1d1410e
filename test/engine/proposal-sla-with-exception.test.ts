import { describe, expect, it } from 'vitest';
import type { ExceptionData, SlaInstance } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, exceptionReasons, pipelineConfig, ruleConfig, slaConfig } from '../../examples/proposal-sla-with-exception/setup.js';

/** Scenario 000: the 5-day proposal rule as an SLA, a deal marked complex, the manager's decision. */
function setup() {
  return createTestEngine({
    pipelines: [pipelineConfig],
    slas: slaConfig,
    rules: ruleConfig,
    exceptions: exceptionReasons,
    directory: directory(),
    start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
  });
}

async function proposalSla(engine: ReturnType<typeof setup>, dealId: string): Promise<SlaInstance> {
  const rec = (await engine.records('sla', { dealId })).find((r) => r.data.slaId === 'proposal-5-days');
  return rec!.data as unknown as SlaInstance;
}
const to = (engine: ReturnType<typeof setup>, dealId: string) =>
  engine.notifications.filter((m) => m.dealId === dealId).map((m) => `${m.recipient.id}:${m.template}`);

describe('scenario 000: the 5-day proposal SLA with the complex exception', () => {
  it('approved: extensionApproved is set, the deadline moves out 5 days, the old reminders stop, the late proposal is met', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    await engine.advance({ days: 1, hours: 2 });
    await engine.markException(deal.id, { flag: 'complex', reason: 'custom-payment-terms' }, { actor: actors.anna });
    const [approval] = await engine.records('approval');
    await engine.advance({ hours: 1 });
    await engine.decideApproval(approval!.id, { decision: 'approve', actor: actors.maria, comment: 'custom terms take time' });

    expect((await engine.getDeal(deal.id))!.flags).toEqual({ complex: true, extensionApproved: true });
    expect(await proposalSla(engine, deal.id)).toMatchObject({
      originalDueAt: '2026-03-07T08:00:00.000Z',
      dueAt: '2026-03-12T08:00:00.000Z',
      extended: true,
      status: 'open',
    });

    await engine.advance({ days: 6 }); // past the original deadline: no day-before reminder, no escalation
    expect(to(engine, deal.id)).toEqual(['anna:proposal.requested', 'anna:proposal.reminder', 'maria:approval.requested', 'anna:approval.decided']);
    await engine.updateDeal(deal.id, { fields: { proposalSentAt: engine.clock.now().toISOString() } }); // day 7
    await engine.advance({ days: 10 });
    expect(await proposalSla(engine, deal.id)).toMatchObject({ status: 'met', stoppedAt: '2026-03-09T11:00:00.000Z' });
    expect(await engine.records('violation')).toEqual([]);
    expect((await engine.records('exception'))[0]!.data as unknown as ExceptionData).toMatchObject({
      flag: 'complex',
      reason: 'custom-payment-terms',
      requestedBy: 'anna',
      status: 'approved',
      decidedBy: 'maria',
      slaId: 'proposal-5-days',
    });
  });

  it('rejected: the original deadline stands, reminders continue and the breach reaches the manager', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
    await engine.advance({ days: 1, hours: 2 });
    await engine.markException(deal.id, { flag: 'complex', note: 'the client wants a 5-year warranty' }, { actor: actors.boris });
    const [approval] = await engine.records('approval');
    await engine.decideApproval(approval!.id, { decision: 'reject', actor: actors.maria, comment: 'standard warranty applies' });
    await engine.advance({ days: 5 });
    expect((await engine.getDeal(deal.id))!.flags).toEqual({ complex: true });
    expect(await proposalSla(engine, deal.id)).toMatchObject({ status: 'breached', dueAt: '2026-03-07T08:00:00.000Z', extended: false });
    expect(to(engine, deal.id)).toEqual([
      'boris:proposal.requested',
      'boris:proposal.reminder',
      'maria:approval.requested',
      'boris:approval.decided',
      'boris:proposal.reminder',
      'maria:proposal.missed',
    ]);
    expect(engine.notifications.at(-1)!.text).toBe('Florist website (boris): no proposal by 2026-03-07 09:00.');
    expect((await engine.records('violation')).map((v) => v.dealId)).toEqual([deal.id]);
  });

  it('the requester cannot approve their own request and a seller cannot approve at all; nothing changes', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
    await engine.markException(deal.id, { flag: 'complex', reason: 'special-warranty' }, { actor: actors.boris });
    const [approval] = await engine.records('approval');
    for (const who of [actors.boris, actors.anna]) {
      await expect(engine.decideApproval(approval!.id, { decision: 'approve', actor: who })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await engine.getDeal(deal.id))!.flags).toEqual({ complex: true });
    expect((await engine.records('approval'))[0]!.data.status).toBe('pending');
    expect((await proposalSla(engine, deal.id)).dueAt).toBe('2026-03-07T08:00:00.000Z');
  });

  it('an undecided request nudges the manager before 4 working hours pass, then goes to the director', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    await engine.advance({ days: 4, hours: 8 }); // Friday 17:00 Berlin: 1 working hour left today
    await engine.markException(deal.id, { flag: 'complex', reason: 'custom-integration' }, { actor: actors.anna });
    await engine.advance({ days: 4 });
    const decision = (await engine.records('sla', { dealId: deal.id })).find((r) => r.data.slaId === 'extension-decision')!.data;
    // Friday 17:00 + 4 working hours = Monday 12:00 Berlin (11:00 UTC); the nudge an hour before.
    expect(decision).toMatchObject({ status: 'breached', dueAt: '2026-03-09T11:00:00.000Z' });
    const approvalMail = engine.notifications.filter((m) => m.template.startsWith('approval.'));
    expect(approvalMail.map((m) => [m.recipient.id, m.template, m.text])).toEqual([
      ['maria', 'approval.requested', 'Bakery POS: 5 more days for the proposal (complex deal)'],
      ['maria', 'approval.reminder', 'Waiting for your decision: Bakery POS: 5 more days for the proposal (complex deal)'],
      ['viktor', 'approval.overdue', 'Undecided for 4 working hours: Bakery POS: 5 more days for the proposal (complex deal)'],
    ]);
  });

  it('feeds the reports: compliance per SLA and the exceptions with who asked and who approved', async () => {
    const engine = setup();
    const approved = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'A', amount: 4000 });
    const missed = await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'B', amount: 4000 });
    await engine.markException(approved.id, { flag: 'complex', reason: 'special-warranty' }, { actor: actors.anna });
    await engine.decideApproval((await engine.records('approval'))[0]!.id, { decision: 'approve', actor: actors.maria });
    await engine.advance({ days: 6 });
    const compliance = await engine.report('slaCompliance', { slaId: 'proposal-5-days' });
    expect(compliance.rows).toEqual([
      expect.objectContaining({
        slaId: 'proposal-5-days',
        started: 2,
        breached: 1,
        extended: 1,
        open: 1,
        breachedDeals: [missed.id],
        extendedDeals: [approved.id],
      }),
    ]);
    const exceptions = await engine.report('exceptions');
    expect(exceptions.rows).toEqual([expect.objectContaining({ dealId: approved.id, reason: 'special-warranty', requestedBy: 'anna', approvedBy: 'maria' })]);
  });
});
