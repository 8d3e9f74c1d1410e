import type { Outcome } from '../core/transition.js';
import type { DealSnapshot, Effect, AnyHistoryEntry, OutboxMessage } from '../core/types.js';
import { DONE, type PutOptions, type StorageTx } from '../ports/storage.js';

// The writer of a transition's effects. They are final (core/effects/finalize.ts made the
// recipients, digest holds and task notices), so each effect type has one small handler that
// stores it, and nothing here decides anything.

/** Writes a row whose id the core just made up: inserted, never over a stored one (CONFLICT). */
const INSERT: PutOptions = { insert: true };

/** What a handler writes through: the transaction, the history gathered for one append, the outbox sink. */
interface WriteScope {
  tx: StorageTx;
  log: AnyHistoryEntry[];
  /** The outbox messages written, for the caller to deliver after commit; absent when nobody asked. */
  written: OutboxMessage[] | undefined;
}

type Handler<T extends Effect['type']> = (effect: Extract<Effect, { type: T }>, scope: WriteScope) => void | Promise<void>;

/** One handler per effect type; the type checker makes sure a new effect type gets one. */
const HANDLERS: { [T in Effect['type']]: Handler<T> } = {
  // History is appended once, after everything else, in the order the core made it.
  log: (effect, scope) => {
    scope.log.push(effect.entry);
  },
  'job.schedule': (effect, { tx }) => tx.putJob(effect.job, effect.fresh ? INSERT : undefined),
  'job.cancel': (effect, { tx }) => tx.removeJob(effect.jobId),
  'job.done': (effect, { tx }) => tx.removeJob(effect.jobId),
  outbox: (effect, { tx, written }) => {
    written?.push(effect.message);
    // Every message is new but a digest the core added an item to (`replace`).
    return tx.putOutbox([effect.message], effect.replace ? undefined : INSERT);
  },
  record: (effect, { tx }) => tx.putRecord(effect.record, effect.fresh ? INSERT : undefined),
  meta: (effect, { tx }) => tx.putMeta(effect.key, effect.value),
};

/**
 * Writes an outcome through one transaction: the deal, its enrolments, then each effect by its
 * handler, then the history. A command and every job of a batch go through here alike. The
 * outbox messages written are added to `written`, when given (what a command delivers after commit).
 */
export async function writeOutcome(tx: StorageTx, before: DealSnapshot, out: Outcome, written?: OutboxMessage[]): Promise<void> {
  const after = out.snapshot;
  // A write that returns DONE finished at once (the in-memory store): no turn waited for it.
  let pending: void | Promise<void> | undefined;
  if (before.deal && !after.deal) pending = tx.deleteDeal(before.deal.id);
  else if (after.deal && after.deal !== before.deal) pending = tx.putDeal(after.deal, before.deal ? undefined : INSERT);
  if (pending && pending !== DONE) await pending;
  // The core hands back the snapshot's enrolments object unless a rule fired (copy on write).
  if (after.deal && after.enrolments !== before.enrolments) {
    pending = tx.putEnrolments(after.deal.id, after.enrolments);
    if (pending !== DONE) await pending;
  }
  const scope: WriteScope = { tx, log: [], written };
  const { effects } = out;
  for (let i = 0; i < effects.length; i++) {
    const effect = effects[i]!;
    const handler = HANDLERS[effect.type] as Handler<typeof effect.type>;
    // Most effects (history) are kept in memory: no await, so no extra turn, for them.
    pending = handler(effect as never, scope);
    if (pending && pending !== DONE) await pending;
  }
  pending = tx.appendLog(scope.log);
  if (pending !== DONE) await pending;
}
