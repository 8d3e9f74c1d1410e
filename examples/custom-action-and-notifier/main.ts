/**
 * An integrator's two extension points, working together on a fake clock:
 * - `ChatNotifier` (chat-notifier.ts): a Notifier that posts notifications to a chat service over
 *   HTTP — here a small server this example starts on 127.0.0.1, which is down at first and does
 *   not know one of the sellers;
 * - `createInvoice` (invoice-action.ts): a custom action that bills a won deal in an accounting
 *   system — here an in-memory fake whose first reply is lost after it created the invoice.
 * Run with `npx tsx examples/custom-action-and-notifier/main.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryDirectory, isDealflowError, type AnyHistoryEntry, type PipelineInput, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { ChatNotifier } from './chat-notifier.js';
import { invoiceAction, type Accounting, type InvoiceRequest } from './invoice-action.js';

// ---- a chat service on 127.0.0.1: posts each idempotency key once ------------------------------
const chatUsers = new Set(['anna', 'maria']);
const posted = new Map<string, { at: string; user: string; text: string }>();
let chatDown = true;
let clockNow = () => '';
const chat = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const { user, text } = JSON.parse(body) as { user: string; text: string };
    const key = String(req.headers['idempotency-key']);
    if (chatDown) return void res.writeHead(503).end('down for maintenance');
    if (!chatUsers.has(user)) return void res.writeHead(404).end(`no chat user "${user}"`);
    if (!posted.has(key)) posted.set(key, { at: clockNow(), user, text });
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => chat.listen(0, '127.0.0.1', resolve));
const chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/messages`;

// ---- an accounting system whose first reply gets lost ------------------------------------------
const invoices = new Map<string, InvoiceRequest & { number: string }>();
let calls = 0;
const accounting: Accounting = {
  async createInvoice(invoice, { idempotencyKey }) {
    calls++;
    const existing = invoices.get(idempotencyKey);
    if (existing) return existing;
    const created = { ...invoice, number: `INV-${1000 + invoices.size + 1}` };
    invoices.set(idempotencyKey, created);
    if (calls === 1) throw new Error('accounting: socket hang up (the invoice was created, the reply lost)');
    return created;
  },
};

// ---- the engine --------------------------------------------------------------------------------
const pipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
};
const rules: RuleInput[] = [
  {
    id: 'welcome',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'notify', params: { to: 'owner', template: 'deal.assigned', text: 'New deal for you: {{title}}' } }],
  },
  {
    id: 'invoice-on-win',
    trigger: { type: 'stage.entered', stage: 'won' },
    actions: [
      { type: 'createInvoice', params: { dueInDays: 30 } },
      { type: 'notify', params: { to: 'manager', template: 'deal.won', text: '{{title}} is won: {{amount}} {{currency}}' } },
    ],
  },
];
const directory = new InMemoryDirectory([
  { id: 'anna', name: 'Anna', managerId: 'maria' },
  { id: 'boris', name: 'Boris', managerId: 'maria' },
  { id: 'maria', name: 'Maria' },
]);
const engine = createTestEngine({
  pipelines: [pipeline],
  rules,
  directory,
  notifier: new ChatNotifier({ url: chatUrl, token: 'example-token' }),
  actions: [invoiceAction(accounting)],
  start: '2026-03-02T09:00:00.000Z',
});
clockNow = () => engine.clock.now().toISOString().slice(11, 19);

// ---- a morning ---------------------------------------------------------------------------------
await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000, currency: 'EUR' });
await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500, currency: 'EUR' });
chatDown = false; // back after the first attempts
await engine.advance({ minutes: 5 });
await engine.moveDeal('D-1', 'won');
await engine.advance({ minutes: 5 });

// ---- what happened -----------------------------------------------------------------------------
const outboxLine = (e: AnyHistoryEntry) => {
  const d = e.data as Record<string, unknown>;
  const message = d.kind === 'notification' ? `chat to ${d.recipientId}` : 'createInvoice';
  const what =
    e.type === 'outbox.failed'
      ? `attempt ${d.attempt} failed: ${d.error}`
      : e.type === 'outbox.dead'
        ? `dead letter (${d.reason}): ${d.error}`
        : `delivered on attempt ${d.attempt}`;
  return `  ${e.at.slice(11, 19)}  ${e.dealId}  ${message.padEnd(14)} ${what}`;
};
const delivery: AnyHistoryEntry[] = [];
for (const id of ['D-1', 'D-2'])
  delivery.push(...(await engine.history(id)).filter((e) => ['outbox.failed', 'outbox.dead', 'outbox.delivered'].includes(e.type)));
console.log('Delivery, from the deals’ histories (fake clock, UTC):');
for (const e of delivery.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))) console.log(outboxLine(e));

console.log('\nPosted by the chat service:');
for (const m of posted.values()) console.log(`  ${m.at}  to ${m.user}: ${m.text}`);

console.log(`\nInvoices: ${invoices.size} (createInvoice called ${calls} times, one idempotency key)`);
for (const inv of invoices.values()) console.log(`  ${inv.number}  ${inv.customer}  ${inv.amount} ${inv.currency}, due in ${inv.dueInDays} days`);

const dead = await engine.deadLetters();
console.log(`\nDead letters: ${dead.length}`);
for (const m of dead) console.log(`  ${m.id} (${m.dealId}): ${m.lastError}`);

// Boris joins the chat; someone retries his message by hand.
chatUsers.add('boris');
for (const m of dead) await engine.retryDeadLetter(m.id);
const boris = [...posted.values()].filter((m) => m.user === 'boris');
console.log(`after boris joined and the dead letter was retried: ${boris.length} message to boris, ${(await engine.deadLetters()).length} dead letters`);

// A rule with bad params for the action is refused when the rules are loaded, with JSON paths.
try {
  createTestEngine({
    pipelines: [pipeline],
    actions: [invoiceAction(accounting)],
    rules: [{ id: 'typo', trigger: { type: 'stage.entered', stage: 'won' }, actions: [{ type: 'createInvoice', params: { dueInDays: 0, dueIndays: 30 } }] }],
  });
} catch (error) {
  if (!isDealflowError(error)) throw error;
  console.log(`\n${error.code}: ${error.message}`);
}

await new Promise<void>((resolve) => chat.close(() => resolve()));
