import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier, type EmailNotifierOptions } from '../../src/email/index.js';
import { InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { salesPipeline } from '../helpers.js';
import { SmtpReceiver } from './smtp-receiver.js';

const users = () =>
  new InMemoryDirectory([
    { id: 'anna', name: 'Anna', email: 'anna@example.test', managerId: 'maria' },
    { id: 'boris', name: 'Boris', email: 'boris@example.test', managerId: 'maria' },
    { id: 'maria', name: 'Maria', email: 'maria@example.test' },
    { id: 'nomail', name: 'No Mail' },
    { id: 'gone', name: 'Gone', email: 'gone@nowhere.test' },
  ]);

const welcome: RuleInput = {
  id: 'welcome',
  name: 'Welcome the owner',
  trigger: { type: 'deal.created' },
  actions: [{ id: 'tell-owner', type: 'notify', params: { to: 'owner', template: 'deal.assigned', data: { priority: 'high' } } }],
};

const templates: EmailNotifierOptions['templates'] = {
  'deal.assigned': {
    subject: 'New deal for you: {{deal.title}}',
    text: 'Hello {{recipient.name}},\n\n{{deal.title}} ({{deal.amount}} {{deal.currency}}) is yours. Priority: {{priority}}.\n',
    html: '<p>Hello {{recipient.name}}, <b>{{deal.title}}</b> is yours.</p>',
  },
  'needs.customer': { subject: 'Call {{deal.customer}}', text: 'Call {{deal.customer}} today.' },
};

const receivers: SmtpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver(reject?: (address: string) => boolean): Promise<SmtpReceiver> {
  const r = await new SmtpReceiver(reject).start();
  receivers.push(r);
  return r;
}

function engineFor(port: number, rules: RuleInput[] = [welcome], extra: Record<string, unknown> = {}) {
  const notifier = createEmailNotifier({
    transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000, greetingTimeout: 2000 },
    from: '"Dealflow robot" <robot@crm.example.test>',
    templates,
  });
  return createTestEngine({ pipelines: [salesPipeline], rules, directory: users(), notifier, start: '2026-03-02T09:00:00.000Z', ...extra });
}

