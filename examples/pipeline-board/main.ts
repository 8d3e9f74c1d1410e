/**
 * A kanban pipeline with two roles (seed D): sellers see and move only their own cards, the head
 * of sales sees all cards and the reports. An incoming call creates a deal in "Unsorted" owned by
 * the seller who picked up. Run with `npx tsx examples/pipeline-board/main.ts`.
 */
import { InMemoryDirectory, isDealflowError, toTextTable, type Actor, type Board } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';

const pipeline = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'unsorted', name: 'Unsorted', kind: 'inbox' as const },
    { id: 'new', name: 'New' },
    { id: 'offer', name: 'Discussing the offer' },
    { id: 'contract', name: 'Contract' },
    { id: 'won', name: 'Won', kind: 'won' as const },
    { id: 'lost', name: 'Lost', kind: 'lost' as const },
  ],
};

const anna: Actor = { id: 'anna', roles: ['seller'], teamId: 'sales-1' };
const boris: Actor = { id: 'boris', roles: ['seller'], teamId: 'sales-1' };
const head: Actor = { id: 'helga', roles: ['manager'], teamId: 'sales-1' };

const engine = createTestEngine({
  pipelines: [pipeline],
  directory: new InMemoryDirectory([
    { id: 'anna', name: 'Anna', roles: ['seller'], teamId: 'sales-1', managerId: 'helga' },
    { id: 'boris', name: 'Boris', roles: ['seller'], teamId: 'sales-1', managerId: 'helga' },
    { id: 'helga', name: 'Helga (head of sales)', roles: ['manager'], teamId: 'sales-1' },
  ]),
  start: '2026-03-02T08:00:00.000Z',
});

// A seller creates deals by hand; the system (no actor) creates one from an incoming call.
await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 }, { actor: anna });
await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 }, { actor: boris });
await engine.advance({ days: 1 });
await engine.createDeal({ id: 'D-3', pipelineId: 'sales', stageId: 'unsorted', ownerId: 'anna', title: 'Incoming call +49 30 1234', amount: 0 });
await engine.moveDeal('D-1', 'offer', { actor: anna });
await engine.moveDeal('D-2', 'offer', { actor: boris });
await engine.advance({ days: 2 });
await engine.moveDeal('D-2', 'contract', { actor: boris });

const attempt = async (what: string, call: () => Promise<unknown>) => {
  try {
    await call();
    console.log(`${what}: done`);
  } catch (e) {
    if (!isDealflowError(e, 'FORBIDDEN')) throw e;
    console.log(`${what}: FORBIDDEN — ${e.message}`);
  }
};
await attempt('anna moves Boris’s card', () => engine.moveDeal('D-2', 'won', { actor: anna }));
await attempt('boris moves his card back to the offer', () => engine.moveDeal('D-2', 'offer', { actor: boris }));
await attempt('helga moves it back', () => engine.moveDeal('D-2', 'offer', { actor: head }));
await engine.advance({ days: 9 });
await engine.moveDeal('D-2', 'won', { actor: boris });

function draw(board: Board, who: string): string {
  const lines = [`Board as seen by ${who}`];
  for (const column of board.columns) {
    const cards = column.cards.map((c) => `${c.dealId} ${c.title} (${c.ownerId}, ${c.amount}, ${Math.floor(c.timeInStageMs / 86_400_000)}d here)`);
    lines.push(`  ${column.name.padEnd(22)} ${column.count}  ${cards.join('; ')}`);
  }
  return lines.join('\n');
}

console.log(`\n${draw(await engine.board('sales', { actor: anna }), 'Anna (seller)')}`);
console.log(`\n${draw(await engine.board('sales', { actor: head }), 'Helga (head of sales)')}`);

// The nudge of the seed: "this deal has sat too long in 'discussing the offer'".
console.log(`\n${toTextTable(await engine.report('stale', { idleFor: { days: 7 }, since: 'stage', actor: head }))}`);
console.log(`\n${toTextTable(await engine.report('funnel', { actor: anna }))}`);
console.log(`\n${toTextTable(await engine.report('funnel', { actor: head, groupBy: 'owner' }))}`);
