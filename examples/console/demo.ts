/**
 * The console's demo: a seven-stage funnel (with an inbox in front) and a few dozen deals on the
 * in-memory store, two sellers and their manager, a fake clock. `createDemo()` builds it afresh
 * (the browser tests start one per test); `serve.ts` puts it on 127.0.0.1 (`npm run console`).
 */
import {
  InMemoryDirectory,
  PermanentDeliveryError,
  type Actor,
  type Notifier,
  type OutgoingMessage,
  type PipelineInput,
  type SendOptions,
  type SlaInput,
} from '../../src/index.js';
import { GENERATED_PIPELINE } from '../../src/simulation/index.js';
import { createConsole, switchedUserId, type ConsoleHandler } from '../../src/console/index.js';
import { createTestEngine, type TestEngine } from '../../src/testing/index.js';

export const pipeline: PipelineInput = {
  id: 'funnel',
  name: 'Seven-stage funnel',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'unsorted', name: 'Unsorted', kind: 'inbox' },
    { id: 'new', name: 'New deal' },
    { id: 'processing', name: 'Processing' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'contract', name: 'Contract and invoice' },
    { id: 'payment', name: 'Payment control' },
    { id: 'delivery', name: 'Delivery' },
    { id: 'won', name: 'Completed', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
};

/** A stage deadline: tell the owner and the head of department when it is missed, and record it. */
function stageDeadline(id: string, stage: string, within: Record<string, number>, name: string): SlaInput {
  return {
    id,
    name,
    start: { trigger: { type: 'stage.entered', stage } },
    within,
    escalations: [
      {
        id: 'tell',
        actions: [
          { type: 'notify', params: { to: 'owner', template: 'stage.overdue', text: '{{title}} is past its deadline in {{stage}}.' } },
          { type: 'notify', params: { to: 'manager', template: 'stage.overdue.head', text: '{{title}} ({{ownerId}}) is past its deadline in {{stage}}.' } },
          { type: 'recordViolation', params: { name: id } },
        ],
      },
    ],
  } as SlaInput;
}

/**
 * Inbound small deals: the pipeline `dealflow generate` writes histories for (GENERATED_PIPELINE),
 * with the seed's 5-day proposal rule, so a dry run over a generated history has a rule to try.
 */
export const inbound: PipelineInput = { ...GENERATED_PIPELINE, name: 'Inbound (small deals)' };

export const slas: SlaInput[] = [
  {
    id: 'taken-into-work',
    name: 'Taken into work within 2 working hours',
    start: { trigger: { type: 'stage.entered', stage: 'new' } },
    within: { businessHours: 2 },
    escalations: [
      {
        id: 'tell',
        actions: [
          // The head hears of late pick-ups once a day, not one by one.
          {
            type: 'notify',
            params: { to: 'manager', template: 'stage.overdue.head', text: '{{title}} was not taken into work in time.', digest: 'daily at 17:00' },
          },
          { type: 'recordViolation', params: { name: 'taken-into-work' } },
        ],
      },
    ],
  } as SlaInput,
  stageDeadline('processing-2-days', 'processing', { businessDays: 2 }, 'Processing within 2 working days'),
  stageDeadline('proposal-5-days', 'proposal', { days: 5 }, 'Proposal within 5 days'),
  stageDeadline('negotiation-5-days', 'negotiation', { businessDays: 5 }, 'Negotiation within 5 working days'),
  stageDeadline('contract-3-days', 'contract', { businessDays: 3 }, 'Contract within 3 working days'),
  stageDeadline('payment-5-days', 'payment', { businessDays: 5 }, 'Payment within 5 working days'),
];

