import { beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '../../src/testing/index.js';
import { DEADLINE, END, SMALL, STAGES, TEAMS, closedAt, finalStage, iso, live, path, plan, playFixture, type PlannedDeal } from '../reports/fixture.js';

let engine: TestEngine;
let deals: PlannedDeal[];

/** What the plan says a card's deadline state must be (the 5-day proposal rule). */
function expectedSla(d: PlannedDeal): string {
  if (d.amount >= SMALL) return 'none';
  const due = d.createdAt + DEADLINE;
  const close = closedAt(d);
  if (close !== null && close < due) return 'exempt'; // cancelled by closing the deal
  return d.proposalAt !== null && d.proposalAt < due ? 'met' : 'breached';
}

// Tasks as the workflow feature stores them (issue 4): two open on D-002, one completed on D-003.
const TASKS = [
  { id: 't1', dealId: 'D-002', status: 'open', title: 'Prepare the proposal', assigneeId: 'boris', dueAt: iso(END - 86_400_000) },
  { id: 't2', dealId: 'D-002', status: 'pending-approval', title: 'File the signed contract', assigneeId: 'boris', dueAt: iso(END + 86_400_000) },
  { id: 't3', dealId: 'D-003', status: 'completed', title: 'Call back', assigneeId: 'carl', dueAt: null },
];

beforeAll(async () => {
  deals = plan();
  engine = await playFixture(deals);
  await engine.storage.transaction(async (tx) => {
    for (const [i, t] of TASKS.entries()) await tx.putRecord({ kind: 'task', id: t.id, dealId: t.dealId, at: iso(END - (10 - i) * 60_000), data: t });
  });
}, 120_000);

describe('the pipeline board', () => {
  it('has a column per stage in stage order, each with its deals newest first', async () => {
    const board = await engine.board('sales');
    expect(board.columns.map((c) => c.stageId)).toEqual([...STAGES]);
    for (const column of board.columns) {
      const expected = live(deals)
        .filter((d) => finalStage(d) === column.stageId)
        .sort((a, b) => b.createdAt - a.createdAt);
      expect(column.cards.map((c) => c.dealId)).toEqual(expected.map((d) => d.id));
      expect(column.count).toBe(expected.length);
      expect(column.totalAmount).toBe(expected.reduce((n, d) => n + d.amount, 0));
    }
  });

  it('shows on each card the owner, amount, time in stage and the deadline state', async () => {
    const cards = new Map((await engine.board('sales')).columns.flatMap((c) => c.cards).map((c) => [c.dealId, c]));
    for (const d of live(deals)) {
      const card = cards.get(d.id)!;
      expect([card.ownerId, card.amount, card.timeInStageMs, card.sla.state]).toEqual([d.finalOwnerId, d.amount, END - path(d).at(-1)!.at, expectedSla(d)]);
    }
    expect(new Set([...cards.values()].map((c) => c.sla.state))).toEqual(new Set(['none', 'met', 'breached', 'exempt']));
  });

  it('lists the open tasks of a card, overdue ones marked', async () => {
    const cards = new Map((await engine.board('sales')).columns.flatMap((c) => c.cards).map((c) => [c.dealId, c]));
    expect(cards.get('D-002')!.openTasks.map((t) => [t.id, t.title, t.overdue])).toEqual([
      ['t1', 'Prepare the proposal', true],
      ['t2', 'File the signed contract', false],
    ]);
    expect(cards.get('D-003')!.openTasks).toEqual([]);
  });

  it('shows a seller only their cards and a manager their team’s, oldest first on request', async () => {
    const anna = await engine.board('sales', { actor: { id: 'anna', roles: ['seller'], teamId: 'north' }, order: 'oldest' });
    const annas = live(deals).filter((d) => d.finalOwnerId === 'anna');
    expect(anna.columns.flatMap((c) => c.cards.map((x) => x.dealId)).sort()).toEqual(annas.map((d) => d.id).sort());
    for (const column of anna.columns) {
      const created = column.cards.map((c) => c.createdAt);
      expect(created).toEqual([...created].sort());
    }
    const south = await engine.board('sales', { actor: { id: 'mike', roles: ['manager'], teamId: 'south' } });
    expect(south.columns.reduce((n, c) => n + c.count, 0)).toBe(live(deals).filter((d) => TEAMS[d.finalOwnerId] === 'south').length);
  });

  it('refuses an unknown pipeline or order with a typed error', async () => {
    await expect(engine.board('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.board('sales', { order: 'random' as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
