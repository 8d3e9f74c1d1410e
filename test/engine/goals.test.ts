import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, isDealflowError, type Actor, type PipelineInput, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';

type Goals = NonNullable<PipelineInput['stages'][number]['goals']>;

const paid = { fact: 'deal', path: '$.fields.invoiceStatus', operator: 'equal', value: 'paid' };

function pipeline(negotiationGoals: Goals, invoiceGoals: Goals = [{ id: 'paid', when: paid, moveTo: 'delivery' }]): PipelineInput {
  return {
    id: 'sales',
    name: 'Sales',
    stages: [
      { id: 'new', name: 'New' },
      { id: 'proposal', name: 'Proposal' },
      { id: 'negotiation', name: 'Negotiation', goals: negotiationGoals },
      { id: 'invoice', name: 'Invoice', goals: invoiceGoals },
      { id: 'delivery', name: 'Delivery' },
      { id: 'nurture', name: 'Nurture' },
      { id: 'won', name: 'Won', kind: 'won' },
      { id: 'lost', name: 'Lost', kind: 'lost' },
    ],
    fields: { invoiceStatus: { type: 'string' }, requirements: { type: 'string' } },
  };
}

const negotiationGoals: Goals = [
  { id: 'requirements-received', name: 'Requirements received', moveTo: 'proposal' },
  { id: 'ready-to-buy', name: 'Ready to buy', moveTo: 'invoice' },
  { id: 'refused', name: 'Refused', moveTo: 'lost' },
  { id: 'postponed', name: 'Decision postponed', moveTo: 'nurture' },
];

const anna: Actor = { id: 'anna', roles: ['seller'] };
const maria: Actor = { id: 'maria', roles: ['manager'], teamId: 't' };

function setup(p: PipelineInput = pipeline(negotiationGoals), rules: RuleInput[] = []) {
  return createTestEngine({
    pipelines: [p],
    rules,
    directory: new InMemoryDirectory([
      { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 't' },
      { id: 'maria', roles: ['manager'], teamId: 't' },
    ]),
  });
}

async function inNegotiation(engine = setup()) {
  const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Hotel', stageId: 'negotiation' });
  return { engine, deal };
}

function configError(fn: () => unknown): { code: string; issues: Array<{ path: string; message: string }> } {
  try {
    fn();
  } catch (e) {
    if (isDealflowError(e)) return e as never;
    throw e;
  }
  throw new Error('expected a DealflowError');
}

describe('achieveGoal', () => {
  it('sends the deal to each goal’s own stage: one stage branches four ways', async () => {
    const engine = setup();
    const outcomes: Record<string, string> = {};
    for (const goal of ['requirements-received', 'ready-to-buy', 'refused', 'postponed']) {
      const { deal } = await inNegotiation(engine);
      outcomes[goal] = (await engine.achieveGoal(deal.id, goal, { actor: maria })).stageId;
    }
    expect(outcomes).toEqual({ 'requirements-received': 'proposal', 'ready-to-buy': 'invoice', refused: 'lost', postponed: 'nurture' });
  });

  it('logs which goal moved the deal, and who reached it', async () => {
    const { engine, deal } = await inNegotiation();
    await engine.achieveGoal(deal.id, 'ready-to-buy', { actor: anna });
    const history = await engine.history(deal.id);
    expect(history.find((e) => e.type === 'goal.achieved')?.data).toEqual({
      goalId: 'ready-to-buy',
      name: 'Ready to buy',
      from: 'negotiation',
      to: 'invoice',
      by: 'anna',
      automatic: false,
    });
    expect(history.find((e) => e.type === 'stage.changed')?.data).toMatchObject({ from: 'negotiation', to: 'invoice' });
  });

  it('hands the next steps over: the target stage’s rules run in the same command', async () => {
    const rules: RuleInput[] = [
      {
        id: 'invoice-task',
        trigger: { type: 'stage.entered', stage: 'invoice' },
        actions: [{ type: 'createTask', params: { title: 'Send the invoice', assignee: 'manager' } }],
      },
    ];
    const { engine, deal } = await inNegotiation(setup(pipeline(negotiationGoals), rules));
    await engine.achieveGoal(deal.id, 'ready-to-buy');
    expect((await engine.tasks({ dealId: deal.id })).map((t) => [t.title, t.assigneeId])).toEqual([['Send the invoice', 'maria']]);
  });

  it('refuses a goal that is not the current stage’s, naming where it belongs, and changes nothing', async () => {
    const { engine, deal } = await inNegotiation();
    const moved = await engine.achieveGoal(deal.id, 'ready-to-buy');
    const before = await engine.history(deal.id);
    const wrong = await engine.achieveGoal(deal.id, 'refused').catch((e) => e);
    expect(wrong).toMatchObject({ code: 'INVALID_INPUT' });
    expect(wrong.message).toBe(
      'goal "refused" is not a goal of stage "invoice", where deal "deal-1" is (it belongs to stage "negotiation"); this stage\'s goals are paid',
    );
    await expect(engine.achieveGoal(deal.id, 'no-such-goal')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await engine.history(deal.id)).toEqual(before);
    expect((await engine.getDeal(deal.id))!.version).toBe(moved.version);
  });

  it('asks the access policy: a seller may not move their deal backwards by a goal, a manager may', async () => {
    const { engine, deal } = await inNegotiation();
    await expect(engine.achieveGoal(deal.id, 'requirements-received', { actor: anna })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await engine.getDeal(deal.id))!.stageId).toBe('negotiation');
    expect((await engine.achieveGoal(deal.id, 'requirements-received', { actor: maria })).stageId).toBe('proposal');
  });
});

