import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, isDealflowError, type Actor, type RuleInput } from '../../src/index.js';
import { engineWith, newDeal } from '../helpers.js';

const anna: Actor = { id: 'anna', roles: ['seller'] };
const boris: Actor = { id: 'boris', roles: ['seller'] };
const maria: Actor = { id: 'maria', roles: ['manager'], teamId: 'team-1' };

const people = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 'team-1' },
    { id: 'boris', managerId: 'maria', roles: ['seller'], teamId: 'team-1' },
    { id: 'carl', managerId: 'maria', roles: ['seller'], teamId: 'team-1' },
    { id: 'maria', roles: ['manager'], teamId: 'team-1' },
    { id: 'nina', roles: ['seller'] },
  ]);

const proposalTaskRule: RuleInput = {
  id: 'proposal-task',
  trigger: { type: 'stage.entered', stage: 'proposal' },
  actions: [
    {
      type: 'createTask',
      params: {
        key: 'prepare-proposal',
        title: 'Prepare the proposal for {{title}}',
        coAssignees: [{ role: 'seller' }],
        due: { days: 2 },
        priority: 'high',
      },
    },
  ],
};

const contractTaskRule: RuleInput = {
  id: 'contract-task',
  trigger: { type: 'stage.entered', stage: 'negotiation' },
  actions: [{ type: 'createTask', params: { key: 'file-contract', title: 'File the signed contract', due: { days: 3 }, requiresApprovalToClose: true } }],
};

async function dealInProposal(rules: RuleInput[] = [proposalTaskRule], extra = {}) {
  const engine = engineWith(rules, { directory: people(), ...extra });
  const deal = await engine.createDeal({ ...newDeal, title: 'Bakery POS' });
  await engine.moveDeal(deal.id, 'proposal');
  return { engine, deal };
}

describe('tasks created by a rule', () => {
  it('renders the title, assigns the owner, adds the other sellers as co-assignees and sets the due time', async () => {
    const { engine, deal } = await dealInProposal();
    const [task, ...rest] = await engine.tasks({ dealId: deal.id });
    expect(rest).toEqual([]);
    expect(task).toMatchObject({
      dealId: deal.id,
      key: 'prepare-proposal',
      title: 'Prepare the proposal for Bakery POS',
      status: 'open',
      priority: 'high',
      assigneeId: 'anna',
      coAssigneeIds: ['boris', 'carl', 'nina'],
      dueAt: '2026-03-04T09:00:00.000Z',
      createdBy: 'rule:proposal-task',
      requiresApprovalToClose: false,
      approverId: null,
      unresolved: null,
    });
    const told = engine.notifications.filter((m) => m.template === 'task.assigned');
    expect(told.map((m) => [m.recipient.id, m.data.as])).toEqual([
      ['anna', 'assignee'],
      ['boris', 'co-assignee'],
      ['carl', 'co-assignee'],
      ['nina', 'co-assignee'],
    ]);
    expect(told[0]!.text).toBe('New task: Prepare the proposal for Bakery POS (due 2026-03-04 09:00)');
  });

  it('assigns the owner’s manager through the Directory, and falls back to the owner (logged) when there is none', async () => {
    const rule: RuleInput = { id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'createTask', params: { title: 'Check', assignee: 'manager' } }] };
    const engine = engineWith([rule], { directory: people() });
    const managed = await engine.createDeal(newDeal);
    const unmanaged = await engine.createDeal({ ...newDeal, ownerId: 'nina' });
    expect((await engine.tasks({ dealId: managed.id }))[0]).toMatchObject({ assigneeId: 'maria', unresolved: null });
    expect((await engine.tasks({ dealId: unmanaged.id }))[0]).toMatchObject({ assigneeId: 'nina', unresolved: null });
    const note = (await engine.history(unmanaged.id)).find((e) => e.type === 'task.personUnresolved');
    expect(note?.data).toMatchObject({ role: 'assignee', wanted: 'manager', fallback: 'nina', reason: 'owner "nina" has no managerId in the directory' });
  });

  it('rejects bad task params when the rules are parsed, with JSON paths', () => {
    const bad: RuleInput = {
      id: 'bad',
      trigger: { type: 'deal.created' },
      actions: [{ type: 'createTask', params: { title: 'Call {{#deal}}', due: { fortnights: 1 }, priority: 'urgent' } }],
    };
    let error: unknown;
    try {
      engineWith([bad]);
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error, 'INVALID_RULES')).toBe(true);
    const paths = (error as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['$[0].actions[0].params.title', '$[0].actions[0].params.due', '$[0].actions[0].params.priority']));
  });
});