describe('dealflow/email against a real SMTP server on 127.0.0.1', () => {
  it('sends the rendered template with the right headers, and the idempotency key as a header', async () => {
    const smtp = await receiver();
    const engine = engineFor(smtp.port);
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Bakery & Café POS', amount: 4000, currency: 'EUR' });

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('robot@crm.example.test');
    expect(mail.to).toEqual(['anna@example.test']);
    expect(mail.headers.from).toBe('Dealflow robot <robot@crm.example.test>');
    expect(mail.headers.to).toBe('anna@example.test');
    expect(mail.headers['x-dealflow-idempotency-key']).toBe('enrolment-1:tell-owner->anna');
    expect(mail.headers['x-dealflow-template']).toBe('deal.assigned');
    expect(mail.headers['x-dealflow-deal']).toBe(deal.id);
    expect(mail.headers['message-id']).toMatch(/^<[0-9a-f]{32}@crm\.example\.test>$/);
    expect(mail.headers.subject).toBe('New deal for you: Bakery & Café POS');
    expect(mail.body).toContain('Hello Anna,');
    expect(mail.body).toContain('(4000 EUR) is yours. Priority: high.');
    expect(mail.body).toContain('<b>Bakery &amp; Caf'); // HTML values are escaped; the text part is not
    expect((await engine.history(deal.id)).at(-1)).toMatchObject({ type: 'outbox.delivered', data: { attempt: 1, recipientId: 'anna' } });
  });

  it('takes a transporter the host built with nodemailer', async () => {
    const smtp = await receiver();
    const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
    const notifier = createEmailNotifier({ transport: transporter, from: 'robot@crm.example.test', headers: { 'X-Tenant': 'acme' } });
    const engine = createTestEngine({ pipelines: [salesPipeline], rules: [welcome], directory: users(), notifier });
    await engine.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist', amount: 1 });
    // No template configured for deal.assigned here and the notify has no text: a clear dead letter, not an empty mail.
    expect(smtp.mails).toEqual([]);
    expect((await engine.deadLetters())[0]?.lastError).toBe('no email template "deal.assigned" is configured and the message has no text');

    const withText: RuleInput = {
      ...welcome,
      actions: [{ id: 'tell-owner', type: 'notify', params: { to: 'owner', template: 'deal.assigned', subject: 'Yours', text: 'A deal is yours.' } }],
    };
    const again = createTestEngine({ pipelines: [salesPipeline], rules: [withText], directory: users(), notifier });
    await again.createDeal({ pipelineId: 'sales', ownerId: 'boris', title: 'Florist', amount: 1 });
    expect(smtp.mails.map((m) => [m.to, m.headers.subject, m.headers['x-tenant'], m.body.trim()])).toEqual([
      [['boris@example.test'], 'Yours', 'acme', 'A deal is yours.'],
    ]);
    transporter.close();
  });

  it('dead-letters what cannot be sent — no address, unknown user, a missing template value, a 550 — and delivers the rest of the batch', async () => {
    const smtp = await receiver((address) => address.endsWith('@nowhere.test'));
    const rules: RuleInput[] = [
      {
        id: 'fanout',
        trigger: { type: 'deal.created' },
        actions: [
          { id: 'no-address', type: 'notify', params: { to: { user: 'nomail' }, template: 'deal.assigned', data: { priority: 'low' } } },
          { id: 'unknown', type: 'notify', params: { to: { user: 'ghost' }, template: 'deal.assigned', data: { priority: 'low' } } },
          { id: 'missing-value', type: 'notify', params: { to: 'owner', template: 'needs.customer' } },
          { id: 'rejected', type: 'notify', params: { to: { user: 'gone' }, template: 'deal.assigned', data: { priority: 'low' } } },
          { id: 'no-template', type: 'notify', params: { to: 'owner', template: 'not.configured' } },
          { id: 'fine', type: 'notify', params: { to: 'manager', template: 'deal.assigned', data: { priority: 'low' } } },
        ],
      },
    ];
    const engine = engineFor(smtp.port, rules);
    const deal = await engine.createDeal({ pipelineId: 'sales', ownerId: 'anna', title: 'Florist', amount: 100 });

    expect(smtp.mails.map((m) => m.to)).toEqual([['maria@example.test']]);
    const dead = await engine.deadLetters();
    expect(Object.fromEntries(dead.map((m) => [m.key.split(':')[1]!.split('->')[0], m.lastError]))).toEqual({
      'no-address': 'recipient "nomail" has no email address',
      unknown: 'recipient "ghost" is not in the directory',
      'missing-value': 'email template "needs.customer" (subject) has no value for "deal.customer"',
      rejected: expect.stringMatching(/^SMTP: 550 .*gone@nowhere\.test/),
      'no-template': 'no email template "not.configured" is configured and the message has no text',
    });
    expect(dead.every((m) => m.attempts === 1)).toBe(true);
    const logged = (await engine.history(deal.id)).filter((e) => e.type === 'outbox.dead');
    expect(logged.map((e) => e.data.reason)).toEqual(['permanent', 'permanent', 'permanent', 'permanent', 'permanent']);
  });

  it('SMTP down for a simulated hour: every message is delivered after it returns, none twice', async () => {
    const smtp = await receiver();
    const port = smtp.port;
    await smtp.stop(); // nothing listens on the port now: connection refused

    const engine = engineFor(port, [welcome], { retry: { baseDelayMs: 60_000, maxDelayMs: 15 * 60_000, jitter: 0.5, maxAttempts: 20 } });
    const owners = ['anna', 'boris', 'anna', 'boris', 'anna'];
    for (const [i, ownerId] of owners.entries()) {
      await engine.createDeal({ id: `D-${i + 1}`, pipelineId: 'sales', ownerId, title: `Deal ${i + 1}`, amount: 100 });
    }
    await engine.advance({ hours: 1 });
    const failedDuringOutage = (await engine.outbox()).map((m) => [m.status, m.attempts > 1]);
    expect(failedDuringOutage).toEqual(owners.map(() => ['pending', true]));

    await smtp.start(port); // back, on the same port
    await engine.advance({ hours: 1 });

    const keys = owners.map((o, i) => `enrolment-${i + 1}:tell-owner->${o}`);
    expect(smtp.countByKey()).toEqual(Object.fromEntries(keys.map((k) => [k, 1])));
    expect((await engine.outbox()).map((m) => m.status)).toEqual(owners.map(() => 'delivered'));
    const history = await engine.history('D-1');
    const attempts = history.filter((e) => e.type.startsWith('outbox.'));
    expect(attempts.at(-1)!.type).toBe('outbox.delivered');
    expect(attempts.slice(0, -1).every((e) => e.type === 'outbox.failed' && /ECONNREFUSED|connect/i.test(String(e.data.error)))).toBe(true);
  });

  it('renders a digest through its template: one mail listing the items by rule and deal', async () => {
    const smtp = await receiver();
    const rules: RuleInput[] = [
      {
        id: 'new',
        name: 'New deals',
        trigger: { type: 'deal.created' },
        actions: [{ type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'New deal {{title}}', digest: 'hourly' } }],
      },
    ];
    const notifier = createEmailNotifier({
      transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
      from: 'robot@crm.example.test',
      templates: {
        digest: {
          subject: '{{digest.count}} new deals',
          text: '{{#groups}}{{ruleName}}:\n{{#deals}}- {{dealId}} {{title}}\n{{/deals}}{{/groups}}',
        },
      },
    });
    const engine = createTestEngine({ pipelines: [salesPipeline], rules, directory: users(), notifier, start: '2026-03-02T09:00:00.000Z' });
    await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Alpha', amount: 1 });
    await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Beta', amount: 1 });
    expect(smtp.mails).toEqual([]);
    await engine.advance({ hours: 1 });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.headers.subject).toBe('2 new deals');
    expect(smtp.mails[0]!.body).toContain('New deals:\r\n- D-1 Alpha\r\n- D-2 Beta');
    expect(smtp.mails[0]!.headers['x-dealflow-idempotency-key']).toBe('digest:hourly:maria:2026-03-02T10:00:00.000Z');
  });
});
