/**
 * `dealflow/webhook`: POSTs JSON to a URL, signed with HMAC-SHA256 over the timestamp and body,
 * with a timeout. A network error, a timeout, 408/425/429 or a 5xx fails the attempt and the
 * outbox retries it with backoff; any other 4xx, a redirect or an invalid URL is permanent and
 * dead-letters at once. No dependencies beyond Node's `fetch`.
 */
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../core/actions.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { PermanentDeliveryError, type Notifier, type OutgoingMessage, type SendOptions } from '../ports/notifier.js';
import { signWebhook, WEBHOOK_HEADERS } from './sign.js';

export { signWebhook, verifyWebhookSignature, WEBHOOK_HEADERS, type VerifyWebhookInput } from './sign.js';

/** What every signed webhook call needs: the secret, and optionally a timeout, headers, a clock and a fetch. */
export interface WebhookOptions {
  /** The shared secret the receiver verifies the signature with. */
  secret: string;
  /** How long one attempt may take, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /**
   * Where the signature's timestamp comes from. Default: the wall clock, which receivers check it
   * against, for notifications and actions alike, also when the engine runs on a fake clock.
   */
  clock?: Clock;
  /** The fetch to use. Default: the global one. */
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

/** POSTs `payload` as JSON, signed; resolves on a 2xx and throws WebhookError or PermanentDeliveryError otherwise. */
export async function postWebhook(url: string, payload: unknown, options: PostOptions): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PermanentDeliveryError(`invalid webhook URL "${url}"`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new PermanentDeliveryError(`invalid webhook URL "${url}": only http and https are supported`);
  }
  // Name the endpoint without its query, which may carry a token.
  const where = `${target.origin}${target.pathname}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor((options.clock ?? systemClock).now().getTime() / 1000));
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'user-agent': 'dealflow-webhook',
    [WEBHOOK_HEADERS.timestamp]: timestamp,
    [WEBHOOK_HEADERS.signature]: signWebhook(options.secret, timestamp, body),
    [WEBHOOK_HEADERS.idempotencyKey]: options.idempotencyKey,
    [WEBHOOK_HEADERS.attempt]: String(options.attempt),
  };
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number;
  let reply: string;
  try {
    const res = await (options.fetch ?? fetch)(target, { method: 'POST', headers, body, signal, redirect: 'manual' });
    status = res.status;
    reply = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (signal.aborted) throw new WebhookError(`webhook ${where} timed out after ${timeoutMs} ms`, null, { cause: e });
    throw new WebhookError(`webhook ${where} failed: ${err.cause?.code ?? err.cause?.message ?? err.message}`, null, { cause: e });
  }
  if (status >= 200 && status < 300) return;
  const what = `webhook ${where} answered ${status}${reply ? `: ${reply.slice(0, 200)}` : ''}`;
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
    if (!options.secret) throw new TypeError('createWebhookNotifier needs a `secret` to sign requests with');
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
 * with `createEngine({ actions: [webhookAction({ secret })] })`.
 */
export function webhookAction(options: WebhookOptions & { type?: string }): ActionDefinition<WebhookActionParams> {
  if (!options.secret) throw new TypeError('webhookAction needs a `secret` to sign requests with');
  return defineAction<WebhookActionParams>({
    type: options.type ?? 'webhook',
    params: WebhookActionParams,
    async execute(ctx, params) {
      const payload = {
        id: ctx.idempotencyKey,
        type: 'action',
        event: params.event ?? null,
        ruleId: ctx.ruleId,
        deal: ctx.deal,
        trigger: ctx.event,
        data: params.data ?? {},
      };
      // Signed with the wall clock (or the clock passed in the options), never the engine's: on a
      // fake or simulated clock the receiver would refuse the timestamp as a replay.
      await postWebhook(params.url, payload, { ...options, idempotencyKey: ctx.idempotencyKey, attempt: ctx.attempt });
    },
  });
}
