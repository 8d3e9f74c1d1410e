import { describe, expect, it } from 'vitest';
import { InMemoryDirectory, isDealflowError, type Actor, type PlaybookInput, type RuleInput } from '../../src/index.js';
import { engineWith, newDeal } from '../helpers.js';

/** The seed's "template that creates the set of tasks for the service sold". */
const delivery: PlaybookInput = {
  id: 'delivery',
  name: 'Deliver the service',
  tasks: [
    { key: 'kickoff', title: 'Kick-off call for {{title}}', due: { days: 1 } },
    { key: 'install', title: 'Install', dependsOn: ['kickoff'], due: { days: 3 }, coAssignees: [{ user: 'boris' }] },
    { key: 'train', title: 'Train the staff', dependsOn: ['kickoff'], due: { days: 5 } },
    { key: 'handover', title: 'Hand over, signed by the client', dependsOn: ['install', 'train'], due: { days: 1 }, requiresApprovalToClose: true },
  ],
};

const anna: Actor = { id: 'anna', roles: ['seller'] };
const boris: Actor = { id: 'boris', roles: ['seller'] };
const maria: Actor = { id: 'maria', roles: ['manager'], teamId: 'north' };
const team = () =>
  new InMemoryDirectory([
    { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', roles: ['manager'], teamId: 'north' },
  ]);

async function launched(rules: RuleInput[] = []) {
  const engine = engineWith(rules, { playbooks: [delivery] });
  const deal = await engine.createDeal({ ...newDeal, title: 'Bakery POS' });
  const tasks = await engine.launchPlaybook(deal.id, 'delivery', { actor: anna });
  const byKey = Object.fromEntries(tasks.map((t) => [t.key, t]));
  return { engine, deal, tasks, byKey };
}

describe('launching a playbook', () => {
  it('creates every step: those without dependencies open, the others blocked until their steps are done', async () => {
    const { tasks, deal } = await launched();
    expect(tasks.map((t) => [t.key, t.title, t.status, t.dueAt, t.createdBy])).toEqual([
      ['kickoff', 'Kick-off call for Bakery POS', 'open', '2026-03-03T09:00:00.000Z', 'anna'],
      ['install', 'Install', 'blocked', null, 'anna'],
      ['train', 'Train the staff', 'blocked', null, 'anna'],
      ['handover', 'Hand over, signed by the client', 'blocked', null, 'anna'],
    ]);
    const ids = Object.fromEntries(tasks.map((t) => [t.key, t.id]));
    expect(tasks.find((t) => t.key === 'handover')!.dependsOn).toEqual([ids.install, ids.train]);
    expect(new Set(tasks.map((t) => t.playbook?.runId)).size).toBe(1);
    expect(tasks.every((t) => t.dealId === deal.id && t.playbook?.id === 'delivery')).toBe(true);
  });

  it('starts a step when the last step it depends on is completed, its due time counting from then', async () => {
    const { engine, deal, byKey } = await launched();
    await engine.advance({ hours: 6 });
    await engine.completeTask(byKey.kickoff!.id, { actor: anna });
    let tasks = await engine.tasks({ dealId: deal.id });
    const status = () => Object.fromEntries(tasks.map((t) => [t.key, t.status]));
    expect(status()).toEqual({ kickoff: 'completed', install: 'open', train: 'open', handover: 'blocked' });
    expect(tasks.find((t) => t.key === 'install')).toMatchObject({
      startedAt: '2026-03-02T15:00:00.000Z',
      dueAt: '2026-03-05T15:00:00.000Z',
      coAssigneeIds: ['boris'],
    });

    await engine.completeTask(byKey.install!.id, { actor: boris });
    tasks = await engine.tasks({ dealId: deal.id });
    expect(status().handover).toBe('blocked');
    await expect(engine.completeTask(byKey.handover!.id, { actor: anna })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { waitsFor: [byKey.train!.id] },
    });

    await engine.advance({ days: 1 });
    await engine.completeTask(byKey.train!.id, { actor: anna });
    tasks = await engine.tasks({ dealId: deal.id });
    expect(tasks.find((t) => t.key === 'handover')).toMatchObject({ status: 'open', approverId: 'maria', dueAt: '2026-03-04T15:00:00.000Z' });
  });

  it('tells each person when their step starts, not before', async () => {
    const { engine, byKey } = await launched();
    const assigned = () => engine.notifications.filter((m) => m.template === 'task.assigned').map((m) => `${m.recipient.id}: ${m.data.title}`);
    expect(assigned()).toEqual(['anna: Kick-off call for Bakery POS']);
    await engine.completeTask(byKey.kickoff!.id, { actor: anna });
    expect(assigned()).toEqual(['anna: Kick-off call for Bakery POS', 'anna: Install', 'boris: Install', 'anna: Train the staff']);
  });

  it('can be launched by a rule, e.g. a manual rule a seller runs when the deal is won', async () => {
    const rules: RuleInput[] = [{ id: 'start-delivery', trigger: { type: 'manual' }, actions: [{ type: 'launchPlaybook', params: { playbook: 'delivery' } }] }];
    const engine = engineWith(rules, { playbooks: [delivery] });
    const deal = await engine.createDeal(newDeal);
    await engine.launch('start-delivery', deal.id, { actor: anna });
    const tasks = await engine.tasks({ dealId: deal.id });
    expect(tasks.map((t) => [t.key, t.createdBy])).toEqual([
      ['kickoff', 'rule:start-delivery'],
      ['install', 'rule:start-delivery'],
      ['train', 'rule:start-delivery'],
      ['handover', 'rule:start-delivery'],
    ]);
    expect((await engine.records('playbook-run', { dealId: deal.id }))[0]?.data).toMatchObject({ playbookId: 'delivery', launchedBy: 'rule:start-delivery' });
  });

  it('is refused to a seller on someone else’s deal, and for an unknown playbook, changing nothing', async () => {
    const engine = engineWith([], { playbooks: [delivery], directory: team() });
    const deal = await engine.createDeal(newDeal);
    await expect(engine.launchPlaybook(deal.id, 'delivery', { actor: boris })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(engine.launchPlaybook(deal.id, 'onboarding', { actor: anna })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no playbook "onboarding"; the playbooks are delivery',
    });
    expect(await engine.tasks({ dealId: deal.id })).toEqual([]);
    expect((await engine.launchPlaybook(deal.id, 'delivery', { actor: maria })).length).toBe(4);
  });
});

