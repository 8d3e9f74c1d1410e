/**
 * docs/access.md's table, run. Every row of ACCESS_TABLE (src/engine/access-table.ts) is a
 * scenario here, run for every column (the deal's owner, another seller, the owner's manager,
 * another team's manager, an admin) on a fresh engine: a refusal must be FORBIDDEN (or the deal's
 * item left out of a list) and leave the state exactly as it was, an allowance must do what the
 * call says. The docs show the same table, rendered from the same source, so neither can drift.
 *
 * Regressions this pins (issue: roles hold through every path): a seller setting the flag an
 * approval sets, directly or with markException; a lost deal moved to won by its seller; an
 * approval's onApprove reassigning outside the decider's team; getTask without an actor check.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCESS_COLUMNS, ACCESS_TABLE, accessTableMarkdown, type AccessColumn } from '../../src/engine/access-table.js';
import {
  InMemoryDirectory,
  isDealflowError,
  PermanentDeliveryError,
  type Actor,
  type InMemoryStorage,
  type Notifier,
  type OutgoingMessage,
} from '../../src/index.js';
import { createTestEngine, type TestEngine } from '../../src/testing/index.js';

const ACTORS: Record<AccessColumn, Actor> = {
  owner: { id: 'anna', roles: ['seller'], teamId: 'north' },
  seller: { id: 'boris', roles: ['seller'], teamId: 'north' },
  manager: { id: 'maria', roles: ['manager'], teamId: 'north' },
  otherManager: { id: 'olga', roles: ['manager'], teamId: 'south' },
  admin: { id: 'root', roles: ['admin'] },
};

const pipeline = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'qualification', name: 'Qualification' },
    {
      id: 'proposal',
      name: 'Proposal',
      goals: [
        { id: 'proposal-sent', moveTo: 'negotiation' },
        { id: 'needs-rework', moveTo: 'new' },
        {
          id: 'score-back',
          moveTo: 'qualification',
          allowBackward: true,
          when: { all: [{ fact: 'deal', path: '$.fields.score', operator: 'greaterThanInclusive', value: 90 }] },
        },
      ],
    },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'won', name: 'Won', kind: 'won' as const },
    { id: 'lost', name: 'Lost', kind: 'lost' as const },
  ],
  fields: { discount: { type: 'number' as const }, score: { type: 'number' as const } },
};

const RULES = [
  // The docs' pattern: marking a deal complex asks the manager, whose approval sets extensionApproved.
  {
    id: 'ask-for-extension',
    trigger: { type: 'field.changed', field: 'flags.complex', to: true },
    actions: [
      {
        type: 'requestApproval',
        params: { name: 'extension', subject: 'More time', approvers: ['manager'], onApprove: { set: { 'flags.extensionApproved': true } } },
      },
    ],
  },
  { id: 'title-rule', trigger: { type: 'field.changed', field: 'title', to: 'Go' }, actions: [{ type: 'setFlag', params: { flag: 'extensionApproved' } }] },
  { id: 'paid', trigger: { type: 'event', name: 'invoice.paid' }, actions: [{ type: 'setFlag', params: { flag: 'extensionApproved' } }] },
  { id: 'call-client', trigger: { type: 'manual' }, actions: [{ id: 'tell', type: 'notify', params: { to: 'owner', template: 'call' } }] },
  { id: 'doomed', trigger: { type: 'manual' }, actions: [{ id: 'tell', type: 'notify', params: { to: 'owner', template: 'doomed' } }] },
  { id: 'task-done', trigger: { type: 'task.completed', task: 'prepare' }, actions: [{ type: 'moveStage', params: { stage: 'negotiation' } }] },
  {
    id: 'step-back-later',
    trigger: { type: 'stage.entered', stage: 'negotiation' },
    actions: [{ type: 'moveStage', after: { days: 1 }, params: { stage: 'new' } }],
  },
];

/** Fails every `doomed` notification for good, so a dead letter exists to retry and discard. */
const notifier: Notifier = {
  async send(m: OutgoingMessage) {
    if (m.template === 'doomed') throw new PermanentDeliveryError('the number is unreachable');
  },
};

async function fixture(): Promise<TestEngine> {
  const directory = new InMemoryDirectory([
    { id: 'anna', roles: ['seller'], teamId: 'north', managerId: 'maria' },
    { id: 'boris', roles: ['seller'], teamId: 'north', managerId: 'maria' },
    { id: 'carl', roles: ['seller'], teamId: 'south', managerId: 'olga' },
    { id: 'maria', roles: ['manager'], teamId: 'north' },
    { id: 'olga', roles: ['manager'], teamId: 'south' },
    { id: 'root', roles: ['admin'] },
  ]);
  const engine = createTestEngine({
    pipelines: [pipeline],
    rules: RULES,
    directory,
    notifier,
    start: '2026-03-02T09:00:00.000Z',
    slas: [{ id: 'proposal-sla', start: { trigger: { type: 'stage.entered', stage: 'proposal' } }, within: { days: 5 } }],
    playbooks: [{ id: 'onboarding', name: 'Onboarding', tasks: [{ key: 'kickoff', title: 'Kick-off call' }] }],
  });
  await engine.createDeal({ id: 'D', pipelineId: 'sales', stageId: 'proposal', ownerId: 'anna', title: 'Anna’s deal', amount: 1000 });
  return engine;
}

