import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earliest } from '../../src/memory/earliest.js';

describe('earliest: the first k of a stable sort, without sorting all', () => {
  // Claims of pending messages take a batch from thousands: this selection replaced a full sort
  // per batch, and must pick the same messages in the same order, equal due times included.
  it('agrees with a stable sort for any list, any k, many equal keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.constantFrom('2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'), n: fc.nat() }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        (items, k) => {
          const sorted = [...items].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(0, k);
          expect(earliest(items, k, (x) => x.at)).toEqual(sorted);
          // The very objects, not copies.
          earliest(items, k, (x) => x.at).forEach((x, i) => expect(x).toBe(sorted[i]));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
