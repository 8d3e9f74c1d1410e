/**
 * Scenario 003: deals the system creates by itself.
 *   - The phone system reports answered calls: each becomes a deal in "Unsorted", owned by the
 *     seller who picked up (a missed call goes to the head of sales), who is told to sort it
 *     within 2 working hours — an SLA that tells the head of sales and records it when missed.
 *     The phone system sends one call twice: still one deal.
 *   - The online shop reports an order: a deal in "New", named after the order, with the
 *     fulfilment playbook's tasks. The shop retries its webhook: still one deal.
 * Run with `npx tsx examples/incoming-call/main.ts`.
 */
import { createTestEngine } from '../../src/testing/index.js';
import { actors, directory, pipelineConfig, playbookConfig, ruleConfig, slaConfig } from './setup.js';

const engine = createTestEngine({
  pipelines: [pipelineConfig],
  rules: ruleConfig,
  slas: slaConfig,
  playbooks: playbookConfig,
  directory: directory(),
  start: '2026-03-02T08:05:00.000Z', // Monday 09:05 in Berlin
});

const timeline: string[] = [];
const stamp = () => engine.clock.now().toISOString().slice(0, 16).replace('T', ' ');
const note = (dealId: string | null, text: string) => timeline.push(`${stamp()}  ${(dealId ?? '').padEnd(6)}  ${text}`);
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (sent) note(sent.dealId, `→ ${sent.recipient.name}: ${sent.text}`);
});
engine.on('log', (e) => {
  const d = e.data;
  if (e.type === 'deal.created')
    note(
      e.dealId,
      `deal created in ${(d.deal as { stageId: string }).stageId}: "${(d.deal as { title: string }).title}", owner ${(d.deal as { ownerId: string }).ownerId}`,
    );
  if (e.type === 'deal.duplicate') note(e.dealId, `the same ${d.externalId} again: no new deal`);
  if (e.type === 'sla.met') note(e.dealId, `sorted in time (${d.slaId} met)`);
  if (e.type === 'violation.recorded') note(e.dealId, `violation recorded: ${d.name}`);
});

const call = (callId: string, from: string, callerName: string, answeredBy?: string) =>
  engine.emit({ name: 'call.answered', payload: { callId, from, callerName, ...(answeredBy ? { answeredBy } : {}) } });

const first = await call('C-1001', '+49 30 555 0101', 'Hotel Adler', 'anna');
await engine.advance({ minutes: 1 });
await call('C-1001', '+49 30 555 0101', 'Hotel Adler', 'anna'); // the phone system retries
await engine.advance({ minutes: 14 });
const second = await call('C-1002', '+49 30 555 0202', 'Bakery Klein', 'boris');
await engine.advance({ minutes: 20 });
await call('C-1003', '+49 30 555 0303', 'Unknown caller'); // nobody picked up

await engine.advance({ minutes: 40 });
await engine.moveDeal(first!.id, 'new', { actor: actors.anna });

await engine.advance({ minutes: 5 });
const order = { orderId: 'W-5001', customer: 'Café Blau', product: 'Espresso machine', total: 2490 };
const fromShop = await engine.emit({ name: 'order.placed', payload: order });
await engine.advance({ minutes: 1 });
await engine.emit({ name: 'order.placed', payload: order }); // the shop retries its webhook

await engine.advance({ hours: 3 });

console.log('Timeline');
console.log(timeline.join('\n'));
console.log('\nDeals');
for (const d of await engine.listDeals()) {
  console.log(`  ${d.id.padEnd(7)} ${d.stageId.padEnd(9)} ${d.ownerId.padEnd(6)} ${d.title}`);
}
console.log('\nTasks of the web order');
for (const t of await engine.tasks({ dealId: fromShop!.id })) console.log(`  ${t.status.padEnd(8)} ${t.title} (${t.assigneeId})`);
void second;
