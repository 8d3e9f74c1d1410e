import { isoToMs } from '../core/time/iso.js';
import type { OutboxMessage } from '../core/types.js';
import { DueHeap } from './due-heap.js';

/**
 * The in-memory store's pending outbox messages: by id, and in a min-heap by next attempt
 * (src/memory/due-heap.ts), so a delivery claim takes the earliest due ones off the top instead
 * of scanning every pending message. A claim per 100 messages used to scan (and select from) all
 * of them: delivering 10,000 messages queued by one `runDue` cost 100 scans of up to 10,000.
 *
 * Among equal due times the message that became pending first comes first, as in a stable sort
 * of the pending messages in the order they were queued: a message keeps its place while it
 * stays pending (a retry rescheduled keeps it), and takes a new one when it is queued again.
 */
export class PendingOutbox {
  private readonly byId = new Map<string, OutboxMessage>();
  /** When each pending message was queued, for the order among equal due times. */
  private readonly queued = new Map<string, number>();
  private readonly heap = new DueHeap<OutboxMessage>((m) => this.byId.get(m.id) === m);
  private seq = 0;

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): OutboxMessage | undefined {
    return this.byId.get(id);
  }

  /** The place in the queue of a pending message (for an undo step), undefined when not pending. */
  placeOf(id: string): number | undefined {
    return this.queued.get(id);
  }

  /** Makes `m` the pending version of its id, keeping the id's place when it was pending already (or `place`, when given). */
  set(m: OutboxMessage, place?: number): void {
    let at = place ?? this.queued.get(m.id);
    if (at === undefined) at = ++this.seq;
    this.byId.set(m.id, m);
    this.queued.set(m.id, at);
    this.heap.push(isoToMs(m.nextAttemptAt), at, m);
  }

  delete(id: string): void {
    this.byId.delete(id);
    this.queued.delete(id);
  }

  /** The earliest pending message, left pending. */
  next(): OutboxMessage | undefined {
    return this.heap.peek();
  }

  /** Pending messages due at or before `untilMs`, earliest first; `accept` passes over some (see DueHeap.take). */
  due(untilMs: number, limit: number, accept?: (m: OutboxMessage) => boolean): OutboxMessage[] {
    return this.heap.take(untilMs, limit, accept);
  }
}