describe('automatic goals', () => {
  it('moves the deal on as soon as the condition holds after a change', async () => {
    const engine = setup();
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'invoice' });
    await engine.updateDeal(deal.id, { fields: { invoiceStatus: 'sent' } });
    expect((await engine.getDeal(deal.id))!.stageId).toBe('invoice');
    const after = await engine.updateDeal(deal.id, { fields: { invoiceStatus: 'paid' } });
    expect(after.stageId).toBe('delivery');
    const reached = (await engine.history(deal.id)).find((e) => e.type === 'goal.achieved');
    expect(reached?.data).toMatchObject({ goalId: 'paid', from: 'invoice', to: 'delivery', automatic: true, by: 'goal' });
    expect(reached?.data.criteria).toEqual([expect.objectContaining({ fact: 'deal', path: '$.fields.invoiceStatus', factValue: 'paid', result: true })]);
  });

  it('is reached by a change a rule makes in the cascade (an invoice.paid event)', async () => {
    const rules: RuleInput[] = [
      {
        id: 'mark-paid',
        trigger: { type: 'event', name: 'invoice.paid' },
        actions: [{ type: 'setField', params: { field: 'fields.invoiceStatus', value: 'paid' } }],
      },
    ];
    const engine = setup(pipeline(negotiationGoals), rules);
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'invoice' });
    const after = await engine.emit({ name: 'invoice.paid', dealId: deal.id });
    expect(after!.stageId).toBe('delivery');
  });

  it('can read the event that caused the change', async () => {
    const byEvent: Goals = [{ id: 'paid', when: { fact: 'event', path: '$.status', operator: 'equal', value: 'paid' }, moveTo: 'delivery' }];
    const engine = setup(pipeline(negotiationGoals, byEvent));
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'invoice' });
    expect((await engine.emit({ name: 'invoice.status', dealId: deal.id, payload: { status: 'overdue' } }))!.stageId).toBe('invoice');
    expect((await engine.emit({ name: 'invoice.status', dealId: deal.id, payload: { status: 'paid' } }))!.stageId).toBe('delivery');
  });

  it('only moves backwards when the goal says allowBackward', async () => {
    const back: Goals = [
      { id: 'reopen', when: { fact: 'deal', path: '$.fields.requirements', operator: 'equal', value: 'changed' }, moveTo: 'proposal', allowBackward: true },
    ];
    const engine = setup(pipeline(back));
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'negotiation' });
    expect((await engine.updateDeal(deal.id, { fields: { requirements: 'changed' } })).stageId).toBe('proposal');
  });
});

describe('automatic goals in a circle', () => {
  it('are a CASCADE_LIMIT naming the goals, and the command changes nothing', async () => {
    const x = { fact: 'deal', path: '$.fields.requirements', operator: 'equal', value: 'unclear' };
    const circle = pipeline([{ id: 'to-invoice', when: x, moveTo: 'invoice' }], [{ id: 'back', when: x, moveTo: 'negotiation', allowBackward: true }]);
    const engine = setup(circle);
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', stageId: 'negotiation' });
    const error = await engine.updateDeal(deal.id, { fields: { requirements: 'unclear' } }).catch((e) => e);
    expect(error).toMatchObject({ code: 'CASCADE_LIMIT', details: { rules: ['goal'] } });
    expect(await engine.getDeal(deal.id)).toEqual(deal);
  });
});

describe('goal configuration', () => {
  it('refuses an automatic goal that would move deals backwards without allowBackward', () => {
    const back: Goals = [{ id: 'reopen', when: { fact: 'deal', path: '$.fields.requirements', operator: 'equal', value: 'changed' }, moveTo: 'proposal' }];
    const error = configError(() => setup(pipeline(back)));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues).toEqual([
      {
        path: '$.pipelines[0].stages[2].goals[0].allowBackward',
        message:
          'goal "reopen" would move deals back from "negotiation" to "proposal" by itself; automation only moves deals forward, so set allowBackward: true, or remove `when` to keep it a goal people mark by hand',
      },
    ]);
  });

  it('counts an automatic goal from lost to won as moving back (regression: lost → won passed as forward)', () => {
    const p = pipeline(negotiationGoals);
    p.stages.find((s) => s.id === 'lost')!.goals = [{ id: 'revived', when: paid, moveTo: 'won' }];
    const error = configError(() => setup(p));
    expect(error.issues.map((i) => i.path)).toEqual(['$.pipelines[0].stages[7].goals[0].allowBackward']);
  });

  it('reports unknown target stages, duplicate ids and bad conditions with their JSON paths', () => {
    const bad: Goals = [
      { id: 'a', moveTo: 'heaven' },
      { id: 'a', moveTo: 'won' },
      { id: 'b', when: { fact: 'weather', operator: 'equal', value: 'sunny' }, moveTo: 'won' },
      { id: 'c', when: { fact: 'deal', path: '$.amount', operator: 'biggerThan', value: 5 }, moveTo: 'won' },
    ];
    const structural = configError(() => setup(pipeline(bad.slice(0, 2))));
    expect(structural.code).toBe('INVALID_CONFIG');
    expect(structural.issues.map((i) => i.path)).toEqual(['$.pipelines[0].stages[2].goals[0].moveTo', '$.pipelines[0].stages[2].goals[1].id']);
    const conditions = configError(() => setup(pipeline(bad.slice(2))));
    expect(conditions.issues.map((i) => i.path)).toEqual(['$.pipelines[0].stages[2].goals[0].when.fact', '$.pipelines[0].stages[2].goals[1].when.operator']);
  });
});
