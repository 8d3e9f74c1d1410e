/**
 * `dealflow/webhook`: POSTs JSON to a URL, signed with HMAC-SHA256 over the timestamp and body,
 * with a timeout. A network error, a timeout, 408/425/429 or a 5xx fails the attempt and the
 * outbox retries it with backoff; any other 4xx, a redirect, an invalid URL or a refused target
 * (link-local, or outside the host's allow/deny lists) is permanent and dead-letters at once.
 * No dependencies beyond Node's http, https, dns and crypto.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../core/actions.js';
import { DealflowError } from '../model/errors.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { PermanentDeliveryError, type Notifier, type OutgoingMessage, type SendOptions } from '../ports/notifier.js';
import { checkWebhookScheme, signStandardWebhook, signWebhook, STANDARD_WEBHOOK_HEADERS, WEBHOOK_HEADERS, type WebhookScheme } from './sign.js';
import { TargetPolicy, type WebhookTargets } from './targets.js';

export {
  signStandardWebhook,
  signWebhook,
  STANDARD_WEBHOOK_HEADERS,
  standardWebhookSecret,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  WEBHOOK_SCHEMES,
  type VerifyWebhookInput,
  type WebhookScheme,
} from './sign.js';
export { LINK_LOCAL_NETWORKS, PRIVATE_NETWORKS, TargetPolicy, type WebhookTargets } from './targets.js';

/** What every signed webhook call needs: the secret, and optionally a timeout, headers, a clock and a fetch. */
export interface WebhookOptions {
  /**
   * The shared secret the receiver verifies the signature with. For the Standard Webhooks scheme,
   * `whsec_<base64>` is the base64 of the key's bytes (the scheme's convention); any other text is
   * the key as UTF-8, which receivers pass as `standardWebhookSecret(secret)`.
   */
  secret: string;
  /**
   * Which signature headers to send: `dealflow` (default: `x-dealflow-timestamp`,
   * `x-dealflow-signature`), `standard` (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
   * `webhook-signature`) or `both`. The idempotency-key and attempt headers go with every scheme.
   */
  scheme?: WebhookScheme;
  /** How long one attempt may take, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /**
   * Where the signature's timestamp comes from. Default: the wall clock, which receivers check it
   * against, for notifications and actions alike, also when the engine runs on a fake clock.
   */
  clock?: Clock;
  /**
   * Which hosts and ranges webhooks may reach (names, `*.` wildcards, addresses, CIDR ranges).
   * Link-local addresses (169.254.0.0/16, fe80::/10) are refused by default; `{ deny: PRIVATE_NETWORKS }`
   * keeps webhooks on public addresses. See WebhookTargets and docs/delivery.md.
   */
  targets?: WebhookTargets;
  /**
   * A fetch to send with instead of Node's http and https (tests, proxies). The target is still
   * checked, but a custom fetch resolves the name again itself, so it is not pinned to the checked
   * addresses.
   */
  fetch?: typeof fetch;
}

/** Options of one `postWebhook` call: the webhook options plus the message's key and attempt. */
export interface PostOptions extends WebhookOptions {
  idempotencyKey: string;
  attempt: number;
}

/** A failed attempt that may succeed later (network, timeout, 5xx); `status` is the HTTP status when there was one. */
export class WebhookError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookError';
  }
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

const policies = new WeakMap<WebhookTargets, TargetPolicy>();
const DEFAULT_POLICY = new TargetPolicy();

function policyFor(targets: WebhookTargets | undefined): TargetPolicy {
  if (!targets) return DEFAULT_POLICY;
  let policy = policies.get(targets);
  if (!policy) policies.set(targets, (policy = new TargetPolicy(targets)));
  return policy;
}

/** A reply as the history may show it: the status, and a short hash and the size of the body, never the body (the deal's history is readable by its sellers). */
interface Reply {
  status: number;
  hash: string;
  bytes: number;
}

