import type { ActionRegistry } from '../core/actions.js';
import type { LogEntry, OutboxMessage } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import type { Directory } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import { isPermanentError, type Notifier, type OutgoingMessage } from '../ports/notifier.js';
import type { Storage } from '../ports/storage.js';

export interface RetryPolicy {
  /** Attempts before a message is dead-lettered. Default 5. */
  maxAttempts: number;
  /** Wait before the second attempt, in ms; doubled for each further one. Default 30 s. */
  baseDelayMs: number;
  /** The longest wait between attempts. Default 1 h. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 3_600_000 };

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

class Unresolvable extends Error {
  readonly permanent = true;
}

interface DeliveryDeps {
  storage: Storage;
  notifier: Notifier;
  directory: Directory;
  actions: ActionRegistry;
  ids: IdGenerator;
  retry: RetryPolicy;
}

/**
 * Delivers outbox messages after their command committed: one attempt each, then records the
 * result in its own transaction. A failure schedules a retry with backoff; the last failure,
 * or a permanent one, dead-letters the message. Nothing is removed, so nothing is lost.
 */
export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /** Delivers every message due at `now`; returns the log entries written. */
  async deliverDue(now: Date): Promise<{ delivered: number; log: LogEntry[] }> {
    const iso = now.toISOString();
    const due = await this.deps.storage.transaction((tx) => tx.dueOutbox(iso, 1_000));
    let delivered = 0;
    const log: LogEntry[] = [];
    for (const message of due) {
      const entry = await this.attempt(message, now);
      if (entry) {
        log.push(entry);
        if (entry.type === 'outbox.delivered') delivered++;
      }
    }
    return { delivered, log };
  }

  private async attempt(message: OutboxMessage, now: Date): Promise<LogEntry | undefined> {
    const iso = now.toISOString();
    const attempt = message.attempts + 1;
    let error: unknown = null;
    try {
      await this.send(message, attempt, now);
    } catch (e) {
      error = e;
    }
    const { storage, ids, retry } = this.deps;
    return storage.transaction(async (tx) => {
      const current = await tx.getOutbox(message.id);
      if (!current || current.status !== 'pending' || current.attempts !== message.attempts) return undefined;
      let next: OutboxMessage;
      let type: string;
      const data: Record<string, unknown> = { messageId: message.id, key: message.key, kind: message.kind, attempt };
      if (error === null) {
        next = { ...current, status: 'delivered', attempts: attempt, lastError: null };
        type = 'outbox.delivered';
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        const dead = isPermanentError(error) || attempt >= retry.maxAttempts;
        next = {
          ...current,
          attempts: attempt,
          lastError: reason,
          status: dead ? 'dead' : 'pending',
          nextAttemptAt: dead ? current.nextAttemptAt : new Date(now.getTime() + backoffMs(attempt, retry)).toISOString(),
        };
        type = dead ? 'outbox.dead' : 'outbox.failed';
        data.error = reason;
        if (!dead) data.nextAttemptAt = next.nextAttemptAt;
      }
      const entry: LogEntry = { id: ids.next('log'), at: iso, dealId: message.dealId, type, data };
      if (message.ruleId) entry.ruleId = message.ruleId;
      await tx.putOutbox([next]);
      await tx.appendLog([entry]);
      return entry;
    });
  }

  private async send(message: OutboxMessage, attempt: number, now: Date): Promise<void> {
    const p = message.payload;
    if (message.kind === 'action') {
      const def = this.deps.actions.get(p.type as string);
      if (!def?.execute) throw new Unresolvable(`no action "${String(p.type)}" with an execute function is registered`);
      try {
        await def.execute(
          {
            deal: (p.deal as Deal | null) ?? null,
            event: (p.event as Record<string, Json> | null) ?? null,
            ruleId: message.ruleId,
            now,
            idempotencyKey: message.key,
            attempt,
          },
          p.params,
        );
      } catch (e) {
        if (def.isPermanentError?.(e)) throw Object.assign(e instanceof Error ? e : new Error(String(e)), { permanent: true });
        throw e;
      }
      return;
    }
    const recipientId = p.recipientId as string | null | undefined;
    if (!recipientId) throw new Unresolvable(`no recipient: ${String(p.unresolved ?? 'unresolved')}`);
    const recipient = await this.deps.directory.get(recipientId);
    if (!recipient) throw new Unresolvable(`recipient "${recipientId}" is not in the directory`);
    const outgoing: OutgoingMessage = {
      recipient,
      template: p.template as string,
      subject: (p.subject as string | null) ?? null,
      text: (p.text as string | null) ?? null,
      data: { ...((p.data as Record<string, unknown>) ?? {}), deal: p.deal },
      dealId: message.dealId,
      ruleId: message.ruleId,
    };
    await this.deps.notifier.send(outgoing, { idempotencyKey: message.key, attempt });
  }
}
