/**
 * "After 10 working days, remind the responsible person to call the client again" — the robot
 * from the seven-stage funnel, in each owner's own working calendar. Two deals are created on
 * Thursday 2 April 2026, the day before Good Friday: Anna works in Berlin (Good Friday and Easter
 * Monday are public holidays), Jake in New York (neither is a US federal holiday). Run with
 * `npx tsx examples/call-again-10-working-days/main.ts`.
 */
import { DateTime } from 'luxon';
import { createTestEngine } from '../../src/testing/index.js';
import { callAgainDirectory, callAgainPipeline, callAgainRules } from './setup.js';

const directory = callAgainDirectory();
const engine = createTestEngine({
  pipelines: [callAgainPipeline],
  rules: callAgainRules,
  directory,
  start: '2026-04-02T14:00:00.000Z', // Thursday, 16:00 in Berlin, 10:00 in New York
});

const local = (iso: string, zone: string) => `${DateTime.fromISO(iso, { zone }).toFormat('ccc d LLL yyyy HH:mm')} ${zone}`;
const zoneOf = (userId: string) => directory.get(userId)?.timezone ?? 'UTC';

const deals = [
  await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS' }),
  await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'jake', title: 'Brooklyn deli' }),
];

console.log('Created (owner time) and the call-again reminder scheduled');
for (const deal of deals) {
  const [job] = await engine.pendingJobs(deal.id);
  const zone = zoneOf(deal.ownerId);
  console.log(`  ${deal.id}  ${directory.get(deal.ownerId)?.name}: created ${local(deal.createdAt, zone)}, reminder due ${local(job!.dueAt, zone)}`);
}

const timeline: string[] = [];
engine.on('outbox.delivered', (e) => {
  const sent = engine.notifications.find((m) => m.idempotencyKey === e.data.key);
  if (!sent) return;
  const zone = zoneOf(sent.recipient.id);
  timeline.push(`  ${local(engine.clock.now().toISOString(), zone)}  → ${sent.recipient.name}: ${sent.text}`);
});

await engine.advance({ days: 30 });
console.log('\nDelivered (recipient time)');
console.log(timeline.join('\n'));
