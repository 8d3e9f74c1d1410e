import { describe, expect, it } from 'vitest';
import type { SlaInput, SlaInstance } from '../../../src/index.js';
import { createTestEngine } from '../../../src/testing/index.js';
import { actors, directory, pipelineConfig, plainRuleConfig, ruleConfig, slaConfig } from '../../../examples/sla-paused-for-approval/setup.js';

/** The seed's 5-day proposal SLA with `pauseForApproval`: marking the deal complex stops its clock while the manager decides. */
function setup(slas: SlaInput[] = slaConfig, rules: unknown = ruleConfig) {
  return createTestEngine({ pipelines: [pipelineConfig], slas, rules, directory: directory(), start: '2026-03-02T08:00:00.000Z' }); // Monday 09:00 Berlin
}

async function instance(engine: ReturnType<typeof setup>, dealId: string): Promise<SlaInstance> {
  return (await engine.records('sla', { dealId }))[0]!.data as unknown as SlaInstance;
}

/** Notifications with the time they were sent. */
function sent(engine: ReturnType<typeof setup>) {
  const out: string[] = [];
  engine.on('outbox.delivered', (e) => {
    const m = engine.notifications.find((n) => n.idempotencyKey === e.data.key);
    if (m) out.push(`${engine.clock.now().toISOString().slice(0, 16)} ${m.recipient.id} ${m.template}`);
  });
  return out;
}

async function markComplex(engine: ReturnType<typeof setup>) {
  const deal = await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
  await engine.advance({ days: 1, hours: 2 }); // Tuesday 10:00 UTC: the day-1 reminder went out at 08:00
  await engine.markException(deal.id, { flag: 'complex', note: 'custom payment terms' }, { actor: actors.anna });
  const [approval] = await engine.records('approval');
  return approval!.id;
}

