import { PermanentDeliveryError, type Notifier, type OutgoingMessage, type SendOptions } from '../../src/index.js';

export interface ChatNotifierOptions {
  /** The chat service's endpoint that posts a message to a user. */
  url: string;
  /** Sent as a bearer token. */
  token: string;
  /** An attempt that takes longer fails (and is retried). Default 10 s. */
  timeoutMs?: number;
}

/**
 * Sends notifications as chat messages. The engine calls `send` once per attempt, after the
 * command that queued the message has committed; resolving means delivered, throwing means
 * "try again later", and a PermanentDeliveryError means "never": a dead letter at once.
 */
export class ChatNotifier implements Notifier {
  constructor(private readonly options: ChatNotifierOptions) {}

  async send(message: OutgoingMessage, { idempotencyKey }: SendOptions): Promise<void> {
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.options.token}`,
        // The same on every attempt: the chat service posts a key once, however often it is sent.
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify({ user: message.recipient.id, text: chatText(message) }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (response.ok) return;
    const reason = `chat service answered ${response.status}: ${await response.text()}`;
    // 4xx (an unknown user, a bad token): sending again cannot help. 429 and 5xx: it may.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new PermanentDeliveryError(reason);
    throw new Error(reason);
  }
}

/** The subject and text; a digest lists the messages it groups. */
function chatText(message: OutgoingMessage): string {
  const head = [message.subject, message.text].filter(Boolean).join('\n') || message.template;
  const items = (message.items ?? []).map((item) => `• ${item.subject ?? item.text ?? item.template}`);
  return [head, ...items].join('\n');
}