describe('playbook configuration', () => {
  function configIssues(playbooks: PlaybookInput[]): string[] {
    try {
      engineWith([], { playbooks });
    } catch (e) {
      if (isDealflowError(e, 'INVALID_CONFIG')) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    throw new Error('expected INVALID_CONFIG');
  }

  it('refuses loops, unknown and duplicate steps, and duplicate playbooks, with JSON paths', () => {
    expect(
      configIssues([
        {
          id: 'a',
          name: 'A',
          tasks: [
            { key: 'x', title: 'X', dependsOn: ['y'] },
            { key: 'y', title: 'Y', dependsOn: ['x'] },
          ],
        },
        {
          id: 'b',
          name: 'B',
          tasks: [
            { key: 'x', title: 'X', dependsOn: ['nope'] },
            { key: 'x', title: 'X again' },
          ],
        },
        { id: 'b', name: 'B again', tasks: [{ key: 'z', title: 'Z' }] },
      ]),
    ).toEqual([
      '$.playbooks[0].tasks[0].dependsOn: steps depend on each other in a loop: x → y → x',
      '$.playbooks[1].tasks[1].key: duplicate step key "x"',
      '$.playbooks[1].tasks[0].dependsOn[0]: no step "nope" in playbook "b"',
      '$.playbooks[2].id: duplicate playbook id "b"',
    ]);
  });

  it('rejects a rule that launches an unknown playbook when the rules are parsed', () => {
    const rules: RuleInput[] = [{ id: 'r', trigger: { type: 'manual' }, actions: [{ type: 'launchPlaybook', params: { playbook: 'onbaording' } }] }];
    let error: unknown;
    try {
      engineWith(rules, { playbooks: [delivery] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'INVALID_RULES',
      issues: [
        {
          path: '$[0].actions[0].params.playbook',
          message: 'unknown playbook "onbaording"',
          code: 'unknown-playbook',
          hint: 'the playbooks are "delivery"',
        },
      ],
    });
  });
});
