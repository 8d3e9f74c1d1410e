/**
 * Scenario 000 end to end: the 5-day proposal rule as one SLA, with the "complex" exception and
 * the manager's approval. Three small deals on a fake clock:
 *   D-1 Anna marks it complex, Maria approves: the deadline moves out 5 days, and the proposal
 *       goes out on day 8 — met;
 *   D-2 Boris marks it complex, Maria rejects: the original deadline stands and is breached;
 *   D-3 an ordinary small deal whose proposal goes out on day 2 — met.
 * Run with `npx tsx examples/proposal-sla-with-exception/main.ts`.
 */
import { isDealflowError, type SlaInstance } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, exceptionReasons, pipelineConfig, ruleConfig, slaConfig } from './setup.js';

const engine = createTestEngine({
  pipelines: [pipelineConfig],
  slas: slaConfig,
  rules: ruleConfig,
  exceptions: exceptionReasons,
  directory: directory(),
  start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
});

const timeline: string[] = [];
const stamp = () => engine.clock.now().toISOString().slice(0, 16).replace('T', ' ');
const note = (dealId: string | null, text: string) => timeline.push(`${stamp()}  ${dealId ?? '   '}  ${text}`);
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (sent) note(sent.dealId, `→ ${sent.recipient.name}: ${sent.text}`);
});
// What the SLA and approval features did, from their events, in words.
engine.on('sla.started', (e) => note(e.dealId, `SLA ${e.data.slaId} started, due ${String(e.data.dueAt).slice(0, 16)}`));
engine.on('sla.met', (e) => note(e.dealId, `SLA ${e.data.slaId} met`));
engine.on('sla.breached', (e) => note(e.dealId, `SLA ${e.data.slaId} BREACHED`));
engine.on('sla.extended', (e) =>
  note(e.dealId, `SLA ${e.data.slaId} extended by ${e.data.by}: ${String(e.data.from).slice(0, 16)} → ${String(e.data.to).slice(0, 16)}`),
);
engine.on('exception.marked', (e) => note(e.dealId, `marked ${e.data.flag} by ${e.data.requestedBy} (${e.data.reason ?? e.data.note})`));
engine.on('approval.requested', (e) => note(e.dealId, `approval ${e.data.approvalId} requested by ${e.data.requesterId}`));
engine.on('approval.decided', (e) => note(e.dealId, `approval ${e.data.approvalId} ${e.data.decision} by ${e.data.decidedBy}`));

const d1 = await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
const d2 = await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
const d3 = await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Cafe loyalty app', amount: 2_000 });

await engine.advance({ days: 1, hours: 2 }); // Tuesday 11:00
await engine.markException(d1.id, { flag: 'complex', reason: 'custom-payment-terms' }, { actor: actors.anna });
await engine.markException(d2.id, { flag: 'complex', note: 'the client wants a 5-year warranty' }, { actor: actors.boris });

// Boris cannot decide his own request, and Anna is not an approver: both refused, nothing changes.
const [approval1, approval2] = await engine.records('approval');
for (const [who, id] of [
  ['boris', approval2!.id],
  ['anna', approval2!.id],
] as const) {
  try {
    await engine.decideApproval(id, { decision: 'approve', actor: actors[who] });
  } catch (e) {
    if (isDealflowError(e, 'FORBIDDEN')) note(d2.id, `${who} may not decide: ${e.message}`);
    else throw e;
  }
}

await engine.advance({ hours: 2 }); // Maria answers D-1 in time; D-2 waits past its nudge
await engine.decideApproval(approval1!.id, { decision: 'approve', actor: actors.maria, comment: 'custom terms take time' });
await engine.advance({ hours: 3 });
await engine.decideApproval(approval2!.id, { decision: 'reject', actor: actors.maria, comment: 'standard warranty applies' });

await engine.advance({ hours: 21 }); // Wednesday: D-3's proposal goes out
await engine.updateDeal(d3.id, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
note(d3.id, 'proposal sent');
await engine.advance({ days: 5 }); // Monday of week 2: D-1's proposal goes out within its extended deadline
await engine.updateDeal(d1.id, { fields: { proposalSentAt: engine.clock.now().toISOString() } });
note(d1.id, 'proposal sent');
await engine.advance({ days: 4 });

console.log('Timeline (UTC)');
console.log(timeline.join('\n'));

console.log('\nSLA instances');
for (const r of await engine.records('sla')) {
  const s = r.data as unknown as SlaInstance;
  const extension = s.extended ? `, extended ${s.originalDueAt.slice(0, 16)} → ${s.dueAt.slice(0, 16)} by ${s.extensions[0]!.by}` : '';
  console.log(`  ${r.dealId}  ${s.slaId.padEnd(20)} ${s.status.padEnd(9)} due ${s.dueAt.slice(0, 16)}${extension}`);
}

console.log('\nDeals');
for (const deal of await engine.listDeals()) {
  console.log(`  ${deal.id}  ${deal.title.padEnd(18)} complex=${deal.flags.complex ?? false}  extensionApproved=${deal.flags.extensionApproved ?? false}`);
}

console.log('\nExceptions');
for (const r of await engine.records('exception')) {
  const d = r.data as Record<string, unknown>;
  console.log(`  ${r.dealId}  ${d.flag} (${d.reason ?? `note: ${d.note}`}) asked by ${d.requestedBy}, ${d.status} by ${d.decidedBy}`);
}

const compliance = await engine.report('slaCompliance', { slaId: 'proposal-5-days' });
console.log(`\n${compliance.notes?.join('\n') ?? ''}`);