function digest(hash: ReturnType<typeof createHash>, bytes: number): string {
  return bytes === 0 ? '' : ` (body ${bytes} bytes, sha256 ${hash.digest('hex').slice(0, 12)})`;
}

/** POSTs through node:http(s), connecting only to `addresses` (the ones the target policy checked). */
function send(
  target: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  addresses: Array<{ address: string; family: number }>,
): Promise<Reply> {
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        lookup: (_host, options, callback) => {
          const cb = callback as (e: Error | null, a: string | Array<{ address: string; family: number }>, f?: number) => void;
          if ((options as { all?: boolean }).all) cb(null, addresses);
          else cb(null, addresses[0]!.address, addresses[0]!.family);
        },
      },
      (res: IncomingMessage) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, hash: digest(hash, bytes), bytes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function sendWithFetch(fetchFn: typeof fetch, target: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Reply> {
  const res = await fetchFn(target, { method: 'POST', headers, body, signal, redirect: 'manual' });
  const reply = Buffer.from(await res.arrayBuffer());
  const hash = createHash('sha256').update(reply);
  return { status: res.status, hash: digest(hash, reply.length), bytes: reply.length };
}

/** POSTs `payload` as JSON, signed; resolves on a 2xx and throws WebhookError or PermanentDeliveryError otherwise. */
export async function postWebhook(url: string, payload: unknown, options: PostOptions): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PermanentDeliveryError('invalid webhook URL (not a URL)');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new PermanentDeliveryError(`invalid webhook URL: ${target.protocol} is not supported, only http and https`);
  }
  // Name the endpoint by its origin only: a path or query may carry a token, and this message
  // lands in the deal's history.
  const where = target.origin;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const fail = (e: unknown): never => {
    const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
    if (signal.aborted) throw new WebhookError(`webhook ${where} timed out after ${timeoutMs} ms`, null, { cause: e });
    throw new WebhookError(`webhook ${where} failed: ${err.code ?? err.cause?.code ?? err.cause?.message ?? err.message}`, null, { cause: e });
  };
  let checked: Awaited<ReturnType<TargetPolicy['resolve']>>;
  try {
    checked = await policyFor(options.targets).resolve(target.hostname);
  } catch (e) {
    return fail(e);
  }
  if ('refused' in checked) throw new PermanentDeliveryError(`webhook ${where} refused: ${checked.refused}`);
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor((options.clock ?? systemClock).now().getTime() / 1000));
  const scheme = checkWebhookScheme(options.scheme, options.secret);
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'user-agent': 'dealflow-webhook',
    [WEBHOOK_HEADERS.idempotencyKey]: options.idempotencyKey,
    [WEBHOOK_HEADERS.attempt]: String(options.attempt),
  };
  if (scheme !== 'standard') {
    headers[WEBHOOK_HEADERS.timestamp] = timestamp;
    headers[WEBHOOK_HEADERS.signature] = signWebhook(options.secret, timestamp, body);
  }
  if (scheme !== 'dealflow') {
    // The message id is the idempotency key: the scheme wants it the same on every retry.
    headers[STANDARD_WEBHOOK_HEADERS.id] = options.idempotencyKey;
    headers[STANDARD_WEBHOOK_HEADERS.timestamp] = timestamp;
    headers[STANDARD_WEBHOOK_HEADERS.signature] = signStandardWebhook(options.secret, options.idempotencyKey, timestamp, body);
  }
  let reply: Reply;
  try {
    reply = options.fetch ? await sendWithFetch(options.fetch, target, headers, body, signal) : await send(target, headers, body, signal, checked.addresses);
  } catch (e) {
    return fail(e);
  }
  const { status } = reply;
  if (status >= 200 && status < 300) return;
  const what = `webhook ${where} answered ${status}${reply.hash}`;
  if (status >= 500 || RETRYABLE_4XX.has(status)) throw new WebhookError(what, status);
  throw new PermanentDeliveryError(status >= 300 && status < 400 ? `${what} (a redirect: configure the final URL)` : what);
}

