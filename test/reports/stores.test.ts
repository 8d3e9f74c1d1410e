import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStorage } from '../../src/sql/index.js';
import type { TestEngine } from '../../src/testing/index.js';
import { TEAMS, plan, playFixture } from './fixture.js';

// The same 60-deal history played on the in-memory store and on SQL (PGlite): every report and
// the board must come out the same, since they are computed from what each store holds.
let db: PGlite;
let memory: TestEngine;
let sql: TestEngine;

beforeAll(async () => {
  db = await PGlite.create();
  const deals = plan().slice(0, 60);
  memory = await playFixture(deals);
  sql = await playFixture(deals, await createSqlStorage({ client: db, schema: 'reports_same' }));
}, 240_000);

afterAll(async () => {
  await db?.close();
});

describe('reports on every store', () => {
  it('are the same on PGlite as in memory', async () => {
    const runs = [
      ['slaCompliance', { groupBy: 'owner' }],
      ['exceptions', {}],
      ['flagShare', { flag: 'complex' }],
      ['funnel', { groupBy: 'team' }],
      ['timeInStage', { groupBy: 'owner' }],
      ['stale', { idleFor: { days: 3 } }],
      ['velocity', {}],
    ] as const;
    for (const [name, options] of runs) {
      const a = await memory.report(name, options as never);
      expect((await sql.report(name, options as never)).rows, name).toEqual(a.rows);
    }
    expect((await memory.report('funnel')).rows.some((r) => r.entered > 0)).toBe(true);
  });

  it('scope the same way for a manager, and draw the same board', async () => {
    const mike = { id: 'mike', roles: ['manager'], teamId: 'south' };
    expect((await sql.report('funnel', { actor: mike })).rows).toEqual((await memory.report('funnel', { actor: mike })).rows);
    const board = await sql.board('sales', { actor: mike });
    expect(board).toEqual(await memory.board('sales', { actor: mike }));
    expect(board.columns.flatMap((c) => c.cards).every((c) => TEAMS[c.ownerId] === 'south')).toBe(true);
  });
});
