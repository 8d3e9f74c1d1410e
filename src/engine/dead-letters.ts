import type { OutboxMessage } from '../core/types.js';
import type { Storage } from '../ports/storage.js';
import type { AccessGuard, AccessOptions } from './access.js';
import type { Announcer } from './announcer.js';
import { clone } from './clone.js';
import type { Delivery } from './delivery.js';
import type { CommandExecutor } from './executor.js';
import type { EngineQueries } from './queries.js';

/** What dead-letter handling needs: the delivery code that changes messages, and the executor's queue, clock and after-commit delivery. */
export interface DeadLetterDeps {
  storage: Storage;
  access: AccessGuard;
  delivery: Delivery;
  executor: CommandExecutor;
  announcer: Announcer;
  queries: EngineQueries;
  deliverOnCommit: boolean;
}

/**
 * Messages that failed for good, listed with access scoping, retried or discarded (docs/delivery.md).
 * Retrying and discarding run in the command queue, as commands do: the clock read once, the
 * actor's `outbox.manage` checked, the change's log entries announced after commit.
 */
export class DeadLetters {
  constructor(private readonly deps: DeadLetterDeps) {}

  async list(query: { dealId?: string }, options: AccessOptions): Promise<OutboxMessage[]> {
    const dead = await this.deps.delivery.deadLetters(query);
    return clone(await this.deps.storage.transaction((tx) => this.deps.queries.scopeToActor(tx, options.actor, 'outbox.read', 'outbox', dead)));
  }

  retry(id: string, options: AccessOptions): Promise<OutboxMessage> {
    const { executor } = this.deps;
    return executor.exclusive(async () => {
      const now = executor.readClock();
      await this.authorizeOutbox(id, options.actor);
      for (const e of await this.deps.delivery.retry(id, now)) this.deps.announcer.announceEntry(e);
      if (this.deps.deliverOnCommit) await executor.deliverAfterCommit(now, [id]);
      return this.read(id);
    });
  }

  discard(id: string, options: AccessOptions): Promise<OutboxMessage> {
    const { executor } = this.deps;
    return executor.exclusive(async () => {
      const now = executor.readClock();
      await this.authorizeOutbox(id, options.actor);
      for (const e of await this.deps.delivery.discard(id, now)) this.deps.announcer.announceEntry(e);
      return this.read(id);
    });
  }

  /** With an actor, the policy must allow `outbox.manage` on the message's deal (or on the outbox, for a deal-less one). */
  async authorizeOutbox(id: string, actor: AccessOptions['actor']): Promise<void> {
    if (!actor) return;
    const deal = await this.deps.storage.transaction(async (tx) => {
      const message = await tx.getOutbox(id);
      return message?.dealId ? tx.getDeal(message.dealId) : undefined;
    });
    if (deal) await this.deps.access.requireOnDeal(actor, 'outbox.manage', deal);
    else await this.deps.access.require(actor, 'outbox.manage', { type: 'outbox', name: id });
  }

  private async read(id: string): Promise<OutboxMessage> {
    return clone((await this.deps.storage.transaction((tx) => tx.getOutbox(id)))!);
  }
}
