import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/index.js';
import { createSqlStorage } from '../../src/sql/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, exceptionReasons, pipelineConfig, ruleConfig, slaConfig } from '../../examples/proposal-sla-with-exception/setup.js';

// Scenario 000 on SQL storage: SLA instances, approvals and exceptions are records by kind and
// deal there too, so the same run gives the same records and the same mail as in memory.
let db: PGlite;
let n = 0;
beforeAll(async () => {
  db = await PGlite.create();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

async function run(storage?: Storage) {
  const engine = createTestEngine({
    pipelines: [pipelineConfig],
    slas: slaConfig,
    rules: ruleConfig,
    exceptions: exceptionReasons,
    directory: directory(),
    start: '2026-03-02T08:00:00.000Z',
    ...(storage ? { storage } : {}),
  });
  const approved = await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4000 });
  const rejected = await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7500 });
  await engine.advance({ days: 1, hours: 2 });
  await engine.markException(approved.id, { flag: 'complex', reason: 'custom-payment-terms' }, { actor: actors.anna });
  await engine.markException(rejected.id, { flag: 'complex', note: 'warranty' }, { actor: actors.boris });
  const [a1, a2] = await engine.records('approval');
  await expect(engine.decideApproval(a2!.id, { decision: 'approve', actor: actors.boris })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await engine.decideApproval(a1!.id, { decision: 'approve', actor: actors.maria });
  await engine.advance({ hours: 6 });
  await engine.decideApproval(a2!.id, { decision: 'reject', actor: actors.maria });
  await engine.advance({ days: 12 });
  const records = async (kind: string) => (await engine.records(kind)).map((r) => ({ ...r })).sort((x, y) => (x.id < y.id ? -1 : 1));
  return {
    sla: await records('sla'),
    approval: await records('approval'),
    exception: await records('exception'),
    mail: engine.notifications.map((m) => [m.dealId, m.recipient.id, m.template, m.text]),
  };
}

describe('scenario 000 on SQL storage (PGlite)', () => {
  it('keeps the same SLA, approval and exception records and sends the same mail as in memory', async () => {
    const inMemory = await run();
    const onSql = await run(await createSqlStorage({ client: db, schema: `sla_${++n}` }));
    expect(onSql).toEqual(inMemory);
    expect(onSql.sla.map((r) => [r.dealId, r.data.slaId, r.data.status])).toEqual([
      ['D-1', 'proposal-5-days', 'breached'],
      ['D-2', 'proposal-5-days', 'breached'],
      ['D-1', 'extension-decision', 'met'],
      ['D-2', 'extension-decision', 'breached'],
    ]);
    expect(onSql.sla[0]!.data).toMatchObject({ extended: true, dueAt: '2026-03-12T08:00:00.000Z' });
  }, 120_000);
});