export const rules = [
  {
    id: 'proposal-within-5-days',
    name: 'Small inbound deals get a proposal within 5 days',
    pipelineId: 'sales',
    trigger: { type: 'deal.created' },
    when: { all: [{ fact: 'deal', path: '$.amount', operator: 'lessThan', value: 10000 }] },
    until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
    actions: [
      { id: 'brief', type: 'notify', params: { to: 'owner', template: 'proposal.requested', text: 'Send a commercial proposal within 5 days.' } },
      {
        id: 'remind-day-4',
        type: 'notify',
        after: { days: 4 },
        params: { to: 'owner', template: 'proposal.reminder', text: 'Reminder: the proposal is due tomorrow.' },
      },
      {
        id: 'escalate',
        type: 'notify',
        after: { days: 5 },
        params: { to: 'manager', template: 'proposal.missed', text: 'No proposal was sent within 5 days.' },
      },
      { id: 'record', type: 'recordViolation', after: { days: 5 }, params: { name: 'proposal-5-days' } },
    ],
  },
  {
    id: 'new-deal',
    name: 'Tell the owner of a new deal',
    trigger: { type: 'stage.entered', stage: 'new' },
    actions: [{ type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'New deal for you: {{title}}.' } }],
  },
  {
    id: 'file-the-contract',
    name: 'Contract and invoice: the owner files the signed contract',
    trigger: { type: 'stage.entered', stage: 'contract' },
    actions: [{ type: 'createTask', params: { key: 'file-contract', title: 'File the signed contract', due: { businessDays: 2 }, priority: 'high' } }],
  },
  {
    id: 'call-again',
    name: 'After 10 working days, remind the owner to call the client again',
    trigger: { type: 'deal.created' },
    actions: [
      { type: 'notify', after: { businessDays: 10 }, params: { to: 'owner', template: 'deal.call-again', text: 'Call the client of {{title}} again.' } },
    ],
  },
  {
    id: 'complex-asks-for-more-time',
    name: 'A deal marked complex asks the head for 5 more days for the proposal',
    trigger: { type: 'field.changed', field: 'flags.complex', to: true },
    actions: [
      {
        type: 'requestApproval',
        params: {
          name: 'proposal-extension',
          subject: '{{title}}: 5 more days for the proposal (complex deal)',
          approvers: ['manager'],
          exception: 'complex',
          onApprove: { set: { 'flags.extensionApproved': true }, extendSla: { sla: 'proposal-5-days', by: { days: 5 } } },
        },
      },
    ],
  },
  {
    id: 'tell-the-rep',
    name: 'The rep hears how the request was decided',
    trigger: { type: 'approval.decided', name: 'proposal-extension' },
    actions: [{ type: 'notify', params: { to: 'owner', template: 'approval.decided', text: '{{event.subject}}: {{event.status}} by {{event.decidedBy}}.' } }],
  },
];