describe('an SLA paused while an approval on it is pending (pauseForApproval)', () => {
  it('holds reminders and the breach while pending; a rejection resumes it with the paused time added', async () => {
    const engine = setup();
    const log = sent(engine);
    const approvalId = await markComplex(engine);
    expect(await instance(engine, 'D-1')).toMatchObject({ status: 'open', pausedAt: '2026-03-03T10:00:00.000Z', pausedFor: approvalId });
    expect(await engine.pendingJobs('D-1')).toEqual([]);

    // Five days pass: the original due time (Saturday 08:00 UTC) goes by without a reminder or a breach.
    await engine.advanceTo('2026-03-08T10:00:00.000Z');
    expect(log).toEqual(['2026-03-03T08:00 anna proposal.reminder', '2026-03-03T10:00 maria approval.requested']);
    expect((await instance(engine, 'D-1')).status).toBe('open');

    await engine.decideApproval(approvalId, { decision: 'reject', actor: actors.maria });
    // Paused Tuesday 10:00 → Sunday 10:00: five days added to the due time.
    expect(await instance(engine, 'D-1')).toMatchObject({
      status: 'open',
      dueAt: '2026-03-12T08:00:00.000Z',
      originalDueAt: '2026-03-07T08:00:00.000Z',
      extended: false,
      pausedAt: null,
      pauses: [
        {
          approvalId,
          from: '2026-03-03T10:00:00.000Z',
          to: '2026-03-08T10:00:00.000Z',
          dueBefore: '2026-03-07T08:00:00.000Z',
          dueAfter: '2026-03-12T08:00:00.000Z',
        },
      ],
    });
    await engine.advanceTo('2026-03-14T00:00:00.000Z');
    expect(log.filter((l) => l.includes('proposal.'))).toEqual([
      '2026-03-03T08:00 anna proposal.reminder',
      '2026-03-11T08:00 anna proposal.reminder', // the day-before reminder follows the resumed due time
      '2026-03-12T08:00 maria proposal.missed',
    ]);
    expect(await instance(engine, 'D-1')).toMatchObject({ status: 'breached', breachedAt: '2026-03-12T08:00:00.000Z' });
    const types = (await engine.history('D-1')).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['sla.paused', 'sla.resumed']));
  });

  it('an approval resumes it, then extends it from the resumed due time', async () => {
    const engine = setup();
    const approvalId = await markComplex(engine);
    await engine.advanceTo('2026-03-04T10:00:00.000Z'); // one day paused
    await engine.decideApproval(approvalId, { decision: 'approve', actor: actors.maria });
    expect(await instance(engine, 'D-1')).toMatchObject({
      dueAt: '2026-03-13T08:00:00.000Z', // Saturday 08:00 + 1 day paused + 5 days approved
      extended: true,
      extensions: [expect.objectContaining({ from: '2026-03-08T08:00:00.000Z', to: '2026-03-13T08:00:00.000Z', approvalId })],
    });
    await engine.advanceTo('2026-03-12T12:00:00.000Z');
    await engine.updateDeal('D-1', { fields: { proposalSentAt: '2026-03-12T12:00:00.000Z' } });
    expect(await instance(engine, 'D-1')).toMatchObject({ status: 'met', stoppedAt: '2026-03-12T12:00:00.000Z' });
    expect(engine.notifications.filter((m) => m.template === 'proposal.missed')).toEqual([]);
  });

  it('an exemption on the decision ends it exempt; a stop while paused ends it met and keeps the pause', async () => {
    const exempting = structuredClone(ruleConfig) as Array<{ actions: Array<{ params: Record<string, unknown> }> }>;
    exempting[0]!.actions[0]!.params.onApprove = { exemptSla: 'proposal-5-days' };
    const engine = setup(slaConfig, exempting);
    const approvalId = await markComplex(engine);
    await engine.decideApproval(approvalId, { decision: 'approve', actor: actors.maria });
    expect(await instance(engine, 'D-1')).toMatchObject({ status: 'exempt', endReason: 'approval', exemptApprovalId: approvalId });

    const other = setup();
    await markComplex(other);
    await other.advance({ hours: 3 });
    await other.updateDeal('D-1', { fields: { proposalSentAt: '2026-03-03T13:00:00.000Z' } });
    expect(await instance(other, 'D-1')).toMatchObject({
      status: 'met',
      pausedAt: null,
      pauses: [expect.objectContaining({ from: '2026-03-03T10:00:00.000Z', to: '2026-03-03T13:00:00.000Z', dueAfter: '2026-03-07T08:00:00.000Z' })],
    });
  });

  it('counts working time for an SLA in business units', async () => {
    const business = structuredClone(slaConfig);
    business[0]!.within = { businessHours: 8 };
    business[0]!.reminders = [];
    const engine = setup(business);
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
    expect((await instance(engine, 'D-1')).dueAt).toBe('2026-03-02T16:00:00.000Z'); // Monday 17:00 Berlin
    await engine.advanceTo('2026-03-02T10:00:00.000Z'); // 11:00 Berlin: 6 working hours left
    await engine.markException('D-1', { flag: 'complex', note: 'custom payment terms' }, { actor: actors.anna });
    await engine.advanceTo('2026-03-03T10:00:00.000Z'); // Tuesday 11:00 Berlin
    const [approval] = await engine.records('approval');
    await engine.decideApproval(approval!.id, { decision: 'reject', actor: actors.maria });
    // Still 6 working hours left: Tuesday 17:00 Berlin.
    expect((await instance(engine, 'D-1')).dueAt).toBe('2026-03-03T16:00:00.000Z');
  });

  it('does not pause without pauseForApproval (the SLA runs on, as before)', async () => {
    const running = structuredClone(slaConfig);
    running[0]!.pauseForApproval = false;
    const engine = setup(running);
    await markComplex(engine);
    expect((await instance(engine, 'D-1')).pausedAt ?? null).toBeNull();
    await engine.advanceTo('2026-03-07T09:00:00.000Z');
    expect((await instance(engine, 'D-1')).status).toBe('breached');
  });
});

describe('the same with plain rules: the countdown stops at the request and the decision starts the right one', () => {
  const plain = () => setup([], plainRuleConfig);

  it('sends nothing while pending; approved, a new 5-day countdown runs from the decision', async () => {
    const engine = plain();
    const log = sent(engine);
    const approvalId = await markComplex(engine);
    await engine.advanceTo('2026-03-09T10:00:00.000Z');
    expect(log.filter((l) => l.includes('proposal.'))).toEqual(['2026-03-03T08:00 anna proposal.reminder']);
    await engine.decideApproval(approvalId, { decision: 'approve', actor: actors.maria });
    await engine.advanceTo('2026-03-20T00:00:00.000Z');
    expect(log.filter((l) => l.includes('proposal.'))).toEqual([
      '2026-03-03T08:00 anna proposal.reminder',
      '2026-03-13T10:00 anna proposal.reminder',
      '2026-03-14T10:00 maria proposal.missed',
    ]);
  });

  it('rejected after the original deadline: the escalation goes out at once', async () => {
    const engine = plain();
    const log = sent(engine);
    const approvalId = await markComplex(engine);
    await engine.advanceTo('2026-03-09T10:00:00.000Z');
    await engine.decideApproval(approvalId, { decision: 'reject', actor: actors.maria });
    await engine.advanceTo('2026-03-20T00:00:00.000Z');
    expect(log.filter((l) => l.includes('proposal.'))).toEqual(['2026-03-03T08:00 anna proposal.reminder', '2026-03-09T10:00 maria proposal.missed']);
  });
});
