import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import { createWebhookNotifier, standardWebhookSecret, verifyWebhookSignature, webhookAction, type WebhookScheme } from '../../src/webhook/index.js';
import { salesPipeline } from '../helpers.js';

/**
 * The Standard Webhooks scheme, checked by the scheme's own reference verifier (the
 * `standardwebhooks` package) against requests a real node:http server on 127.0.0.1 received.
 */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** Starts a receiver answering 200, or `statuses[n]` for the n-th request; returns its URL and what it received. */
async function receiver(statuses: number[] = []): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses[requests.length - 1] ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, requests };
}

const tellOwner: RuleInput = {
  id: 'tell',
  trigger: { type: 'deal.created' },
  actions: [{ id: 'owner', type: 'notify', params: { to: 'owner', template: 'deal.new', text: 'Ein neuer Deal für Bäckerei Müller' } }],
};
const newDeal = { id: 'D-1', pipelineId: 'sales', ownerId: 'anna', title: 'Bäckerei', amount: 4000 };

function engineFor(url: string, secret: string, scheme?: WebhookScheme) {
  return createTestEngine({
    pipelines: [salesPipeline],
    rules: [tellOwner],
    directory: new InMemoryDirectory([{ id: 'anna', name: 'Anna', email: 'anna@example.test' }]),
    notifier: createWebhookNotifier({ url, secret, scheme }),
    start: '2026-03-02T09:00:00.000Z',
    retry: { baseDelayMs: 60_000, jitter: 0 },
  });
}

/** The headers as the reference verifier takes them (single string values). */
const plain = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

describe("Standard Webhooks: the reference verifier accepts dealflow's signatures", () => {
  it("scheme 'standard' with a whsec_ secret: webhook-id/timestamp/signature verify; a changed body, id or secret does not", async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const hook = await receiver();
    await engineFor(hook.url, secret, 'standard').createDeal(newDeal);

    expect(hook.requests).toHaveLength(1);
    const { headers, body } = hook.requests[0]!;
    expect(headers['webhook-id']).toBe('enrolment-1:owner->anna');
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // Only the chosen scheme's signature: no x-dealflow-signature to confuse a receiver.
    expect(headers['x-dealflow-signature']).toBeUndefined();
    expect(headers['x-dealflow-idempotency-key']).toBe('enrolment-1:owner->anna');

    const verifier = new Webhook(secret);
    expect(verifier.verify(body, plain(headers))).toMatchObject({ type: 'notification', text: 'Ein neuer Deal für Bäckerei Müller' });
    expect(() => verifier.verify(body.replace('Müller', 'Muller'), plain(headers))).toThrow(WebhookVerificationError);
    expect(() => verifier.verify(body, { ...plain(headers), 'webhook-id': 'enrolment-2:owner->anna' })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, plain(headers))).toThrow(WebhookVerificationError);
  });

  it('a retry keeps the webhook-id and signs again with a fresh timestamp, which verifies', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await receiver([503]);
    const engine = engineFor(hook.url, secret, 'standard');
    await engine.createDeal(newDeal);
    await engine.advance({ hours: 1 });

    expect(hook.requests).toHaveLength(2);
    expect(new Set(hook.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(['enrolment-1:owner->anna']));
    for (const r of hook.requests) expect(() => new Webhook(secret).verify(r.body, plain(r.headers))).not.toThrow();
  });

  it("scheme 'both' with a plain-text secret: the x-dealflow signature and the standard one both verify", async () => {
    const secret = 'shh-its-a-secret';
    const hook = await receiver();
    await engineFor(hook.url, secret, 'both').createDeal(newDeal);

    const { headers, body } = hook.requests[0]!;
    expect(
      verifyWebhookSignature({ secret, body, timestamp: String(headers['x-dealflow-timestamp']), signature: String(headers['x-dealflow-signature']) }),
    ).toBe(true);
    expect(standardWebhookSecret(secret)).toBe(`whsec_${Buffer.from(secret).toString('base64')}`);
    expect(() => new Webhook(standardWebhookSecret(secret)).verify(body, plain(headers))).not.toThrow();
    expect(headers['webhook-timestamp']).toBe(headers['x-dealflow-timestamp']);
  });

  it('the default stays the x-dealflow headers only', async () => {
    const hook = await receiver();
    await engineFor(hook.url, 'shh').createDeal(newDeal);
    const { headers } = hook.requests[0]!;
    expect(headers['x-dealflow-signature']).toMatch(/^sha256=/);
    expect(Object.keys(headers).filter((h) => h.startsWith('webhook-'))).toEqual([]);
  });

  it('webhookAction signs with the standard scheme too', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const hook = await receiver();
    const engine = createTestEngine({
      pipelines: [salesPipeline],
      rules: [
        {
          id: 'won',
          trigger: { type: 'stage.entered', stage: 'won' },
          actions: [{ id: 'post', type: 'webhook', params: { url: hook.url, event: 'deal.won' } }],
        },
      ],
      actions: [webhookAction({ secret, scheme: 'standard' })],
      start: '2026-03-02T09:00:00.000Z',
    });
    await engine.createDeal(newDeal);
    await engine.moveDeal('D-1', 'won');
    const { headers, body } = hook.requests[0]!;
    expect(new Webhook(secret).verify(body, plain(headers))).toMatchObject({ type: 'action', event: 'deal.won', deal: { id: 'D-1' } });
  });

  it('a bad scheme or a whsec_ secret that is not base64 is INVALID_CONFIG, with how to fix it', () => {
    const url = 'https://hooks.example.test/';
    expect(() => createWebhookNotifier({ url, secret: 's', scheme: 'svix' as WebhookScheme })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('not one of dealflow, standard, both') }),
    );
    for (const secret of ['whsec_', 'whsec_not base64!']) {
      expect(() => createWebhookNotifier({ url, secret, scheme: 'standard' })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('drop the `whsec_` prefix') }),
      );
      expect(() => webhookAction({ secret, scheme: 'both' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
    // The x-dealflow scheme uses the secret as text, whatever it looks like.
    expect(() => createWebhookNotifier({ url, secret: 'whsec_not base64!' })).not.toThrow();
  });
});