const deal = async (e: TestEngine) => (await e.getDeal('D'))!;
const approvalOn = async (e: TestEngine, onApprove: Record<string, unknown>) =>
  (await e.requestApproval('D', { name: 'decision', subject: 'Decide', approvers: ['manager', { role: 'admin' }], onApprove })).id;
const taskFor = async (e: TestEngine, user: string) => (await e.createTask('D', { key: 'prepare', title: 'Prepare', assignee: { user } })).id;
/** Waits for the call, then reads what it should have done. */
const after = async (call: Promise<unknown>, check: () => Promise<boolean>) => {
  await call;
  return check();
};
const agree = (...verdicts: boolean[]) => {
  if (new Set(verdicts).size !== 1) throw new Error(`calls of one row disagree: ${verdicts.join(', ')}`);
  return verdicts[0]!;
};

/**
 * Each row's scenario: `setup` runs as the system; `run` calls with the actor. A call is refused
 * by a FORBIDDEN error, and otherwise must resolve to true (it did what it says). A `list` is
 * refused by leaving the deal's items out: it resolves to whether they are in.
 */
type Scenario = { list?: true; setup?(e: TestEngine): Promise<unknown>; run(e: TestEngine, actor: Actor, ctx: any): Promise<boolean> };

const SCENARIOS: Record<string, Scenario> = {
  createDeal: { run: async (e, actor) => !!(await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'New' }, { actor })) },
  'createDeal.ownedFlag': {
    run: async (e, actor) =>
      (await e.createDeal({ pipelineId: 'sales', ownerId: 'anna', flags: { extensionApproved: true } }, { actor })).flags.extensionApproved === true,
  },
  updateDeal: { run: async (e, actor) => (await e.updateDeal('D', { title: 'New title' }, { actor })).title === 'New title' },
  'updateDeal.ownedFlag': {
    run: async (e, actor) => (await e.updateDeal('D', { flags: { extensionApproved: true } }, { actor })).flags.extensionApproved === true,
  },
  'updateDeal.ownedField': {
    // No rule sets `discount`: the approval requested by command on this deal owns it.
    setup: (e) => e.requestApproval('D', { name: 'discount', subject: 'Discount', approvers: ['manager'], onApprove: { set: { 'fields.discount': 15 } } }),
    run: async (e, actor) => (await e.updateDeal('D', { fields: { discount: 15 } }, { actor })).fields.discount === 15,
  },
  'updateDeal.reassign': { run: async (e, actor) => (await e.updateDeal('D', { ownerId: 'boris' }, { actor })).ownerId === 'boris' },
  'updateDeal.reassignOut': { run: async (e, actor) => (await e.updateDeal('D', { ownerId: 'carl' }, { actor })).ownerId === 'carl' },
  moveDeal: { run: async (e, actor) => (await e.moveDeal('D', 'negotiation', { actor })).stageId === 'negotiation' },
  'moveDeal.backward': { run: async (e, actor) => (await e.moveDeal('D', 'new', { actor })).stageId === 'new' },
  'moveDeal.lostToWon': { setup: (e) => e.moveDeal('D', 'lost'), run: async (e, actor) => (await e.moveDeal('D', 'won', { actor })).stageId === 'won' },
  'moveDeal.reopen': { setup: (e) => e.moveDeal('D', 'won'), run: async (e, actor) => (await e.moveDeal('D', 'proposal', { actor })).stageId === 'proposal' },
  deleteDeal: { run: (e, actor) => after(e.deleteDeal('D', { actor }), async () => (await e.getDeal('D')) === undefined) },
  emit: { run: async (e, actor) => (await e.emit({ name: 'invoice.paid', dealId: 'D' }, { actor }))?.id === 'D' },
  'emit.noDeal': { run: async (e, actor) => (await e.emit({ name: 'call.incoming' }, { actor })) === null },
  launch: { run: async (e, actor) => (await e.launch('call-client', 'D', { actor })).id === 'D' },
  markException: { run: async (e, actor) => (await e.markException('D', { flag: 'complex', note: 'special terms' }, { actor })).kind === 'exception' },
  'markException.ownedFlag': {
    run: (e, actor) =>
      after(e.markException('D', { flag: 'extensionApproved', note: 'please' }, { actor }), async () => (await deal(e)).flags.extensionApproved === true),
  },
  requestApproval: {
    run: async (e, actor) =>
      (
        await e.requestApproval(
          'D',
          { name: 'discount', subject: 'Discount?', approvers: ['manager'], onApprove: { set: { 'fields.discount': 10 } } },
          { actor },
        )
      ).kind === 'approval',
  },
  decideApproval: {
    setup: (e) => approvalOn(e, {}),
    run: async (e, actor, id) => (await e.decideApproval(id, { decision: 'approve', actor })).data.status === 'approved',
  },
  extendSla: { run: async (e, actor) => (await e.extendSla('D', 'proposal-sla', { days: 2 }, { actor })).kind === 'sla' },
  createTask: { run: async (e, actor) => (await e.createTask('D', { title: 'Call back' }, { actor })).dealId === 'D' },
  completeTask: { setup: (e) => taskFor(e, 'boris'), run: async (e, actor, id) => (await e.completeTask(id, { actor })).status === 'completed' },
  reopenTask: {
    setup: async (e) => {
      const id = await taskFor(e, 'boris');
      await e.completeTask(id);
      return id;
    },
    run: async (e, actor, id) => (await e.reopenTask(id, { actor, reason: 'not done after all' })).status === 'open',
  },
  launchPlaybook: { run: async (e, actor) => (await e.launchPlaybook('D', 'onboarding', { actor })).length === 1 },
  achieveGoal: { run: async (e, actor) => (await e.achieveGoal('D', 'proposal-sent', { actor })).stageId === 'negotiation' },
  'achieveGoal.backward': { run: async (e, actor) => (await e.achieveGoal('D', 'needs-rework', { actor })).stageId === 'new' },
  retryDeadLetter: {
    setup: async (e) => {
      await e.launch('doomed', 'D');
      return (await e.deadLetters())[0]!.id;
    },
    run: (e, actor, id) => allOrNone([() => e.retryDeadLetter(id, { actor }), () => e.discardDeadLetter(id, { actor })]),
  },
  setRules: { run: async (e, actor) => Array.isArray(await e.setRules(RULES, { actor })) },
  getDeal: {
    run: (e, actor) =>
      allOrNone([
        () => e.getDeal('D', { actor }),
        () => e.history('D', { actor }),
        () => e.pendingJobs('D', { actor }),
        () => e.explain('D', undefined, { actor }),
      ]),
  },
  listDeals: {
    list: true,
    run: async (e, actor) =>
      agree(
        (await e.listDeals({}, { actor })).some((d) => d.id === 'D'),
        // The proposal SLA's deadline is a pending job of D.
        (await e.dueJobs({ until: '2027-01-01T00:00:00.000Z' }, { actor })).some((j) => j.dealId === 'D'),
      ),
  },
  outbox: {
    list: true,
    setup: async (e) => {
      await e.launch('call-client', 'D');
      await e.launch('doomed', 'D');
    },
    run: async (e, actor) =>
      agree(
        (await e.outbox({ dealId: 'D' }, { actor })).length > 0,
        (await e.deadLetters({}, { actor })).some((m) => m.dealId === 'D'),
      ),
  },
  records: {
    list: true,
    setup: async (e) => {
      await approvalOn(e, {});
      await taskFor(e, 'anna');
    },
    run: async (e, actor) => agree((await e.records('approval', {}, { actor })).length > 0, (await e.tasks({}, { actor })).length > 0),
  },
  getTask: { setup: (e) => taskFor(e, 'anna'), run: async (e, actor, id) => (await e.getTask(id, { actor }))?.id === id },
  report: {
    list: true,
    run: async (e, actor) =>
      agree(
        (await e.report('funnel', { actor })).rows.some((r) => r.entered > 0),
        (await e.board('sales', { actor })).columns.some((c) => c.cards.some((card) => card.dealId === 'D')),
      ),
  },
  rules: { run: (e, actor) => after(e.updateDeal('D', { title: 'Go' }, { actor }), async () => (await deal(e)).flags.extensionApproved === true) },
  events: { run: (e, actor) => after(e.emit({ name: 'invoice.paid', dealId: 'D' }, { actor }), async () => (await deal(e)).flags.extensionApproved === true) },
  'approvals.set': {
    setup: (e) => approvalOn(e, { set: { 'flags.extensionApproved': true } }),
    run: (e, actor, id) => after(e.decideApproval(id, { decision: 'approve', actor }), async () => (await deal(e)).flags.extensionApproved === true),
  },
  'approvals.moveBackward': {
    setup: (e) => approvalOn(e, { moveStage: 'new' }),
    run: (e, actor, id) => after(e.decideApproval(id, { decision: 'approve', actor }), async () => (await deal(e)).stageId === 'new'),
  },
  'approvals.reassignOut': {
    setup: (e) => approvalOn(e, { set: { ownerId: 'carl' } }),
    run: (e, actor, id) => after(e.decideApproval(id, { decision: 'approve', actor }), async () => (await deal(e)).ownerId === 'carl'),
  },
  goals: { run: async (e, actor) => (await e.updateDeal('D', { fields: { score: 90 } }, { actor })).stageId === 'qualification' },
  tasks: {
    setup: (e) => taskFor(e, 'boris'),
    run: (e, actor, id) => after(e.completeTask(id, { actor }), async () => (await deal(e)).stageId === 'negotiation'),
  },
};

