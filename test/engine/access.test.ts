import { describe, expect, it } from 'vitest';
import { DefaultAccessPolicy, InMemoryDirectory, type InMemoryStorage, isDealflowError, type AccessPolicy, type Actor } from '../../src/index.js';
import { createTestEngine, type TestEngine } from '../../src/testing/index.js';

const pipeline = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'won', name: 'Won', kind: 'won' as const },
    { id: 'lost', name: 'Lost', kind: 'lost' as const },
  ],
};

const rules = [
  {
    id: 'follow-up',
    trigger: { type: 'stage.entered', stage: 'proposal' },
    actions: [{ id: 'nudge', type: 'notify', after: { days: 3 }, params: { to: 'owner', template: 'follow-up' } }],
  },
  { id: 'call-client', trigger: { type: 'manual' }, actions: [{ id: 'tell', type: 'notify', params: { to: 'owner', template: 'call' } }] },
];

const ACTORS = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
  mike: { id: 'mike', roles: ['manager'], teamId: 'south' },
  root: { id: 'root', roles: ['admin'] },
  nobody: { id: 'guest', roles: [] },
} satisfies Record<string, Actor>;
type Who = keyof typeof ACTORS;
const EVERYONE = Object.keys(ACTORS) as Who[];

/** anna and boris sell in the north (maria manages), carl in the south (mike). */
async function setup(): Promise<TestEngine> {
  const directory = new InMemoryDirectory([
    { id: 'anna', roles: ['seller'], teamId: 'north', managerId: 'maria' },
    { id: 'boris', roles: ['seller'], teamId: 'north', managerId: 'maria' },
    { id: 'carl', roles: ['seller'], teamId: 'south', managerId: 'mike' },
    { id: 'maria', roles: ['manager'], teamId: 'north' },
    { id: 'mike', roles: ['manager'], teamId: 'south' },
    { id: 'root', roles: ['admin'] },
  ]);
  const engine = createTestEngine({ pipelines: [pipeline], rules, directory, start: '2026-03-02T09:00:00.000Z' });
  await engine.createDeal({ id: 'A1', pipelineId: 'sales', stageId: 'proposal', ownerId: 'anna', title: 'Anna’s', amount: 100 });
  await engine.createDeal({ id: 'B1', pipelineId: 'sales', ownerId: 'boris', title: 'Boris’s', amount: 200 });
  await engine.createDeal({ id: 'C1', pipelineId: 'sales', stageId: 'proposal', ownerId: 'carl', title: 'Carl’s', amount: 300 });
  await engine.storage.transaction((tx) => tx.putRecord({ kind: 'note', id: 'n1', dealId: 'A1', at: '2026-03-02T09:00:00.000Z', data: {} }));
  await engine.storage.transaction((tx) => tx.putRecord({ kind: 'note', id: 'n2', dealId: 'C1', at: '2026-03-02T09:00:00.000Z', data: {} }));
  await engine.advance({ hours: 1 });
  return engine;
}

/** Everything a command could change: deals, enrolments, jobs, log, outbox, records. */
function state(engine: TestEngine): string {
  const s = engine.storage as InMemoryStorage;
  return JSON.stringify({
    deals: [...s.deals.entries()],
    enrolments: [...s.enrolments.entries()],
    jobs: [...s.jobs.keys()].sort(),
    log: s.log.length,
    outbox: [...s.outbox.values()],
    records: [...s.records.entries()].map(([k, m]) => [k, [...m.entries()]]),
  });
}

type Call = (engine: TestEngine, actor: Actor) => Promise<unknown> | unknown;

/**
 * Runs `call` as each actor on a fresh engine (after `prepare`, a system call): allowed ones
 * succeed, the others get FORBIDDEN and change nothing.
 */
async function check(call: Call, allowed: Who[], prepare?: (engine: TestEngine) => Promise<unknown>): Promise<void> {
  for (const who of EVERYONE) {
    const engine = await setup();
    await prepare?.(engine);
    const before = state(engine);
    let error: unknown;
    try {
      await call(engine, ACTORS[who]);
    } catch (e) {
      error = e;
    }
    if (allowed.includes(who)) {
      expect(error, `${who} should be allowed`).toBeUndefined();
    } else {
      expect(isDealflowError(error, 'FORBIDDEN'), `${who} should be refused, got ${String(error)}`).toBe(true);
      expect(state(engine), `${who}'s refused call changed the state`).toBe(before);
    }
  }
}

