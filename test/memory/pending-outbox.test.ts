import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../../src/core/types.js';
import { PendingOutbox } from '../../src/memory/pending-outbox.js';

const AT = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z'];

function message(id: string, nextAttemptAt: string): OutboxMessage {
  return { id, nextAttemptAt } as OutboxMessage;
}

/**
 * The pending outbox took the place of a scan of every pending message per delivery claim (100
 * scans of 10,000 messages to deliver what one runDue queued). It must claim what the scan did:
 * the earliest due first, equal due times in the order the messages were queued, a message
 * rescheduled while pending keeping its place, one delivered and queued again taking a new one.
 */
describe('PendingOutbox: the earliest due first, as a stable sort in queue order', () => {
  it('agrees with a stable sort of a Map in queue order, through any sets, deletes and claims', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 12 }), at: fc.constantFrom(...AT) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('due' as const), until: fc.constantFrom(...AT), limit: fc.integer({ min: 1, max: 15 }), skipOdd: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const pending = new PendingOutbox();
        const model = new Map<string, OutboxMessage>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const m = message(`m${o.id}`, o.at);
            pending.set(m);
            model.set(m.id, m);
          } else if (o.kind === 'delete') {
            pending.delete(`m${o.id}`);
            model.delete(`m${o.id}`);
          } else {
            const accept = (m: OutboxMessage) => !(o.skipOdd && Number(m.id.slice(1)) % 2 === 1);
            const expected = [...model.values()]
              .filter((m) => m.nextAttemptAt <= o.until && accept(m))
              .sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0))
              .slice(0, o.limit);
            const got = pending.due(Date.parse(o.until), o.limit, accept);
            expect(got.map((m) => m.id)).toEqual(expected.map((m) => m.id));
            got.forEach((m, i) => expect(m).toBe(expected[i]));
          }
          expect(pending.size).toBe(model.size);
          const first = [...model.values()].sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0))[0];
          expect(pending.next()).toBe(first);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an undo puts a message back in its old place', () => {
    const pending = new PendingOutbox();
    const a = message('a', AT[0]!);
    pending.set(a);
    pending.set(message('b', AT[0]!));
    const place = pending.placeOf('a');
    pending.delete('a');
    pending.set(a, place);
    expect(pending.due(Date.parse(AT[3]!), 10).map((m) => m.id)).toEqual(['a', 'b']);
  });
});
