/**
 * Scenario 001: a seven-stage funnel with robots on every stage.
 *   D-1 (Anna) goes through all seven stages on time: named from the contact, taken into work,
 *       an attention-grabbing title and the proposal task with the other sellers as co-assignees,
 *       the signed contract filed and confirmed by the head of department, the payment reported
 *       by the accounting system moves it on, Anna launches the installation playbook by hand,
 *       and the signed acceptance completes the deal.
 *   D-2 (Boris) is slow: not taken into work in time, then stuck in Processing — each missed
 *       stage deadline tells the head of department (and Boris) and is recorded.
 * Run with `npx tsx examples/seven-stage-funnel/main.ts`.
 */
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, facts, pipelineConfig, playbookConfig, ruleConfig, slaConfig } from './setup.js';

const engine = createTestEngine({
  pipelines: [pipelineConfig],
  rules: ruleConfig,
  slas: slaConfig,
  playbooks: playbookConfig,
  facts,
  directory: directory(),
  start: '2026-03-02T08:00:00.000Z', // Monday 09:00 in Berlin
});

const timeline: string[] = [];
const local = (iso: string) => new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' }).slice(0, 16);
const note = (dealId: string | null, text: string) => timeline.push(`${local(engine.clock.now().toISOString())}  ${dealId ?? '   '}  ${text}`);
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (sent) note(sent.dealId, `→ ${sent.recipient.name}: ${sent.text}`);
});
engine.on('log', (e) => {
  const d = e.data;
  const changes = d.changes as Array<{ field: string; to: unknown }> | undefined;
  if (e.type === 'stage.changed') note(e.dealId, `stage ${d.from} → ${d.to}`);
  if (e.type === 'deal.updated' && changes?.[0]?.field === 'title') note(e.dealId, `renamed "${changes[0].to}"`);
  if (e.type === 'goal.achieved') note(e.dealId, `goal "${d.name}" reached by itself`);
  if (e.type === 'task.closeRequested') note(e.dealId, `${d.by} asks ${d.approverId} to confirm task ${d.taskId}`);
  if (e.type === 'task.completed') note(e.dealId, `task ${d.taskId} (${d.key}) completed by ${d.by}`);
  if (e.type === 'playbook.launched') note(e.dealId, `${d.launchedBy} launched the ${d.playbookId} playbook`);
  if (e.type === 'violation.recorded') note(e.dealId, `violation recorded: ${d.name}`);
});

const step = async (dealId: string, key: string) => (await engine.tasks({ dealId })).find((t) => t.key === key)!;

// Stage 1: two new deals.
await engine.createDeal({
  id: 'D-1',
  pipelineId: 'funnel',
  ownerId: 'anna',
  amount: 12_000,
  currency: 'EUR',
  fields: { contactId: 'C-1', product: 'POS system' },
});
await engine.createDeal({
  id: 'D-2',
  pipelineId: 'funnel',
  ownerId: 'boris',
  amount: 3_000,
  currency: 'EUR',
  fields: { contactId: 'C-2', product: 'Loyalty cards' },
});

// Anna takes hers into work within the hour and moves through processing to the proposal.
await engine.advance({ hours: 1 });
await engine.moveDeal('D-1', 'processing', { actor: actors.anna });
await engine.advance({ hours: 4 });
await engine.moveDeal('D-1', 'proposal', { actor: actors.anna });
await engine.advance({ days: 1 });
await engine.completeTask((await step('D-1', 'prepare-proposal')).id, { actor: actors.boris });
await engine.moveDeal('D-1', 'negotiation', { actor: actors.anna });

// Boris takes his into work late (the head hears of it), then leaves it in Processing.
await engine.moveDeal('D-2', 'processing', { actor: actors.boris });

await engine.advance({ days: 2 });
await engine.moveDeal('D-1', 'contract', { actor: actors.anna });
await engine.advance({ hours: 2 });
const contract = await step('D-1', 'file-contract');
await engine.completeTask(contract.id, { actor: actors.anna });
await engine.completeTask(contract.id, { actor: actors.maria });

// Payment control: the accounting system reports the payment; the goal moves the deal on.
await engine.advance({ days: 1 });
await engine.emit({ name: 'invoice.paid', dealId: 'D-1', payload: { invoice: 'INV-2026-031' } });

// Delivery: Anna launches the installation playbook by hand; the steps follow one another.
await engine.launchPlaybook('D-1', 'pos-installation', { actor: actors.anna });
await engine.advance({ hours: 1 });
await engine.completeTask((await step('D-1', 'schedule')).id, { actor: actors.anna });
await engine.advanceTo('2026-03-10T15:00:00.000Z'); // Tuesday
await engine.completeTask((await step('D-1', 'install')).id, { actor: actors.tim });
await engine.advanceTo('2026-03-11T12:00:00.000Z');
await engine.completeTask((await step('D-1', 'train')).id, { actor: actors.tim });
await engine.advance({ hours: 3 });
await engine.completeTask((await step('D-1', 'acceptance')).id, { actor: actors.anna });
await engine.advance({ days: 10 });

console.log('Timeline (Berlin time)');
console.log(timeline.join('\n'));
console.log('\nDeals');
for (const d of await engine.listDeals()) console.log(`  ${d.id}  ${d.stageId.padEnd(11)} ${d.title}`);
console.log('\nStage deadlines (SLA records)');
for (const r of await engine.records('sla')) console.log(`  ${r.dealId}  ${String(r.data.slaId).padEnd(20)} ${r.data.status}`);
console.log('\nViolations for the report');
for (const v of await engine.records('violation')) console.log(`  ${v.dealId}  ${v.data.name} (${v.data.ownerId})`);
