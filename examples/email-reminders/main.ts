/**
 * The 5-day proposal rule, sent by email: reminders go to the owners one by one, and the
 * manager gets one morning digest of the deals that missed the 5 days. A real SMTP server on
 * 127.0.0.1 (started here) receives the mail; the engine runs on a fake clock, so a week passes
 * in a second. Run with `npx tsx examples/email-reminders/main.ts`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createEmailNotifier } from '../../src/email/index.js';
import type { RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { proposalDirectory, proposalPipeline, proposalRules } from '../proposal-deadline/setup.js';
import { templates } from './templates.js';

// ---- a local SMTP server that keeps what arrives -----------------------------------------------
interface Arrived {
  at: string;
  to: string;
  subject: string;
  key: string;
  body: string;
}
const arrived: Arrived[] = [];
let now = () => '';
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, done) {
    let raw = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (raw += chunk));
    stream.on('end', () => {
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head.replace(/\r\n\s+/g, ' '))?.[1] ?? '';
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      arrived.push({ at: now(), to, subject: header('Subject'), key: header('X-Dealflow-Idempotency-Key'), body: rest.join('\r\n\r\n') });
      done();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const port = (smtp.server.address() as AddressInfo).port;

// ---- the engine: the seed rule, with the manager's escalation as a morning digest --------------
const rules = structuredClone(proposalRules) as RuleInput[];
const escalate = rules[0]!.actions.find((a) => a.id === 'escalate')!;
escalate.params = { ...escalate.params, digest: 'manager-morning' };

const directory = proposalDirectory();
directory.add({ id: 'maria', name: 'Maria (head of sales)', email: 'maria@example.test', roles: ['manager'], timezone: 'Europe/Berlin' });

const notifier = createEmailNotifier({
  transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
  from: '"Sales robot" <robot@crm.example.test>',
  templates,
});
const engine = createTestEngine({
  pipelines: [proposalPipeline],
  rules,
  directory,
  notifier,
  digests: { 'manager-morning': { daily: '09:00' } },
  start: '2026-03-02T08:00:00.000Z',
});
now = () => engine.clock.now().toISOString().slice(0, 16).replace('T', ' ');

// ---- a week of deals ---------------------------------------------------------------------------
await engine.createDeal({ id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery POS', amount: 4_000, currency: 'EUR' });
await engine.createDeal({ id: 'D-2', pipelineId: 'sales', ownerId: 'boris', title: 'Florist website', amount: 7_500, currency: 'EUR' });
await engine.advance({ hours: 3 });
await engine.createDeal({ id: 'D-3', pipelineId: 'sales', ownerId: 'anna', title: 'Dental clinic CRM', amount: 3_000, currency: 'EUR' });
await engine.advance({ days: 2 });
await engine.updateDeal('D-1', { fields: { proposalSentAt: engine.clock.now().toISOString() } });
await engine.advance({ days: 5 });

// ---- what arrived ------------------------------------------------------------------------------
console.log(`Mail received by the SMTP server on 127.0.0.1:${port} (times are the fake clock's, UTC)\n`);
for (const mail of arrived) {
  console.log(`${mail.at}  to ${mail.to.padEnd(20)} ${mail.subject}`);
  console.log(`${' '.repeat(18)}key ${mail.key}`);
  if (mail.key.startsWith('digest:')) {
    for (const line of mail.body.trimEnd().split('\r\n')) console.log(`${' '.repeat(18)}| ${line}`);
  }
}
const keys = new Set(arrived.map((m) => m.key));
const dead = await engine.deadLetters();
console.log(`\n${arrived.length} mails, ${keys.size} idempotency keys, ${dead.length} dead letters`);
console.log(keys.size === arrived.length ? 'every message arrived exactly once' : 'DUPLICATES ARRIVED');

await notifier.close();
await new Promise<void>((resolve) => smtp.close(() => resolve()));
