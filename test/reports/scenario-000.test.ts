import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../../src/testing/index.js';
import { toTextTable } from '../../src/index.js';
import { actors, directory, exceptionReasons, pipelineConfig, ruleConfig, slaConfig } from '../../examples/proposal-sla-with-exception/setup.js';

// Seed 000 with the real SLA, exception and approval features (issue 4): the reports read the
// records those features keep. D-1 complex and approved (deadline extended, met), D-2 complex and
// rejected (breached), D-3 ordinary (met).
let engine: TestEngine;

beforeAll(async () => {
  engine = createTestEngine({
    pipelines: [pipelineConfig],
    slas: slaConfig,
    rules: ruleConfig,
    exceptions: exceptionReasons,
    directory: directory(),
    start: '2026-03-02T08:00:00.000Z',
  });
  await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
  await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
  await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Cafe loyalty app', amount: 2_000 });
  await engine.advance({ days: 1, hours: 2 });
  await engine.markException('D-1', { flag: 'complex', reason: 'custom-payment-terms' }, { actor: actors.anna });
  await engine.markException('D-2', { flag: 'complex', note: 'the client wants a 5-year warranty' }, { actor: actors.boris });
  const [a1, a2] = await engine.records('approval');
  await engine.advance({ hours: 2 });
  await engine.decideApproval(a1!.id, { decision: 'approve', actor: actors.maria });
  await engine.advance({ hours: 3 });
  await engine.decideApproval(a2!.id, { decision: 'reject', actor: actors.maria });
  await engine.advance({ hours: 21 });
  await engine.updateDeal('D-3', { fields: { proposalSentAt: engine.clock.now().toISOString() } });
  await engine.advance({ days: 5 });
  await engine.updateDeal('D-1', { fields: { proposalSentAt: engine.clock.now().toISOString() } });
  await engine.advance({ days: 4 });
}, 60_000);

describe('reports over the SLA, exception and approval records', () => {
  it('slaCompliance: met, breached and extended per SLA, with the deals', async () => {
    const report = await engine.report('slaCompliance');
    const proposal = report.rows.find((r) => r.slaId === 'proposal-5-days')!;
    expect(proposal).toMatchObject({
      started: 3,
      met: 2,
      breached: 1,
      exempt: 0,
      extended: 1,
      open: 0,
      metDeals: ['D-1', 'D-3'],
      breachedDeals: ['D-2'],
      extendedDeals: ['D-1'],
    });
    expect(proposal.compliance).toBeCloseTo(2 / 3, 12);
    const decisions = report.rows.find((r) => r.slaId === 'extension-decision')!;
    expect(decisions).toMatchObject({ started: 2, met: 1, breached: 1, metDeals: ['D-1'], breachedDeals: ['D-2'] });
    expect(toTextTable(report)).toContain('proposal-5-days: 2 of 3 decided runs met on time (66.7%)');
  });

  it('exceptions: reason or note, who asked, who approved', async () => {
    const rows = (await engine.report('exceptions')).rows.map((r) => [
      r.dealId,
      r.flag,
      r.reason,
      r.reasonText,
      r.requestedBy,
      r.approval,
      r.approvedBy,
      r.decidedBy,
    ]);
    expect(rows).toEqual([
      ['D-1', 'complex', 'custom-payment-terms', null, 'anna', 'approved', 'maria', 'maria'],
      ['D-2', 'complex', null, 'the client wants a 5-year warranty', 'boris', 'rejected', null, 'maria'],
    ]);
  });

  it('flagShare: anna and boris each flagged one deal of theirs', async () => {
    const rows = (await engine.report('flagShare', { flag: 'complex' })).rows.map((r) => [r.group, r.deals, r.flagged, r.atOrOverThreshold]);
    expect(rows).toEqual([
      ['boris', 1, 1, true],
      ['anna', 2, 1, true],
    ]);
  });

  it('the board shows each card’s deadline state', async () => {
    const cards = (await engine.board('sales')).columns.flatMap((c) => c.cards).map((c) => [c.dealId, c.sla.state, c.sla.slaIds]);
    expect(cards.sort()).toEqual([
      ['D-1', 'met', ['extension-decision', 'proposal-5-days']],
      ['D-2', 'breached', ['extension-decision', 'proposal-5-days']],
      ['D-3', 'met', ['proposal-5-days']],
    ]);
  });
});
