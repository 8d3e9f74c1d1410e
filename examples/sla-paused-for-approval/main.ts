/**
 * The 5-day proposal SLA that stops its clock while the manager decides on a "complex" deal
 * (`pauseForApproval`). Two small deals on a fake clock:
 *   D-1 Anna marks it complex on Tuesday; Maria approves on Wednesday: the day paused is added to
 *       the due time, then the 5 approved days;
 *   D-2 Boris marks it complex on Tuesday; Maria rejects on Sunday, after the original due time:
 *       nothing was sent or breached meanwhile, and the deadline resumes with 5 days added.
 * Run with `npx tsx examples/sla-paused-for-approval/main.ts`.
 */
import type { SlaInstance } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, pipelineConfig, ruleConfig, slaConfig } from './setup.js';

const engine = createTestEngine({
  pipelines: [pipelineConfig],
  slas: slaConfig,
  rules: ruleConfig,
  directory: directory(),
  start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
});

const timeline: string[] = [];
const note = (dealId: string | null, text: string) => timeline.push(`${engine.clock.now().toISOString().slice(0, 16)}  ${dealId ?? '   '}  ${text}`);
const at = (iso: unknown) => String(iso).slice(0, 16);
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (sent) note(sent.dealId, `→ ${sent.recipient.name}: ${sent.text ?? sent.subject}`);
});
engine.on('sla.paused', (e) => note(e.dealId, `SLA ${e.data.slaId} paused (due ${at(e.data.dueAt)})`));
engine.on('sla.resumed', (e) => note(e.dealId, `SLA ${e.data.slaId} resumed: due ${at(e.data.from)} → ${at(e.data.to)}`));
engine.on('sla.extended', (e) => note(e.dealId, `SLA ${e.data.slaId} extended: due ${at(e.data.from)} → ${at(e.data.to)}`));
engine.on('sla.breached', (e) => note(e.dealId, `SLA ${e.data.slaId} BREACHED`));
engine.on('sla.met', (e) => note(e.dealId, `SLA ${e.data.slaId} met`));

await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });

await engine.advanceTo('2026-03-03T10:00:00.000Z'); // Tuesday: both marked complex
await engine.markException('D-1', { flag: 'complex', note: 'custom payment terms' }, { actor: actors.anna });
await engine.markException('D-2', { flag: 'complex', note: 'a 5-year warranty' }, { actor: actors.boris });
const [a1, a2] = await engine.records('approval');

await engine.advanceTo('2026-03-04T10:00:00.000Z'); // Wednesday: D-1 approved
await engine.decideApproval(a1!.id, { decision: 'approve', actor: actors.maria });
await engine.advanceTo('2026-03-08T10:00:00.000Z'); // Sunday: D-2 rejected, after its original due time
await engine.decideApproval(a2!.id, { decision: 'reject', actor: actors.maria });
await engine.advanceTo('2026-03-12T12:00:00.000Z');
await engine.updateDeal('D-1', { fields: { proposalSentAt: engine.clock.now().toISOString() } });
await engine.advanceTo('2026-03-16T00:00:00.000Z');

console.log('Timeline (UTC)');
console.log(timeline.join('\n'));
console.log('\nSLA instances');
for (const r of await engine.records('sla')) {
  const s = r.data as unknown as SlaInstance;
  const paused = (s.pauses ?? []).map((p) => `paused ${at(p.from)} → ${at(p.to)}`).join(', ');
  console.log(`  ${r.dealId}  ${s.status.padEnd(9)} due ${at(s.dueAt)} (originally ${at(s.originalDueAt)}), ${paused}`);
}
