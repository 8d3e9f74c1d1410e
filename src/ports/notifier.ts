import { withKey } from '../model/records.js';
import type { User } from './directory.js';

/** A notification ready to send: its recipient resolved through the Directory. */
export interface OutgoingMessage {
  recipient: User;
  template: string;
  subject: string | null;
  text: string | null;
  html?: string | null;
  data: Record<string, unknown>;
  dealId: string | null;
  ruleId: string | null;
  /** For digests: the messages it groups. */
  items?: OutgoingMessage[];
}

/** Per-attempt information the engine passes to `Notifier.send`. */
export interface SendOptions {
  /** Stable across retries and restarts: a receiver drops duplicates by it. */
  idempotencyKey: string;
  attempt: number;
}

/** Delivers notifications. Throw to fail an attempt; mark a permanent failure with `permanent: true`. */
export interface Notifier {
  /** Delivers one message. Resolve on success; throw to fail this attempt (it is retried with backoff), or throw an error with `permanent: true` to dead-letter it at once. */
  send(message: OutgoingMessage, options: SendOptions): Promise<void>;
}

/** An error a notifier throws when retrying cannot help (a bad address, an HTTP 4xx). */
export class PermanentDeliveryError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

/** Whether an error is marked permanent (`permanent: true`), so retrying cannot help. */
export function isPermanentError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { permanent?: unknown }).permanent === true;
}

export interface SentMessage extends OutgoingMessage {
  idempotencyKey: string;
}

/** Keeps what it is sent, in order; the default notifier and the one tests read. */
export class InMemoryNotifier implements Notifier {
  readonly sent: SentMessage[] = [];

  /** Records the message in `sent` with its idempotency key. */
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    this.sent.push(withKey(message, 'idempotencyKey', options.idempotencyKey));
  }

  /** Forgets the messages sent so far. */
  clear(): void {
    this.sent.length = 0;
  }
}