/** Options of `createWebhookNotifier`: where to post, and how to sign. */
export interface WebhookNotifierOptions extends WebhookOptions {
  /** One URL for every notification, or a URL per message (e.g. from the recipient); undefined is permanent. */
  url: string | ((message: OutgoingMessage) => string | undefined | null);
}

/** The JSON body of a notification webhook. Stable per idempotency key: the attempt number is only in a header. */
export function notificationPayload(message: OutgoingMessage, idempotencyKey: string): Record<string, unknown> {
  const { id, name, email } = message.recipient;
  return {
    id: idempotencyKey,
    type: 'notification',
    recipient: { id, name: name ?? null, email: email ?? null },
    template: message.template,
    subject: message.subject,
    text: message.text,
    html: message.html ?? null,
    data: message.data,
    dealId: message.dealId,
    ruleId: message.ruleId,
    ...(message.items ? { items: message.items.map((i) => notificationPayload(i, idempotencyKey)) } : {}),
  };
}

/** A Notifier that POSTs each notification (or digest) to a URL. */
export class WebhookNotifier implements Notifier {
  constructor(private readonly options: WebhookNotifierOptions) {
    if (!options.secret) throw new DealflowError('INVALID_CONFIG', 'createWebhookNotifier needs a `secret` to sign requests with');
    checkWebhookScheme(options.scheme, options.secret);
    policyFor(options.targets);
  }

  /** POSTs one message; throws WebhookError (retried) or PermanentDeliveryError (dead letter). */
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    const url = typeof this.options.url === 'function' ? this.options.url(message) : this.options.url;
    if (!url) throw new PermanentDeliveryError(`no webhook URL for recipient "${message.recipient.id}"`);
    await postWebhook(url, notificationPayload(message, options.idempotencyKey), { ...this.options, ...options });
  }
}

/** Creates a WebhookNotifier: `createEngine({ notifier: createWebhookNotifier({ url, secret }) })`. */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  return new WebhookNotifier(options);
}

/** The params of the `webhook` action: `url` (http or https), an optional `event` name and `data`. */
export const WebhookActionParams = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }),
    /** A name for the receiver to switch on, e.g. `deal.won`. */
    event: z.string().min(1).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
/** The parsed params of the `webhook` action. */
export type WebhookActionParams = z.infer<typeof WebhookActionParams>;

/**
 * A rule action that POSTs the deal to a URL through the outbox (after commit, with retries):
 * `{ "type": "webhook", "params": { "url": "https://…", "event": "deal.won" } }`. Register it
 * with `createEngine({ actions: [webhookAction({ secret })] })`. A URL whose host the target
 * rules refuse by name (a link-local address, a denied host) is refused when rules are parsed;
 * one whose name resolves to a refused address dead-letters at delivery.
 */
export function webhookAction(options: WebhookOptions & { type?: string }): ActionDefinition<WebhookActionParams> {
  if (!options.secret) throw new DealflowError('INVALID_CONFIG', 'webhookAction needs a `secret` to sign requests with');
  checkWebhookScheme(options.scheme, options.secret);
  const policy = policyFor(options.targets);
  const params = WebhookActionParams.superRefine((p, ctx) => {
    const problem = policy.nameProblem(new URL(p.url).hostname);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: `refused webhook target: ${problem}` });
  });
  return defineAction<WebhookActionParams>({
    type: options.type ?? 'webhook',
    params,
    async execute(ctx, p) {
      const payload = {
        id: ctx.idempotencyKey,
        type: 'action',
        event: p.event ?? null,
        ruleId: ctx.ruleId,
        deal: ctx.deal,
        trigger: ctx.event,
        data: p.data ?? {},
      };
      // Signed with the wall clock (or the clock passed in the options), never the engine's: on a
      // fake or simulated clock the receiver would refuse the timestamp as a replay.
      await postWebhook(p.url, payload, { ...options, idempotencyKey: ctx.idempotencyKey, attempt: ctx.attempt });
    },
  });
}
