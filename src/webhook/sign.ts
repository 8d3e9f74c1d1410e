import { createHmac, timingSafeEqual } from 'node:crypto';
import { DealflowError } from '../model/errors.js';

/** Headers every dealflow webhook request carries. */
export const WEBHOOK_HEADERS = {
  signature: 'x-dealflow-signature',
  timestamp: 'x-dealflow-timestamp',
  idempotencyKey: 'x-dealflow-idempotency-key',
  attempt: 'x-dealflow-attempt',
} as const;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the shared secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What `verifyWebhookSignature` checks: the secret, the received headers and the raw body. */
export interface VerifyWebhookInput {
  secret: string;
  /** The `x-dealflow-timestamp` header: Unix seconds. */
  timestamp: string | undefined;
  /** The raw request body, exactly as received. */
  body: string;
  /** The `x-dealflow-signature` header. */
  signature: string | undefined;
  /** Reject requests signed longer ago than this (replays). Default 300 s; 0 turns the check off. */
  toleranceSeconds?: number;
  /** The receiver's time. Default: the wall clock. */
  now?: Date;
}

/** For receivers: true when the signature matches the body and timestamp, and the timestamp is recent. */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  const { secret, timestamp, body, signature } = input;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const tolerance = input.toleranceSeconds ?? 300;
  if (tolerance > 0) {
    const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
    if (Math.abs(now - Number(timestamp)) > tolerance) return false;
  }
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Which headers a request is signed with. `dealflow` (the default) sends the `x-dealflow-*`
 * headers; `standard` sends the Standard Webhooks ones (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), which receivers verify with the `standardwebhooks` packages or any
 * service that speaks the scheme; `both` sends both sets, for moving receivers over one by one.
 */
export type WebhookScheme = 'dealflow' | 'standard' | 'both';

/** The schemes `scheme` accepts. */
export const WEBHOOK_SCHEMES: ReadonlyArray<WebhookScheme> = Object.freeze(['dealflow', 'standard', 'both']);

/** The Standard Webhooks headers (https://www.standardwebhooks.com/). */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const WHSEC = 'whsec_';

/**
 * The HMAC key of the Standard Webhooks signature. By the scheme's convention a secret written
 * `whsec_<base64>` is the base64 of the key's bytes; any other secret is used as its UTF-8 bytes,
 * which a receiver gets as `standardWebhookSecret(secret)`. Throws INVALID_CONFIG for a `whsec_`
 * secret that is not base64 or decodes to nothing, because every signature made with it would
 * fail at the receiver.
 */
export function standardWebhookKey(secret: string): Buffer {
  if (!secret.startsWith(WHSEC)) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice(WHSEC.length);
  if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new DealflowError(
      'INVALID_CONFIG',
      'a `whsec_` secret must be followed by base64 (the key bytes, e.g. whsec_ + 32 random bytes in base64); drop the `whsec_` prefix to use the text itself as the key',
      { issues: [{ path: '$.secret', message: 'not base64 after whsec_' }] },
    );
  }
  return Buffer.from(encoded, 'base64');
}

/** The `whsec_<base64>` form of a secret, for Standard Webhooks receivers: `new Webhook(standardWebhookSecret(secret))`. */
export function standardWebhookSecret(secret: string): string {
  return `${WHSEC}${standardWebhookKey(secret).toString('base64')}`;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the Standard Webhooks key of `secret`. */
export function signStandardWebhook(secret: string | Uint8Array, id: string, timestamp: string, body: string): string {
  const key = typeof secret === 'string' ? standardWebhookKey(secret) : secret;
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Throws INVALID_CONFIG unless `scheme` is one of WEBHOOK_SCHEMES and the secret fits it. */
export function checkWebhookScheme(scheme: unknown, secret: string): WebhookScheme {
  const chosen = scheme ?? 'dealflow';
  if (!WEBHOOK_SCHEMES.includes(chosen as WebhookScheme)) {
    throw new DealflowError(
      'INVALID_CONFIG',
      `webhook scheme ${JSON.stringify(scheme)} is not one of ${WEBHOOK_SCHEMES.join(', ')}; leave it out for the x-dealflow-* headers`,
      {
        issues: [{ path: '$.scheme', message: `one of ${WEBHOOK_SCHEMES.join(', ')}` }],
      },
    );
  }
  if (chosen !== 'dealflow') standardWebhookKey(secret);
  return chosen as WebhookScheme;
}
