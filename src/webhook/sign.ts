import { createHmac, timingSafeEqual } from 'node:crypto';

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