describe('completing and reopening', () => {
  it('fires task.completed rules (narrowed by key), cancels the overdue watch, and refuses a second completion', async () => {
    const onDone: RuleInput = {
      id: 'proposal-done',
      trigger: { type: 'task.completed', task: 'prepare-proposal' },
      actions: [{ type: 'setField', params: { field: 'fields.note', value: 'proposal ready' } }],
    };
    const otherKey: RuleInput = {
      id: 'other-done',
      trigger: { type: 'task.completed', task: 'something-else' },
      actions: [{ type: 'setFlag', params: { flag: 'other' } }],
    };
    const { engine, deal } = await dealInProposal([proposalTaskRule, onDone, otherKey]);
    const [task] = await engine.tasks({ dealId: deal.id });
    expect((await engine.pendingJobs(deal.id)).map((j) => j.ruleId)).toEqual(['task:overdue']);

    const done = await engine.completeTask(task!.id, { actor: boris });
    expect(done).toMatchObject({ status: 'completed', completedBy: 'boris', completedAt: '2026-03-02T09:00:00.000Z' });
    const after = await engine.getDeal(deal.id);
    expect(after!.fields.note).toBe('proposal ready');
    expect(after!.flags.other).toBeUndefined();
    expect(await engine.pendingJobs(deal.id)).toEqual([]);

    await expect(engine.completeTask(task!.id, { actor: anna })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('lets the people on a task complete it, and refuses others the policy does not allow, changing nothing', async () => {
    const { engine, deal } = await dealInProposal([proposalTaskRule]);
    const [task] = await engine.tasks({ dealId: deal.id });
    const outsider: Actor = { id: 'olga', roles: ['seller'] };
    const before = await engine.history(deal.id);
    await expect(engine.completeTask(task!.id, { actor: outsider })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await engine.history(deal.id)).toEqual(before);
    expect((await engine.getTask(task!.id))!.status).toBe('open');
    // The team's manager is not on the task, but the default policy lets them change the team's deals.
    expect((await engine.completeTask(task!.id, { actor: maria })).status).toBe('completed');
  });

  it('reopens a completed task and watches its due time again', async () => {
    const { engine, deal } = await dealInProposal();
    const [task] = await engine.tasks({ dealId: deal.id });
    await engine.completeTask(task!.id, { actor: anna });
    const reopened = await engine.reopenTask(task!.id, { actor: anna, reason: 'client changed the scope' });
    expect(reopened).toMatchObject({ status: 'open', completedAt: null, completedBy: null });
    expect((await engine.pendingJobs(deal.id)).map((j) => [j.ruleId, j.dueAt])).toEqual([['task:overdue', '2026-03-04T09:00:00.000Z']]);
    expect((await engine.history(deal.id)).find((e) => e.type === 'task.reopened')?.data).toMatchObject({ by: 'anna', reason: 'client changed the scope' });
    await expect(engine.reopenTask(task!.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('says which task is unknown', async () => {
    const { engine } = await dealInProposal();
    await expect(engine.completeTask('task-404')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no task "task-404"' });
  });
});

describe('a task that requires approval to close', () => {
  async function contractTask(rules: RuleInput[] = [contractTaskRule]) {
    const engine = engineWith(rules, { directory: people() });
    const deal = await engine.createDeal(newDeal);
    await engine.moveDeal(deal.id, 'negotiation');
    const [task] = await engine.tasks({ dealId: deal.id });
    return { engine, deal, task: task! };
  }

  it('names the owner’s manager (the head of department) as approver by default', async () => {
    const { task } = await contractTask();
    expect(task).toMatchObject({ requiresApprovalToClose: true, approverId: 'maria', assigneeId: 'anna' });
  });

  it('asks the approver when the assignee completes it, and closes only on the approver’s confirmation', async () => {
    const onDone: RuleInput = {
      id: 'contract-filed',
      trigger: { type: 'task.completed', task: 'file-contract' },
      actions: [{ type: 'moveStage', params: { stage: 'won' } }],
    };
    const { engine, deal, task } = await contractTask([contractTaskRule, onDone]);

    const requested = await engine.completeTask(task.id, { actor: anna });
    expect(requested).toMatchObject({ status: 'pending-approval', closeRequestedBy: 'anna' });
    expect((await engine.getDeal(deal.id))!.stageId).toBe('negotiation');
    const ask = engine.notifications.find((m) => m.template === 'task.approval-requested');
    expect(ask?.recipient.id).toBe('maria');
    expect(ask?.text).toBe('Please confirm that the task "File the signed contract" is done.');

    const before = await engine.history(deal.id);
    for (const actor of [anna, boris]) {
      const err = await engine.completeTask(task.id, { actor }).catch((e) => e);
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await engine.history(deal.id)).toEqual(before);

    const confirmed = await engine.completeTask(task.id, { actor: maria });
    expect(confirmed).toMatchObject({ status: 'completed', completedBy: 'maria' });
    expect((await engine.getDeal(deal.id))!.stageId).toBe('won');
  });

  it('goes back to open when the approver refuses the close', async () => {
    const { engine, deal, task } = await contractTask();
    await engine.completeTask(task.id, { actor: anna });
    const refused = await engine.reopenTask(task.id, { actor: maria, reason: 'the scan is unreadable' });
    expect(refused).toMatchObject({ status: 'open', closeRequestedBy: null });
    expect((await engine.history(deal.id)).find((e) => e.type === 'task.closeRefused')?.data).toMatchObject({ by: 'maria', reason: 'the scan is unreadable' });
  });

  it('is closed at once by the approver or a trusted system call', async () => {
    const { engine, task } = await contractTask();
    expect((await engine.completeTask(task.id)).status).toBe('completed');
  });
});

describe('overdue tasks', () => {
  const escalate: RuleInput = {
    id: 'proposal-late',
    trigger: { type: 'task.overdue', task: 'prepare-proposal' },
    actions: [{ type: 'notify', params: { to: 'manager', template: 'task.late', text: '{{event.task.title}} is late' } }],
  };

  it('tells the assignee, fires task.overdue rules and marks the task when the due time passes', async () => {
    const { engine, deal } = await dealInProposal([proposalTaskRule, escalate]);
    engine.notifications.length = 0;
    await engine.advance({ days: 1, hours: 23 });
    expect(engine.notifications).toEqual([]);
    await engine.advance({ hours: 1 });
    expect(engine.notifications.map((m) => [m.recipient.id, m.template, m.text])).toEqual([
      ['anna', 'task.overdue', 'The task "Prepare the proposal for Bakery POS" is overdue.'],
      ['maria', 'task.late', 'Prepare the proposal for Bakery POS is late'],
    ]);
    const [task] = await engine.tasks({ dealId: deal.id });
    expect(task).toMatchObject({ status: 'open', overdueAt: '2026-03-04T09:00:00.000Z' });
  });

  it('stays quiet for a task completed in time', async () => {
    const { engine, deal } = await dealInProposal([proposalTaskRule, escalate]);
    const [task] = await engine.tasks({ dealId: deal.id });
    await engine.advance({ days: 1 });
    await engine.completeTask(task!.id, { actor: anna });
    engine.notifications.length = 0;
    await engine.advance({ days: 5 });
    expect(engine.notifications).toEqual([]);
    expect((await engine.history(deal.id)).filter((e) => e.type === 'job.cancelled').map((e) => e.data.reason)).toEqual(['task-completed']);
  });
});

describe('due times', () => {
  it('count business units in the pipeline’s calendar, due exactly then', async () => {
    const rules: RuleInput[] = [
      {
        id: 'friday-tasks',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'createTask', params: { key: 'hours', title: 'Four working hours', due: { businessHours: 4 } } },
          { type: 'createTask', params: { key: 'days', title: 'One working day', due: { businessDays: 1 } } },
          { type: 'createTask', params: { key: 'calendar', title: 'One calendar day', due: { days: 1 } } },
        ],
      },
    ];
    // Friday 16:00 in a Monday–Friday 09:00–18:00 calendar (the default).
    const engine = engineWith(rules, { directory: people(), start: '2026-03-06T16:00:00.000Z' });
    const deal = await engine.createDeal(newDeal);
    const due = Object.fromEntries((await engine.tasks({ dealId: deal.id })).map((t) => [t.key, t.dueAt]));
    expect(due).toEqual({ hours: '2026-03-09T11:00:00.000Z', days: '2026-03-09T16:00:00.000Z', calendar: '2026-03-07T16:00:00.000Z' });
  });
});

describe('createTask by hand', () => {
  it('takes an absolute due time and the actor as creator', async () => {
    const { engine, deal } = await dealInProposal([]);
    const task = await engine.createTask(
      deal.id,
      { title: 'Call the client again', dueAt: '2026-03-16T10:00:00+01:00', coAssignees: [{ user: 'boris' }] },
      { actor: anna },
    );
    expect(task).toMatchObject({
      title: 'Call the client again',
      dueAt: '2026-03-16T09:00:00.000Z',
      createdBy: 'anna',
      assigneeId: 'anna',
      coAssigneeIds: ['boris'],
    });
  });

  it('refuses a seller on someone else’s deal, and bad input, changing nothing', async () => {
    const { engine, deal } = await dealInProposal([]);
    await expect(engine.createTask(deal.id, { title: 'Mine now' }, { actor: boris })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(engine.createTask(deal.id, { title: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: '$.title' }] });
    for (const dueAt of ['next tuesday', '2026-03-16T10:00:00', '2026-02-30T10:00:00Z']) {
      await expect(engine.createTask(deal.id, { title: 'x', dueAt })).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: '$.dueAt' }] });
    }
    expect(await engine.tasks({ dealId: deal.id })).toEqual([]);
  });

  it('lists a user’s open tasks across deals, and only deals the actor may read', async () => {
    const { engine, deal } = await dealInProposal([proposalTaskRule]);
    const other = await engine.createDeal({ ...newDeal, ownerId: 'boris', title: 'Florist' });
    await engine.moveDeal(other.id, 'proposal');
    expect((await engine.tasks({ userId: 'boris', status: 'open' })).map((t) => t.dealId)).toEqual([deal.id, other.id]);
    expect((await engine.tasks({ userId: 'boris' }, { actor: boris })).map((t) => t.dealId)).toEqual([other.id]);
  });
});