export const people = [
  { id: 'anna', name: 'Anna Berg (sales)', email: 'anna@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
  { id: 'boris', name: 'Boris Lang (sales)', email: 'boris@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
  { id: 'maria', name: 'Maria Vogt (head of sales)', email: 'maria@example.test', roles: ['manager'], teamId: 'north' },
  { id: 'olga', name: 'Olga Petrova (sales ops)', email: 'olga@example.test', roles: ['admin'] },
];

/** The signed-in user for each demo id: what the host's sign-in would give. */
export const actors: Record<string, Actor> = Object.fromEntries(people.map((p) => [p.id, { id: p.id, roles: p.roles, teamId: p.teamId }]));

/** A mail relay that can be down: while it is, every message fails for good (a dead letter to retry later). */
export class DemoNotifier implements Notifier {
  readonly sent: Array<OutgoingMessage & { key: string }> = [];
  down = false;

  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    if (this.down) throw new PermanentDeliveryError('the mail relay refused the message (554 service unavailable)');
    this.sent.push({ ...message, key: options.idempotencyKey });
  }
}

/** The demo's engine, its notifier and the console over it. */
export interface Demo {
  engine: TestEngine;
  notifier: DemoNotifier;
  handler: ConsoleHandler;
}

interface DealSeed {
  id: string;
  owner: string;
  title: string;
  amount: number;
  /** The working day of the seed fortnight it came in on (0 = two weeks before the demo's "now"). */
  day: number;
  /** The stages it went through, one a working day (New and Processing on its first day). */
  path: string[];
}

const companies = [
  'Praxis Dr. Roth',
  'Blumen Kaiser',
  'Brauerei Hahn',
  'Kita Regenbogen',
  'Metzgerei Fuchs',
  'Reisebüro Wolf',
  'Buchhandlung Lenz',
  'Fitness Nord',
  'Weingut Schulz',
  'Apotheke am Markt',
  'Tischlerei Graf',
  'Kanzlei Maier',
  'Eiscafé Venezia',
  'Hofladen Bauer',
  'Studio Licht',
  'Galerie Blau',
  'Pension Seeblick',
  'Zahnarzt Dr. Kühn',
  'Friseur Schnitt',
  'Bistro Zeit',
  'Elektro Vogel',
];
const products = ['POS system', 'Loyalty cards', 'Web shop', 'Kiosk', 'Booking app', 'Card terminal'];
const LADDER = ['new', 'processing', 'proposal', 'negotiation', 'contract', 'payment', 'delivery', 'won'];

/** The seed's deals: the special ones the tests use (D-3, D-4), then a spread through the funnel. Deterministic. */
function seeds(): DealSeed[] {
  const out: DealSeed[] = [
    // In negotiation: a seller may not move it back.
    { id: 'D-3', owner: 'anna', title: 'Café Sonne — Kiosk', amount: 8_500, day: 6, path: ['new', 'processing', 'proposal', 'negotiation'] },
    // In proposal since Friday, marked complex at the end: the head's approval moves its deadline out by 5 days.
    { id: 'D-4', owner: 'anna', title: 'Optik Weber — Web shop', amount: 6_400, day: 8, path: ['new', 'processing', 'proposal'] },
  ];
  for (let i = 0; i < 26; i++) {
    const reach = i % 9; // how far down the ladder it got (8: lost)
    const path = reach === 8 ? ['new', 'lost'] : LADDER.slice(0, reach + 1);
    out.push({
      id: `D-${i + 7}`,
      owner: i % 2 === 0 ? 'anna' : 'boris',
      title: `${companies[i % companies.length]} — ${products[i % products.length]}`,
      amount: 1_000 + ((i * 3_700) % 19_000),
      day: Math.max(0, 9 - Math.max(0, path.length - 2) - (i % 3)),
      path,
    });
  }
  return out;
}

/** The fortnight before the demo's "now" (Monday 16 March 2026, 10:00 Berlin), working days only. */
const WORKDAYS = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'];
/** An instant on a seed day: 08:00 UTC plus `minute`. */
const at = (day: number, minute: number) => {
  const m = 8 * 60 + minute;
  return `${WORKDAYS[Math.min(day, 9)]}T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00.000Z`;
};

/** Builds the demo: engine, history and console. `basePath` is where the console is mounted. */
export async function createDemo(options: { basePath?: string } = {}): Promise<Demo> {
  const notifier = new DemoNotifier();
  const engine = createTestEngine({
    pipelines: [pipeline, inbound],
    rules,
    slas,
    exceptions: { complex: { reasons: ['special-warranty', 'custom-payment-terms', 'custom-integration'] } },
    directory: new InMemoryDirectory(people),
    notifier,
    start: '2026-03-02T07:00:00.000Z',
  });
  // Every step of the seed at its own time, in time order.
  type Event = { at: string; run: () => Promise<unknown> };
  const events: Event[] = [];
  seeds().forEach((d, n) => {
    const minute = (n * 7) % 60;
    events.push({
      at: at(d.day, minute),
      run: () =>
        engine.createDeal({ id: d.id, pipelineId: 'funnel', stageId: 'unsorted', ownerId: d.owner, title: d.title, amount: d.amount, currency: 'EUR' }),
    });
    // Taken into work within the hour; each later stage a working day after the one before.
    d.path.forEach((stage, k) =>
      events.push({
        at: k < 2 ? at(d.day, minute + 30 * (k + 1)) : at(d.day + k - 1, minute + 120),
        run: async () => {
          // The contract is filed before the deal moves on to payment control.
          if (stage === 'payment') for (const t of await engine.tasks({ dealId: d.id, status: 'open' })) await engine.completeTask(t.id);
          return engine.moveDeal(d.id, stage);
        },
      }),
    );
  });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const e of events) {
    await engine.advanceTo(e.at);
    await e.run();
  }
  // Monday morning.
  await engine.advanceTo('2026-03-16T08:10:00.000Z');
  const create = (id: string, owner: string, title: string, amount: number) =>
    engine.createDeal({ id, pipelineId: 'funnel', stageId: 'unsorted', ownerId: owner, title, amount, currency: 'EUR' });
  // Came in by phone and waits in the inbox.
  await create('D-6', 'boris', 'Incoming call: Hotel Stern', 0);
  // Anna's new deal: she takes it into work by dragging it to Processing.
  await create('D-1', 'anna', 'Hotel Adler — POS system', 12_000);
  await engine.moveDeal('D-1', 'new');
  // Taken into work at once: five days on, its Processing deadline is missed and escalated.
  await create('D-5', 'anna', 'Autohaus Brandt — Card terminal', 4_200);
  await engine.moveDeal('D-5', 'new');
  await engine.advanceTo('2026-03-16T08:30:00.000Z');
  await engine.moveDeal('D-5', 'processing');
  // Boris's (Anna never sees it): the mail relay is down as it comes in, so his notice is a dead letter.
  await create('D-2', 'boris', 'Bakery Klein — Loyalty cards', 3_000);
  notifier.down = true;
  await engine.moveDeal('D-2', 'new');
  notifier.down = false;
  // Anna asks for more time on a complex deal; Maria has not decided yet.
  await engine.markException('D-4', { flag: 'complex', reason: 'custom-integration' }, { actor: actors.anna! });
  await engine.advanceTo('2026-03-16T09:00:00.000Z');
  const handler = createConsole({
    engine,
    basePath: options.basePath ?? '',
    actor: (request) => actors[switchedUserId(request) ?? 'anna'] ?? null,
    switchUser: { users: people.map((p) => p.id) },
  });
  return { engine, notifier, handler };
}
