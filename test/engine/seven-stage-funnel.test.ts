import { describe, expect, it } from 'vitest';
import { actors, directory, facts, pipelineConfig, playbookConfig, ruleConfig, slaConfig } from '../../examples/seven-stage-funnel/setup.js';
import { createTestEngine } from '../../src/testing/index.js';

function setup() {
  return createTestEngine({
    pipelines: [pipelineConfig],
    rules: ruleConfig,
    slas: slaConfig,
    playbooks: playbookConfig,
    facts,
    directory: directory(),
    start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
  });
}

const newDeal = (id: string, ownerId = 'anna') => ({
  id,
  pipelineId: 'funnel',
  ownerId,
  amount: 12_000,
  currency: 'EUR',
  fields: { contactId: 'C-1', product: 'POS system' },
});

async function taskByKey(engine: ReturnType<typeof setup>, dealId: string, key: string) {
  return (await engine.tasks({ dealId })).find((t) => t.key === key)!;
}

describe('the seven-stage funnel (scenario 001)', () => {
  it('1. names a new deal from the contact and the deal, and tells the responsible seller', async () => {
    const engine = setup();
    const deal = await engine.createDeal(newDeal('D-1'));
    expect(deal.title).toBe('Hotel Adler — POS system');
    expect(engine.notifications.map((m) => [m.recipient.id, m.text])).toEqual([
      ['anna', 'New deal for you: Hotel Adler — POS system (Eva Adler, +49 30 555 0101).'],
    ]);
  });

  it('1. tells the head of department and records it when a deal is not taken into work within 2 working hours', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.createDeal(newDeal('D-2', 'boris'));
    await engine.advance({ hours: 1 });
    await engine.moveDeal('D-1', 'processing', { actor: actors.anna });
    await engine.advance({ hours: 2 });
    expect((await engine.records('violation')).map((v) => [v.dealId, v.data.name, v.data.ownerId])).toEqual([['D-2', 'taken-into-work', 'boris']]);
    expect(engine.notifications.filter((m) => m.template === 'stage.overdue.head').map((m) => [m.recipient.id, m.dealId])).toEqual([['maria', 'D-2']]);
  });

  it('2. tells the seller and the head when a deal sits in Processing past 2 working days', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.moveDeal('D-1', 'processing');
    engine.notifications.length = 0;
    await engine.advance({ days: 1, hours: 23 });
    expect(engine.notifications).toEqual([]);
    await engine.advance({ hours: 1 });
    expect(engine.notifications.map((m) => [m.recipient.id, m.template])).toEqual([
      ['anna', 'stage.overdue'],
      ['maria', 'stage.overdue.head'],
    ]);
    expect((await engine.records('violation')).map((v) => v.data.name)).toEqual(['processing-2-days']);
  });

  it('3. renames the deal to catch the eye and sets the proposal task with the other sellers as co-assignees', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    const deal = await engine.moveDeal('D-1', 'proposal');
    expect(deal.title).toBe('‼ PROPOSAL DUE: Hotel Adler — POS system');
    expect(await taskByKey(engine, 'D-1', 'prepare-proposal')).toMatchObject({
      title: 'Prepare the proposal for Hotel Adler (POS system)',
      assigneeId: 'anna',
      coAssigneeIds: ['boris', 'carl'],
      dueAt: '2026-03-04T08:00:00.000Z',
      priority: 'high',
    });
    expect((await engine.moveDeal('D-1', 'negotiation')).title).toBe('Hotel Adler — POS system');
  });

  it('5. files the contract only with the head of department’s confirmation, then moves to payment control', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.moveDeal('D-1', 'contract');
    const task = await taskByKey(engine, 'D-1', 'file-contract');
    expect(task).toMatchObject({ assigneeId: 'anna', approverId: 'maria', requiresApprovalToClose: true });
    await engine.completeTask(task.id, { actor: actors.anna });
    expect((await engine.getDeal('D-1'))!.stageId).toBe('contract');
    await expect(engine.completeTask(task.id, { actor: actors.boris })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await engine.completeTask(task.id, { actor: actors.maria });
    expect(await engine.getDeal('D-1')).toMatchObject({ stageId: 'payment', fields: { invoiceStatus: 'sent' } });
  });

  it('6. moves on to delivery by itself when the accounting system reports the invoice paid', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.moveDeal('D-1', 'payment');
    expect((await engine.emit({ name: 'invoice.paid', dealId: 'D-1' }))!.stageId).toBe('delivery');
    const sla = (await engine.records('sla', { dealId: 'D-1' })).find((r) => r.data.slaId === 'payment-5-days');
    expect(sla?.data.status).toBe('met');
  });

  it('7. runs the service playbook the seller launches, and completes the deal on the signed acceptance', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.moveDeal('D-1', 'delivery');
    const tasks = await engine.launchPlaybook('D-1', 'pos-installation', { actor: actors.anna });
    expect(tasks.map((t) => [t.key, t.status, t.assigneeId])).toEqual([
      ['schedule', 'open', 'anna'],
      ['install', 'blocked', 'tim'],
      ['train', 'blocked', 'tim'],
      ['acceptance', 'blocked', 'anna'],
    ]);
    for (const [key, actor] of [
      ['schedule', actors.anna],
      ['install', actors.tim],
      ['train', actors.tim],
      ['acceptance', actors.anna],
    ] as const) {
      await engine.completeTask((await taskByKey(engine, 'D-1', key)).id, { actor });
    }
    expect(await engine.getDeal('D-1')).toMatchObject({ stageId: 'won' });
  });

  it('reminds the responsible person to call the client again after 10 working days, unless the deal is completed', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.createDeal(newDeal('D-2', 'boris'));
    await engine.moveDeal('D-1', 'won');
    engine.notifications.length = 0;
    await engine.advance({ days: 13, hours: 23 });
    expect(engine.notifications.filter((m) => m.template === 'deal.call-again')).toEqual([]);
    await engine.advance({ hours: 1 });
    expect(engine.notifications.filter((m) => m.template === 'deal.call-again').map((m) => [m.recipient.id, m.dealId])).toEqual([['boris', 'D-2']]);
  });

  it('goes through all seven stages on time with every stage deadline met', async () => {
    const engine = setup();
    await engine.createDeal(newDeal('D-1'));
    await engine.advance({ hours: 1 });
    for (const stage of ['processing', 'proposal', 'negotiation', 'contract']) {
      await engine.moveDeal('D-1', stage, { actor: actors.anna });
      await engine.advance({ hours: 3 });
    }
    const contract = await taskByKey(engine, 'D-1', 'file-contract');
    await engine.completeTask(contract.id, { actor: actors.maria });
    await engine.emit({ name: 'invoice.paid', dealId: 'D-1' });
    await engine.launchPlaybook('D-1', 'pos-installation', { actor: actors.anna });
    for (const key of ['schedule', 'install', 'train', 'acceptance']) await engine.completeTask((await taskByKey(engine, 'D-1', key)).id);
    expect((await engine.getDeal('D-1'))!.stageId).toBe('won');
    const slas = (await engine.records('sla', { dealId: 'D-1' })).map((r) => [r.data.slaId, r.data.status]);
    expect(slas).toEqual([
      ['taken-into-work', 'met'],
      ['processing-2-days', 'met'],
      ['proposal-3-days', 'met'],
      ['negotiation-5-days', 'met'],
      ['contract-3-days', 'met'],
      ['payment-5-days', 'met'],
    ]);
    expect(await engine.records('violation')).toEqual([]);
  });
});
