import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DealflowError, InMemoryDirectory, type RuleInput } from '../../src/index.js';
import { createTestEngine } from '../../src/testing/index.js';
import {
  createWebhookNotifier,
  PRIVATE_NETWORKS,
  postWebhook,
  TargetPolicy,
  webhookAction,
  type WebhookOptions,
  type WebhookTargets,
} from '../../src/webhook/index.js';
import { salesPipeline } from '../helpers.js';

// Regression (issue: webhooks): rule text could point a webhook at any address, the cloud
// metadata service 169.254.169.254 included, and a failed call's URL path (which may carry a
// token) and response body landed in the deal's history, which its seller reads.

const SECRET = 'shh';
let server: Server;
let port = 0;
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (url: string, extra: Partial<WebhookOptions> = {}) =>
  postWebhook(url, { hello: 1 }, { secret: SECRET, idempotencyKey: 'k', attempt: 1, timeoutMs: 2000, ...extra });
const refusal = async (url: string, targets?: WebhookTargets) => {
  const before = hits;
  const error = await post(url, targets ? { targets } : {}).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(hits, `${url} must not be requested`).toBe(before);
  return error;
};

describe('webhook targets', () => {
  it('refuses link-local addresses by default, however they are written', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://2852039166/', // 169.254.169.254 as one number
      'http://0xa9fea9fe/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
      'http://[fe80::1]/',
    ]) {
      const error = await refusal(url);
      expect(error?.name, url).toBe('PermanentDeliveryError');
      expect(error?.message, url).toMatch(/refused: .*link-local/);
    }
  });

  it('checks the addresses a name resolves to, not only the name', async () => {
    const error = await refusal(`http://localhost:${port}/x`, { deny: ['127.0.0.0/8', '::1/128'] });
    expect(error?.message).toMatch(/refused: localhost \((127\.0\.0\.1|::1)\) is in a denied range/);
  });

  it('private ranges close with one line; loopback and public stay open by default', async () => {
    await post(`http://127.0.0.1:${port}/`);
    for (const url of [
      `http://127.0.0.1:${port}/`,
      'http://10.1.2.3/',
      'http://192.168.0.10/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      `http://localhost:${port}/`,
    ]) {
      expect((await refusal(url, { deny: PRIVATE_NETWORKS }))?.message, url).toMatch(/in a denied range/);
    }
  });

  it('an allow list lets through only its names and ranges; deny wins over allow', async () => {
    await post(`http://127.0.0.1:${port}/`, { targets: { allow: ['127.0.0.0/8'] } });
    await post(`http://localhost:${port}/`, { targets: { allow: ['localhost'] } });
    expect((await refusal(`http://127.0.0.1:${port}/`, { allow: ['hooks.example.test', '*.example.test', '10.0.0.0/8'] }))?.message).toMatch(
      /not in the webhook allow list/,
    );
    expect((await refusal(`http://127.0.0.1:${port}/`, { allow: ['127.0.0.0/8'], deny: ['127.0.0.1'] }))?.message).toMatch(/denied range/);
    // Link-local only when an allow range names it.
    expect(new TargetPolicy({ allow: ['169.254.169.254/32'] }).nameProblem('169.254.169.254')).toBeUndefined();
    expect(new TargetPolicy({ allow: ['*.example.test'] }).nameProblem('169.254.169.254')).toMatch(/link-local/);
    expect(new TargetPolicy({ deny: ['*.internal.test'] }).nameProblem('a.b.internal.test')).toMatch(/deny list/);
  });

  it('bad list entries are INVALID_CONFIG with their path', () => {
    for (const entry of ['10.0.0.0/33', 'not a host', '/8', '1.2.3.4/', 'fe80::/129']) {
      const error = (() => {
        try {
          createWebhookNotifier({ url: 'http://x.test', secret: SECRET, targets: { deny: [entry] } });
        } catch (e) {
          return e;
        }
      })();
      expect(error, entry).toBeInstanceOf(DealflowError);
      expect((error as DealflowError).code).toBe('INVALID_CONFIG');
      expect((error as DealflowError).issues[0]?.path).toBe('$.targets.deny[0]');
    }
    expect(() => webhookAction({ secret: '' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('a webhook action at a link-local or denied address is refused when the rules are parsed', () => {
    const rule = (url: string): RuleInput[] => [{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'webhook', params: { url } }] }];
    const engine = (targets?: WebhookTargets) =>
      createTestEngine({ pipelines: [salesPipeline], actions: [webhookAction({ secret: SECRET, ...(targets ? { targets } : {}) })] });
    expect(() => engine().setRules(rule('http://169.254.169.254/latest/meta-data/iam'))).toThrow(
      expect.objectContaining({
        code: 'INVALID_RULES',
        issues: [expect.objectContaining({ path: '$[0].actions[0].params.url', message: expect.stringMatching(/link-local/) })],
      }),
    );
    expect(() => engine({ deny: PRIVATE_NETWORKS }).setRules(rule('http://10.0.0.7/hook'))).toThrow(expect.objectContaining({ code: 'INVALID_RULES' }));
    expect(() => engine({ deny: ['erp.example.test'] }).setRules(rule('https://erp.example.test/won'))).toThrow(
      expect.objectContaining({ code: 'INVALID_RULES' }),
    );
    expect(() => engine().setRules(rule('https://erp.example.test/won'))).not.toThrow();
  });

  it('a notification to a refused address dead-letters at once; the history names only the origin', async () => {
    const engine = createTestEngine({
      pipelines: [salesPipeline],
      rules: [{ id: 'tell', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't', text: 'x' } }] }],
      directory: new InMemoryDirectory([{ id: 'anna' }]),
      notifier: createWebhookNotifier({ url: 'http://169.254.169.254/services/T0/B0/SECRET-TOKEN', secret: SECRET }),
    });
    await engine.createDeal({ id: 'D', pipelineId: 'sales', ownerId: 'anna' });
    const dead = (await engine.history('D')).filter((e) => e.type.startsWith('outbox.'));
    expect(dead.map((e) => e.type)).toEqual(['outbox.dead']);
    expect(dead[0]!.data.error).toMatch(/^webhook http:\/\/169\.254\.169\.254 refused: 169\.254\.169\.254 is a link-local address/);
    expect(JSON.stringify(await engine.history('D'))).not.toContain('SECRET-TOKEN');
  });
});