/** Several calls of one row: true when every one went through, their FORBIDDEN when every one was refused; a mix fails. */
async function allOrNone(calls: Array<() => Promise<unknown>>): Promise<boolean> {
  const refusals: unknown[] = [];
  for (const call of calls) {
    try {
      if (!(await call())) throw new Error('a call of the row resolved to nothing');
    } catch (error) {
      if (!isDealflowError(error, 'FORBIDDEN')) throw error;
      refusals.push(error);
    }
  }
  if (refusals.length === calls.length) throw refusals[0];
  if (refusals.length > 0) throw new Error(`calls of one row disagree: ${refusals.length} of ${calls.length} refused`);
  return true;
}

/** Everything a command could change: deals, enrolments, jobs, log, outbox, records. */
function state(engine: TestEngine): string {
  const s = engine.storage as InMemoryStorage;
  return JSON.stringify({
    deals: [...s.deals.entries()],
    enrolments: [...s.enrolments.entries()],
    jobs: [...s.jobs.entries()],
    log: s.log.length,
    outbox: [...s.outbox.entries()],
    records: [...s.records.entries()].map(([k, m]) => [k, [...m.entries()]]),
  });
}

describe('the access table (docs/access.md) holds on a real engine', () => {
  const rows = ACCESS_TABLE.filter((c) => c.allowed !== 'system');

  it('has a scenario for every row, and a row for every scenario', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(rows.map((c) => c.id).sort());
  });

  for (const row of rows) {
    it(`${row.path}: ${row.call}`, async () => {
      const scenario = SCENARIOS[row.id]!;
      const verdicts: Record<string, string> = {};
      for (const { key } of ACCESS_COLUMNS) {
        const engine = await fixture();
        const ctx = await scenario.setup?.(engine);
        const before = state(engine);
        let allowed: boolean;
        try {
          allowed = await scenario.run(engine, ACTORS[key], ctx);
          if (!allowed && !scenario.list) throw new Error(`${row.id} for ${key}: the call went through but did not do what it says`);
        } catch (error) {
          if (!isDealflowError(error, 'FORBIDDEN')) throw error;
          allowed = false;
          // A refusal changes nothing: nothing logged, scheduled, sent or recorded.
          expect(state(engine), `${row.id} refused for ${key} left state changed`).toBe(before);
        }
        verdicts[key] = allowed ? 'allowed' : 'refused';
      }
      const expected = Object.fromEntries(ACCESS_COLUMNS.map(({ key }) => [key, (row.allowed as AccessColumn[]).includes(key) ? 'allowed' : 'refused']));
      expect(verdicts).toEqual(expected);
    });
  }

  it('runner: jobs run as the system, whoever caused them (a job from the seller’s move moves the deal back, which she may not)', async () => {
    const engine = await fixture();
    await engine.moveDeal('D', 'negotiation', { actor: ACTORS.owner });
    await expect(engine.moveDeal('D', 'new', { actor: ACTORS.owner })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await engine.advance({ days: 2 });
    expect((await deal(engine)).stageId).toBe('new');
  });

  it('names every public method of the engine in some row, so a new one needs an access decision', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../src/engine/engine.ts'), 'utf8');
    const methods = [...source.matchAll(/^ {2}(?:async |get )?([a-z][A-Za-z]*)(?:<[^>]*>)?\(/gm)].map((m) => m[1]!);
    // Event listeners are not calls on data.
    const exempt = new Set(['on', 'off', 'once', 'constructor']);
    const text = ACCESS_TABLE.map((c) => c.call).join(' ');
    const missing = [...new Set(methods)].filter((m) => !exempt.has(m) && !new RegExp(`\\b${m}\\b`).test(text));
    expect(methods.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it('docs/access.md shows the table rendered from the same source', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/access.md'), 'utf8');
    const block = doc.split('<!-- access-table:start -->')[1]?.split('<!-- access-table:end -->')[0]?.trim();
    expect(block, 'docs/access.md between the access-table markers; paste accessTableMarkdown() there').toBe(accessTableMarkdown());
  });
});