describe('commands by role', () => {
  it('createDeal: sellers for themselves, managers for their team, admins for anyone', async () => {
    await check((e, actor) => e.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'new' }, { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.createDeal({ pipelineId: 'sales', ownerId: 'carl', title: 'new' }, { actor }), ['mike', 'root']);
  });

  it('updateDeal: the owner, the owner’s manager, admins', async () => {
    await check((e, actor) => e.updateDeal('A1', { title: 'renamed' }, { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.updateDeal('C1', { amount: 1 }, { actor }), ['mike', 'root']);
  });

  it('reassigning: managers within their team, admins anywhere; never a seller', async () => {
    await check((e, actor) => e.updateDeal('A1', { ownerId: 'boris' }, { actor }), ['maria', 'root']);
    await check((e, actor) => e.updateDeal('A1', { ownerId: 'carl' }, { actor }), ['root']);
  });

  it('moveDeal forward: the owner, their manager, admins; backwards or reopening: managers and admins', async () => {
    await check((e, actor) => e.moveDeal('A1', 'negotiation', { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.moveDeal('A1', 'new', { actor }), ['maria', 'root']);
    await check(
      (e, actor) => e.moveDeal('A1', 'proposal', { actor }),
      ['maria', 'root'],
      (e) => e.moveDeal('A1', 'lost'),
    );
  });

  it('deleteDeal: managers of the team and admins', async () => {
    await check((e, actor) => e.deleteDeal('A1', { actor }), ['maria', 'root']);
  });

  it('emit: on a deal like a change to it; without a deal, managers and admins', async () => {
    await check((e, actor) => e.emit({ name: 'invoice.paid', dealId: 'A1' }, { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.emit({ name: 'call.incoming' }, { actor }), ['maria', 'mike', 'root']);
  });

  it('launch (a manual rule by hand): whoever may work on the deal', async () => {
    await check((e, actor) => e.launch('call-client', 'A1', { actor }), ['anna', 'maria', 'root']);
  });

  it('setRules: admins only', async () => {
    await check((e, actor) => e.setRules(rules, { actor }), ['root']);
  });

  it('a refused command is refused before it runs: nothing is logged, scheduled or sent', async () => {
    const engine = await setup();
    const before = await engine.history('A1');
    await expect(engine.moveDeal('A1', 'negotiation', { actor: ACTORS.mike })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { actorId: 'mike', action: 'deal.move', dealId: 'A1' },
    });
    expect(await engine.history('A1')).toEqual(before);
    expect((await engine.getDeal('A1'))!.stageId).toBe('proposal');
  });

  it('without an actor a call is a trusted system call', async () => {
    const engine = await setup();
    await engine.moveDeal('A1', 'new');
    await engine.updateDeal('A1', { ownerId: 'carl' });
    await engine.deleteDeal('C1');
    expect((await engine.listDeals()).map((d) => [d.id, d.ownerId, d.stageId])).toEqual([
      ['A1', 'carl', 'new'],
      ['B1', 'boris', 'new'],
    ]);
  });

  it('an actor without an id or roles is bad input, not a system call', async () => {
    const engine = await setup();
    await expect(engine.updateDeal('A1', { title: 'x' }, { actor: { id: '', roles: ['admin'] } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(engine.getDeal('A1', { actor: { id: 'x' } as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('queries by role', () => {
  it('getDeal, history and pendingJobs: refused on deals the actor may not read', async () => {
    await check((e, actor) => e.getDeal('A1', { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.history('A1', { actor }), ['anna', 'maria', 'root']);
    await check((e, actor) => e.pendingJobs('C1', { actor }), ['mike', 'root']);
  });

  it('history of a deleted deal: judged on the deal as it was when deleted', async () => {
    await check(
      (e, actor) => e.history('A1', { actor }),
      ['anna', 'maria', 'root'],
      (e) => e.deleteDeal('A1'),
    );
  });

  it('listDeals, outbox and records: scoped to the deals the actor may read', async () => {
    for (const [who, deals] of [
      ['anna', ['A1']],
      ['maria', ['A1', 'B1']],
      ['mike', ['C1']],
      ['root', ['A1', 'B1', 'C1']],
      ['nobody', []],
    ] as Array<[Who, string[]]>) {
      const engine = await setup();
      await engine.launch('call-client', 'A1');
      await engine.launch('call-client', 'C1');
      const actor = ACTORS[who];
      expect((await engine.listDeals({}, { actor })).map((d) => d.id)).toEqual(deals);
      expect([...new Set((await engine.outbox({}, { actor })).map((m) => m.dealId))].sort()).toEqual(deals.filter((d) => d !== 'B1'));
      expect((await engine.records('note', {}, { actor })).map((r) => r.dealId)).toEqual(deals.filter((d) => d !== 'B1'));
    }
  });

  it('dueJobs: every deal’s pending jobs by due time, scoped to the deals the actor may read', async () => {
    const engine = await setup();
    // A1 and C1 entered proposal at 09:00: each has a follow-up due three days later.
    const until = '2026-03-06T00:00:00.000Z';
    const due = async (actor?: Actor) => (await engine.dueJobs({ until }, actor ? { actor } : {})).map((j) => `${j.dealId}:${j.dueAt}`);
    expect(await due()).toEqual(['A1:2026-03-05T09:00:00.000Z', 'C1:2026-03-05T09:00:00.000Z']);
    expect(await due(ACTORS.anna)).toEqual(['A1:2026-03-05T09:00:00.000Z']);
    expect(await due(ACTORS.mike)).toEqual(['C1:2026-03-05T09:00:00.000Z']);
    expect(await due(ACTORS.nobody)).toEqual([]);
    // Default: due now, and nothing is due yet.
    expect(await engine.dueJobs()).toEqual([]);
    await expect(engine.dueJobs({ until: 'soon' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(engine.dueJobs({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('records of a deleted deal stay with the deal’s team', async () => {
    const engine = await setup();
    await engine.deleteDeal('A1');
    expect((await engine.records('note', {}, { actor: ACTORS.maria })).map((r) => r.id)).toEqual(['n1']);
    expect((await engine.records('note', {}, { actor: ACTORS.mike })).map((r) => r.id)).toEqual(['n2']);
  });

  it('reports and the board: everyone with a role, each seeing only their deals', async () => {
    await check((e, actor) => e.report('funnel', { actor }), ['anna', 'maria', 'mike', 'root']);
    await check((e, actor) => e.board('sales', { actor }), ['anna', 'maria', 'mike', 'root']);
    const engine = await setup();
    const entered = async (who: Who) => (await engine.report('funnel', { actor: ACTORS[who] })).rows.map((r) => `${r.stageId}:${r.entered}`);
    expect(await entered('anna')).toEqual(['new:0', 'proposal:1', 'negotiation:0']);
    expect(await entered('maria')).toEqual(['new:1', 'proposal:1', 'negotiation:0']);
    expect(await entered('root')).toEqual(['new:1', 'proposal:2', 'negotiation:0']);
    const cards = async (who: Who) => (await engine.board('sales', { actor: ACTORS[who] })).columns.flatMap((c) => c.cards.map((x) => x.dealId));
    expect(await cards('anna')).toEqual(['A1']);
    expect(await cards('mike')).toEqual(['C1']);
  });
});

describe('the default policy on feature actions', () => {
  const policy = new DefaultAccessPolicy();
  const onDeal = (ownerId: string, ownerTeamId: string | null, extra = {}) => ({
    type: 'deal',
    deal: { id: 'D', pipelineId: 'sales', stageId: 'new', ownerId },
    ownerTeamId,
    ...extra,
  });

  it('approvals are decided by a manager of the deal’s team, never by the one who asked', () => {
    const resource = { ...onDeal('anna', 'north'), type: 'approval', requesterId: 'anna' };
    expect(policy.can(ACTORS.maria, 'approval.decide', resource)).toBe(true);
    expect(policy.can(ACTORS.mike, 'approval.decide', resource)).toBe(false);
    expect(policy.can(ACTORS.anna, 'approval.decide', resource)).toBe(false);
    expect(policy.can(ACTORS.maria, 'approval.decide', { ...resource, requesterId: 'maria' })).toBe(false);
    expect(policy.can(ACTORS.root, 'approval.decide', resource)).toBe(true);
  });

  it('marking an exception and launching a playbook: whoever works on the deal', () => {
    for (const action of ['deal.markException', 'playbook.launch', 'task.complete']) {
      expect([policy.can(ACTORS.anna, action, onDeal('anna', 'north')), policy.can(ACTORS.anna, action, onDeal('boris', 'north'))]).toEqual([true, false]);
      expect([policy.can(ACTORS.maria, action, onDeal('boris', 'north')), policy.can(ACTORS.maria, action, onDeal('carl', 'south'))]).toEqual([true, false]);
    }
  });

  it('the policy sees what a command changes (resource.changes), so it can decide by it', async () => {
    const seen: Array<[string, unknown]> = [];
    // Sellers may edit titles but not amounts.
    const policy: AccessPolicy = {
      can(actor, action, resource) {
        seen.push([action, resource.changes]);
        if (action === 'deal.update' && actor.roles.includes('seller') && 'amount' in (resource.changes ?? {})) return false;
        return new DefaultAccessPolicy().can(actor, action, resource);
      },
    };
    const engine = await setup();
    const strict = createTestEngine({ pipelines: [pipeline], rules, directory: engine.directory, access: policy });
    await strict.createDeal({ id: 'X', pipelineId: 'sales', ownerId: 'anna', title: 'x', amount: 1 });
    await strict.updateDeal('X', { title: 'renamed', fields: { note: null } }, { actor: ACTORS.anna });
    await expect(strict.updateDeal('X', { amount: 2 }, { actor: ACTORS.anna })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await strict.moveDeal('X', 'proposal', { actor: ACTORS.anna });
    expect(seen).toEqual([
      ['deal.update', { title: 'renamed', 'fields.note': null }],
      ['deal.update', { amount: 2 }],
      ['deal.move', { stageId: 'proposal' }],
    ]);
    expect((await strict.getDeal('X'))!.amount).toBe(1);
  });

  it('a host can pass its own policy', async () => {
    // Read-only auditors: may read every deal, change none.
    const auditors: AccessPolicy = { can: (actor, action) => actor.roles.includes('auditor') && (action === 'deal.read' || action === 'report.read') };
    const engine = createTestEngine({ pipelines: [pipeline], rules, access: auditors });
    await engine.createDeal({ id: 'X', pipelineId: 'sales', ownerId: 'anna' });
    const auditor = { id: 'ann', roles: ['auditor'] };
    expect((await engine.listDeals({}, { actor: auditor })).map((d) => d.id)).toEqual(['X']);
    await expect(engine.updateDeal('X', { title: 'y' }, { actor: auditor })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
