import { describe, expect, it } from 'vitest';
import { actors, directory, pipelineConfig, playbookConfig, ruleConfig } from '../../examples/negotiation-goals/setup.js';
import { createTestEngine } from '../../src/testing/index.js';

function setup() {
  return createTestEngine({
    pipelines: [pipelineConfig],
    rules: ruleConfig,
    playbooks: playbookConfig,
    directory: directory(),
    start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
  });
}

async function inNegotiation(engine: ReturnType<typeof setup>, id: string, ownerId = 'anna') {
  return engine.createDeal({ id, pipelineId: 'sales', stageId: 'negotiation', ownerId, title: `Client ${id}`, amount: 5000, currency: 'EUR' });
}

describe('negotiation goals with branching (scenario 002)', () => {
  it('sends each deal where its goal leads and hands the next step to the right person', async () => {
    const engine = setup();
    for (const id of ['D-1', 'D-2', 'D-3', 'D-4']) await inNegotiation(engine, id);
    await engine.achieveGoal('D-1', 'ready-to-buy', { actor: actors.anna });
    await engine.achieveGoal('D-2', 'requirements-received', { actor: actors.maria });
    await engine.achieveGoal('D-3', 'refused', { actor: actors.anna });
    await engine.achieveGoal('D-4', 'postponed', { actor: actors.anna });

    expect((await engine.listDeals()).map((d) => [d.id, d.stageId])).toEqual([
      ['D-1', 'invoice'],
      ['D-2', 'proposal'],
      ['D-3', 'lost'],
      ['D-4', 'nurture'],
    ]);
    expect((await engine.tasks({ dealId: 'D-1' })).map((t) => [t.key, t.assigneeId, t.coAssigneeIds, t.dueAt])).toEqual([
      ['invoice', 'olga', ['anna'], '2026-03-03T08:00:00.000Z'],
    ]);
    expect((await engine.tasks({ dealId: 'D-2' })).map((t) => [t.key, t.assigneeId, t.dueAt])).toEqual([['proposal', 'anna', '2026-03-04T08:00:00.000Z']]);
    expect(engine.notifications.filter((m) => m.dealId === 'D-3').map((m) => [m.recipient.id, m.text])).toEqual([
      ['maria', 'Client D-3 was refused. Worth a review?'],
    ]);
    expect((await engine.pendingJobs('D-4')).map((j) => [j.ruleId, j.dueAt])).toEqual([['call-again', '2026-04-01T07:00:00.000Z']]);
  });

  it('lets only the head of sales send a deal back to Proposal', async () => {
    const engine = setup();
    await inNegotiation(engine, 'D-1');
    await expect(engine.achieveGoal('D-1', 'requirements-received', { actor: actors.anna })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await engine.getDeal('D-1'))!.stageId).toBe('negotiation');
    expect((await engine.achieveGoal('D-1', 'requirements-received', { actor: actors.maria })).stageId).toBe('proposal');
  });

  it('moves a paid deal on by itself, runs the delivery steps in order, and wins it when the head confirms the handover', async () => {
    const engine = setup();
    await inNegotiation(engine, 'D-1');
    await engine.achieveGoal('D-1', 'ready-to-buy', { actor: actors.anna });
    await engine.advance({ hours: 4 });
    await engine.emit({ name: 'invoice.paid', dealId: 'D-1', payload: { invoice: 'INV-1' } });

    const deal = await engine.getDeal('D-1');
    expect(deal).toMatchObject({ stageId: 'delivery', fields: { invoiceStatus: 'paid' } });
    const reached = (await engine.history('D-1')).filter((e) => e.type === 'goal.achieved').map((e) => [e.data.goalId, e.data.automatic]);
    expect(reached).toEqual([
      ['ready-to-buy', false],
      ['paid', true],
    ]);
    const step = async (key: string) => (await engine.tasks({ dealId: 'D-1' })).find((t) => t.key === key)!;
    expect([(await step('kickoff')).status, (await step('install')).status, (await step('handover')).status]).toEqual(['open', 'blocked', 'blocked']);

    await engine.completeTask((await step('kickoff')).id, { actor: actors.anna });
    expect(await step('install')).toMatchObject({ status: 'open', assigneeId: 'tim' });
    await engine.completeTask((await step('install')).id, { actor: { id: 'tim', roles: ['service'] } });
    const handover = await step('handover');
    expect(handover).toMatchObject({ status: 'open', requiresApprovalToClose: true, approverId: 'maria' });

    await engine.completeTask(handover.id, { actor: actors.anna });
    expect((await engine.getDeal('D-1'))!.stageId).toBe('delivery');
    await expect(engine.completeTask(handover.id, { actor: actors.boris })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await engine.completeTask(handover.id, { actor: actors.maria });
    expect((await engine.getDeal('D-1'))!.stageId).toBe('won');
  });

  it('tells the head of sales about a late delivery step', async () => {
    const engine = setup();
    await inNegotiation(engine, 'D-1');
    await engine.achieveGoal('D-1', 'ready-to-buy');
    await engine.completeTask((await engine.tasks({ dealId: 'D-1' }))[0]!.id, { actor: { id: 'olga', roles: ['accounting'] } });
    await engine.emit({ name: 'invoice.paid', dealId: 'D-1' });
    const kickoff = (await engine.tasks({ dealId: 'D-1' })).find((t) => t.key === 'kickoff')!;
    await engine.completeTask(kickoff.id);
    engine.notifications.length = 0;
    await engine.advance({ days: 7 });
    expect(engine.notifications.map((m) => [m.recipient.id, m.template, m.text])).toEqual([
      ['tim', 'task.overdue', 'The task "Install at Client D-1" is overdue.'],
      ['maria', 'task.late', 'Late: Install at Client D-1 (Client D-1)'],
    ]);
  });

  it('reminds the seller to call a postponed client again after 30 days', async () => {
    const engine = setup();
    await inNegotiation(engine, 'D-4', 'boris');
    await engine.achieveGoal('D-4', 'postponed', { actor: actors.boris });
    await engine.advance({ days: 29 });
    expect(await engine.tasks({ dealId: 'D-4' })).toEqual([]);
    await engine.advance({ days: 1 });
    expect((await engine.tasks({ dealId: 'D-4' })).map((t) => [t.title, t.assigneeId, t.dueAt])).toEqual([
      ['Call Client D-4 again', 'boris', '2026-04-03T07:00:00.000Z'],
    ]);
  });

  it('is deterministic: the same inputs on the same clock give the same log, outbox and records', async () => {
    const run = async () => {
      const engine = setup();
      for (const id of ['D-1', 'D-2', 'D-4']) await inNegotiation(engine, id);
      await engine.achieveGoal('D-1', 'ready-to-buy', { actor: actors.anna });
      await engine.achieveGoal('D-2', 'requirements-received', { actor: actors.maria });
      await engine.achieveGoal('D-4', 'postponed');
      await engine.advance({ hours: 5 });
      await engine.emit({ name: 'invoice.paid', dealId: 'D-1' });
      await engine.completeTask((await engine.tasks({ dealId: 'D-1', status: 'open' })).at(-1)!.id, { actor: actors.anna });
      await engine.advance({ days: 40 });
      const histories = await Promise.all(['D-1', 'D-2', 'D-4'].map((id) => engine.history(id)));
      return JSON.stringify([histories, await engine.outbox(), await engine.records('task'), await engine.records('playbook-run')]);
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(10_000);
    expect(await run()).toBe(first);
  });
});
