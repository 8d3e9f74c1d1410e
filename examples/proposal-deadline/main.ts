/**
 * The 5-day proposal rule on the in-memory store and a fake clock: three deals, five days,
 * a readable timeline and a met/missed summary. Run with `npm run demo`.
 * With `--store ./data` it keeps its state in PGlite in that directory: the first run stops on
 * day 2, the next continues from there (what came due in between fires once).
 */
import { createTestEngine } from '../../src/testing/index.js';
import { toTextTable } from '../../src/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from './setup.js';
import { openDemoStore } from './store.js';

const store = await openDemoStore(process.argv.slice(2));

const engine = createTestEngine({
  pipelines: [proposalPipeline],
  rules: proposalRules,
  directory: proposalDirectory(),
  start: store?.resumeAt ?? '2026-03-02T08:00:00.000Z',
  ...(store && { storage: store.storage, ids: store.ids }),
});

const timeline: string[] = [];
const stamp = () => engine.clock.now().toISOString().slice(0, 16).replace('T', ' ');
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (sent) timeline.push(`${stamp()}  ${sent.dealId}  → ${sent.recipient.name}: ${sent.text}`);
});
engine.on('job.cancelled', (e) => timeline.push(`${stamp()}  ${e.dealId}  cancelled ${String(e.data.actionId)} (${String(e.data.reason)})`));
engine.on('violation.recorded', (e) => timeline.push(`${stamp()}  ${e.dealId}  violation recorded: ${String(e.data.name)}`));

if (!store?.resumeAt) {
  await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000 });
  await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500 });
  await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Hotel chain rollout', amount: 45_000 });

  await engine.advance({ days: 2 });
  await engine.updateDeal('D-1', { fields: { proposalSentAt: engine.clock.now().toISOString() } });
  timeline.push(`${stamp()}  D-1  proposal sent`);
}
if (store && !store.resumeAt) await store.stopHere(engine.clock.now(), timeline);
if (engine.clock.now() < new Date('2026-03-08T08:00:00.000Z')) await engine.advanceTo('2026-03-08T08:00:00.000Z');

console.log('Timeline');
console.log(timeline.join('\n'));

const violations = await engine.records('violation');
const missed = new Set(violations.map((v) => v.dealId));
console.log('\nSummary (deals under 10,000)');
for (const deal of await engine.listDeals()) {
  if (deal.amount >= 10_000) {
    console.log(`  ${deal.id}  ${deal.title.padEnd(22)} not under the rule (amount ${deal.amount})`);
    continue;
  }
  console.log(`  ${deal.id}  ${deal.title.padEnd(22)} ${missed.has(deal.id) ? 'MISSED the 5 days' : 'met the 5 days'}`);
}

// The same picture as reports, computed from what storage holds (docs/reports.md).
console.log(`\n${toTextTable(await engine.report('slaCompliance'))}`);
console.log(`\n${toTextTable(await engine.report('funnel'))}`);
await store?.pause(engine.clock.now());
