/**
 * Scenario 002: the negotiation stage ends in one of four goals, and each leads somewhere else.
 *   D-1 ready to buy → Invoice: accounting gets the invoice task; the payment arrives from the
 *       accounting system and the "paid" goal moves the deal on by itself to Delivery, whose
 *       playbook runs step by step (one step late, so the head of sales hears of it) → Won;
 *   D-2 requirements received → back to Proposal (a backward move: the head of sales marks it);
 *   D-3 refused → Lost, and the head of sales is asked to review it;
 *   D-4 decision postponed → Nurture, and a "call again" task 30 days later.
 * Run with `npx tsx examples/negotiation-goals/main.ts`.
 */
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, pipelineConfig, playbookConfig, ruleConfig } from './setup.js';

const engine = createTestEngine({
  pipelines: [pipelineConfig],
  rules: ruleConfig,
  playbooks: playbookConfig,
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
engine.on('log', (e) => {
  const d = e.data;
  if (e.type === 'event.received') note(e.dealId, `event ${d.name} from the accounting system`);
  if (e.type === 'goal.achieved') note(e.dealId, `goal "${d.name}" reached${d.automatic ? ' (by itself)' : ` by ${d.by}`}: ${d.from} → ${d.to}`);
  if (e.type === 'task.completed') note(e.dealId, `task ${d.taskId} completed by ${d.by}`);
  if (e.type === 'task.closeRequested') note(e.dealId, `task ${d.taskId}: ${d.by} asks ${d.approverId} to confirm`);
});

const deal = (id: string, title: string, ownerId: string, amount: number) =>
  engine.createDeal({ id, pipelineId: 'sales', stageId: 'negotiation', ownerId, title, amount, currency: 'EUR' });

await deal('D-1', 'Hotel Adler', 'anna', 18_000);
await deal('D-2', 'Bakery Klein', 'boris', 4_000);
await deal('D-3', 'Florist Rosa', 'anna', 2_500);
await deal('D-4', 'Café Blau', 'boris', 7_000);

await engine.achieveGoal('D-1', 'ready-to-buy', { actor: actors.anna });
await engine.achieveGoal('D-2', 'requirements-received', { actor: actors.maria });
await engine.achieveGoal('D-3', 'refused', { actor: actors.anna });
await engine.achieveGoal('D-4', 'postponed', { actor: actors.boris });

// A seller may not send a deal backwards by a goal: that is the head's call.
await engine.createDeal({ id: 'D-5', pipelineId: 'sales', stageId: 'negotiation', ownerId: 'anna', title: 'Gym Nord' });
const refused = await engine.achieveGoal('D-5', 'requirements-received', { actor: actors.anna }).catch((e: Error & { code: string }) => e);
note('D-5', `Anna marks "requirements received": ${'code' in refused ? refused.code : 'moved'}`);

await engine.advance({ hours: 4 });
const [invoiceTask] = await engine.tasks({ dealId: 'D-1', status: 'open' });
await engine.completeTask(invoiceTask!.id, { actor: { id: 'olga', roles: ['accounting'] } });
await engine.advance({ hours: 20 });
await engine.emit({ name: 'invoice.paid', dealId: 'D-1', payload: { invoice: 'INV-2026-031', amount: 18_000 } });

// Delivery: kick-off, installation (late by a day), handover confirmed by the head of sales.
const step = async (key: string) => (await engine.tasks({ dealId: 'D-1' })).find((t) => t.key === key)!;
await engine.advance({ hours: 3 });
await engine.completeTask((await step('kickoff')).id, { actor: actors.anna });
await engine.advance({ days: 5 });
await engine.completeTask((await step('install')).id, { actor: { id: 'tim', roles: ['service'] } });
await engine.completeTask((await step('handover')).id, { actor: actors.anna });
await engine.completeTask((await step('handover')).id, { actor: actors.maria });
await engine.advance({ days: 30 });

console.log('Timeline');
console.log(timeline.join('\n'));
console.log('\nWhere the deals are');
for (const d of await engine.listDeals()) {
  const open = (await engine.tasks({ dealId: d.id, status: ['open', 'pending-approval'] })).map((t) => t.title);
  console.log(`  ${d.id}  ${d.title.padEnd(14)} ${d.stageId.padEnd(12)} ${open.length ? `open: ${open.join('; ')}` : ''}`.trimEnd());
}
