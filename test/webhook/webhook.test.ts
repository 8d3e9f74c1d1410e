import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { createWebhookNotifier, verifyWebhookSignature, webhookAction, type WebhookNotifierOptions } from '../../src/webhook/index.js';
import { salesPipeline } from '../helpers.js';

const SECRET = 'shh-its-a-secret';

type Reply = { status: number; body?: string } | 'hang';
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

/** A real node:http server on 127.0.0.1 that answers each request as `reply` says. */
class Receiver {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  url = '';
  constructor(private readonly reply: (n: number, r: Received) => Reply = () => ({ status: 200 })) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' };
        this.requests.push(r);
        const answer = this.reply(this.requests.length, r);
        if (answer === 'hang') return; // never answers
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/deals`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const origin = (hook: Receiver) => new URL(hook.url).origin;

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});
async function receiver(reply?: (n: number, r: Received) => Reply): Promise<Receiver> {
  const r = await new Receiver(reply).start();
  receivers.push(r);
  return r;
}

const users = () =>
  new InMemoryDirectory([
    { id: 'anna', name: 'Anna', email: 'anna@example.test', managerId: 'maria' },
    { id: 'maria', name: 'Maria' },
  ]);
const tellOwner: RuleInput = {
  id: 'tell',
  trigger: { type: 'deal.created' },
  actions: [{ id: 'owner', type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'A new deal' } }],
};

function engineFor(url: WebhookNotifierOptions['url'], extra: Record<string, unknown> = {}, timeoutMs = 2000) {
  const notifier = createWebhookNotifier({ url, secret: SECRET, timeoutMs });
  return createTestEngine({
    pipelines: [salesPipeline],
    rules: [tellOwner],
    directory: users(),
    notifier,
    start: '2026-03-02T09:00:00.000Z',
    retry: { baseDelayMs: 60_000, jitter: 0 },
    ...extra,
  });
}

const newDeal = { id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery', amount: 4000 };
const outboxHistory = async (engine: ReturnType<typeof engineFor>) =>
  (await engine.history('D-1')).filter((e) => e.type.startsWith('outbox.')).map((e) => `${e.type} ${String(e.data.attempt)}`);

describe('dealflow/webhook against a real node:http server on 127.0.0.1', () => {
  it('POSTs signed JSON with the idempotency key; the signature verifies, and fails for a changed body or secret', async () => {
    const hook = await receiver();
    const engine = engineFor(hook.url);
    await engine.createDeal(newDeal);

    expect(hook.requests).toHaveLength(1);
    const { headers, body, path } = hook.requests[0]!;
    expect(path).toBe('/hooks/deals');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-dealflow-idempotency-key']).toBe('enrolment-1:owner->anna');
    expect(headers['x-dealflow-attempt']).toBe('1');
    expect(JSON.parse(body)).toMatchObject({
      id: 'enrolment-1:owner->anna',
      type: 'notification',
      recipient: { id: 'anna', name: 'Anna', email: 'anna@example.test' },
      template: 'deal.new',
      text: 'A new deal',
      dealId: 'D-1',
      ruleId: 'tell',
      data: { deal: { id: 'D-1', title: 'Bakery', amount: 4000 } },
    });
    const signed = { secret: SECRET, timestamp: headers['x-dealflow-timestamp'] as string, signature: headers['x-dealflow-signature'] as string };
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ ...signed, body })).toBe(true);
    expect(verifyWebhookSignature({ ...signed, body: body.replace('Bakery', 'Bakerz') })).toBe(false);
    expect(verifyWebhookSignature({ ...signed, body, secret: 'wrong' })).toBe(false);
    expect(verifyWebhookSignature({ ...signed, body, now: new Date(Date.now() + 3_600_000) })).toBe(false); // a replay an hour later
  });

  it('500 twice, then 200: retried with backoff, delivered once, the same body each time', async () => {
    const hook = await receiver((n) => (n <= 2 ? { status: 500, body: 'database is down' } : { status: 200 }));
    const engine = engineFor(hook.url);
    await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });

    expect(hook.requests.map((r) => r.headers['x-dealflow-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    expect(await outboxHistory(engine)).toEqual(['outbox.failed 1', 'outbox.failed 2', 'outbox.delivered 3']);
    const failed = (await engine.history('D-1')).find((e) => e.type === 'outbox.failed')!;
    // The status and a short hash of the body, never the body: sellers read the deal's history.
    expect(failed.data.error).toBe(`webhook ${origin(hook)} answered 500 (body 16 bytes, sha256 ${sha256('database is down').slice(0, 12)})`);
  });

  it('400: dead letter at once, no retry', async () => {
    const hook = await receiver(() => ({ status: 400, body: 'unknown field "dealId"' }));
    const engine = engineFor(hook.url);
    await engine.createDeal(newDeal);
    await engine.advance({ days: 1 });

    expect(hook.requests).toHaveLength(1);
    expect(await outboxHistory(engine)).toEqual(['outbox.dead 1']);
    expect((await engine.deadLetters())[0]).toMatchObject({
      attempts: 1,
      lastError: `webhook ${origin(hook)} answered 400 (body 22 bytes, sha256 ${sha256('unknown field "dealId"').slice(0, 12)})`,
    });
  });

  it('429 and 503 are retried like 5xx', async () => {
    const hook = await receiver((n) => (n === 1 ? { status: 429 } : n === 2 ? { status: 503 } : { status: 204 }));
    const engine = engineFor(hook.url);
    await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });
    expect(await outboxHistory(engine)).toEqual(['outbox.failed 1', 'outbox.failed 2', 'outbox.delivered 3']);
  });

  it('a hanging server: the attempt times out and the retry delivers', async () => {
    const hook = await receiver((n) => (n === 1 ? 'hang' : { status: 200 }));
    const engine = engineFor(hook.url, {}, 300);
    await engine.createDeal(newDeal);
    const first = (await engine.history('D-1')).filter((e) => e.type === 'outbox.failed');
    expect(first.map((e) => e.data.error)).toEqual([`webhook ${origin(hook)} timed out after 300 ms`]);
    await engine.advance({ hours: 1 });
    expect(hook.requests).toHaveLength(2);
    expect(await outboxHistory(engine)).toEqual(['outbox.failed 1', 'outbox.delivered 2']);
  });

  it('connection refused is a network error: retried, not dead', async () => {
    const hook = await receiver();
    const url = hook.url;
    await hook.stop();
    const engine = engineFor(url, { retry: { baseDelayMs: 60_000, jitter: 0, maxAttempts: 3 } });
    await engine.createDeal(newDeal);
    await engine.advance({ minutes: 5 });
    const history = (await engine.history('D-1')).filter((e) => e.type.startsWith('outbox.'));
    expect(history.map((e) => e.type)).toEqual(['outbox.failed', 'outbox.failed', 'outbox.dead']);
    expect(history[0]!.data.error).toMatch(/ECONNREFUSED/);
    expect(history[2]!.data.reason).toBe('max-attempts');
  });

  it('an invalid URL is a logged failure and a dead letter; the rest of the batch is delivered', async () => {
    const hook = await receiver();
    const urls: Record<string, string> = { anna: 'not a url', maria: hook.url };
    const rules: RuleInput[] = [
      {
        id: 'both',
        trigger: { type: 'deal.created' },
        actions: [
          { id: 'owner', type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'A new deal' } },
          { id: 'manager', type: 'notify', params: { to: 'manager', template: 'deal.new', text: 'A new deal' } },
        ],
      },
    ];
    const engine = engineFor((m) => urls[m.recipient.id], { rules });
    await engine.createDeal(newDeal);
    expect(hook.requests.map((r) => r.headers['x-dealflow-idempotency-key'])).toEqual(['enrolment-1:manager->maria']);
    const dead = (await engine.history('D-1')).filter((e) => e.type === 'outbox.dead');
    expect(dead.map((e) => [e.data.key, e.data.error])).toEqual([['enrolment-1:owner->anna', 'invalid webhook URL (not a URL)']]);
  });

  it('webhookAction: a rule posts the deal through the outbox, signed with the wall clock although the engine runs on a fake one', async () => {
    const hook = await receiver();
    const rules: RuleInput[] = [
      { id: 'won', trigger: { type: 'stage.entered', stage: 'won' }, actions: [{ id: 'post', type: 'webhook', params: { url: hook.url, event: 'deal.won' } }] },
    ];
    const engine = createTestEngine({
      pipelines: [salesPipeline],
      rules,
      actions: [webhookAction({ secret: SECRET })],
      directory: users(),
      start: '2026-03-02T09:00:00.000Z',
    });
    await engine.createDeal(newDeal);
    await engine.moveDeal('D-1', 'won');

    const { headers, body } = hook.requests[0]!;
    expect(JSON.parse(body)).toMatchObject({ id: 'enrolment-1:post', type: 'action', event: 'deal.won', ruleId: 'won', deal: { id: 'D-1', stageId: 'won' } });
    const signed = { secret: SECRET, timestamp: headers['x-dealflow-timestamp'] as string, signature: headers['x-dealflow-signature'] as string, body };
    // Regression: the action signed with the engine's clock, so a receiver checking the timestamp
    // against its own (wall) clock refused every call made on a fake clock as a replay.
    expect(Math.abs(Number(signed.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifyWebhookSignature(signed)).toBe(true);

    const bad: RuleInput[] = [{ id: 'bad', trigger: { type: 'deal.created' }, actions: [{ type: 'webhook', params: { url: 'ftp://files.example.test' } }] }];
    expect(() => engine.setRules(bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES', issues: [expect.objectContaining({ path: '$[0].actions[0].params.url' })] }),
    );
  });
});
