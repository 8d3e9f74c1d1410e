import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dealWith, type Deal } from '../../src/model/deal.js';
import { extensibleCopy, withKey } from '../../src/model/records.js';

/** Same keys, same order, same values: what a spread would have produced, as JSON sees it. */
const sameAsSpread = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b));

const json = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const instant = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString());
const deal: fc.Arbitrary<Deal> = fc.record({
  id: fc.string({ minLength: 1 }),
  pipelineId: fc.string({ minLength: 1 }),
  stageId: fc.string({ minLength: 1 }),
  ownerId: fc.string({ minLength: 1 }),
  title: fc.string(),
  amount: fc.integer(),
  currency: fc.string(),
  fields: fc.dictionary(fc.string(), json),
  flags: fc.dictionary(fc.string(), fc.boolean()),
  createdAt: instant,
  stageEnteredAt: instant,
  updatedAt: instant,
  closedAt: fc.option(instant, { nil: null }),
  version: fc.nat(),
});

describe('dealWith', () => {
  it('gives what { ...deal, ...changes } gives, for any deal and any changes (null, 0 and empty strings included)', () => {
    fc.assert(
      fc.property(
        deal,
        deal.chain((d) => fc.subarray(Object.keys(d) as Array<keyof Deal>).map((keys) => Object.fromEntries(keys.map((k) => [k, d[k]])) as Partial<Deal>)),
        (d, changes) => {
          sameAsSpread(dealWith(d, changes), { ...d, ...changes });
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('closes and reopens: a closedAt of null replaces a date, and an amount of 0 or a title of "" is kept', () => {
    const closed: Deal = {
      id: 'd',
      pipelineId: 'p',
      stageId: 'won',
      ownerId: 'o',
      title: 'T',
      amount: 5,
      currency: 'EUR',
      fields: {},
      flags: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      stageEnteredAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      closedAt: '2026-01-02T00:00:00.000Z',
      version: 3,
    };
    const reopened = dealWith(closed, { stageId: 'open', closedAt: null, amount: 0, title: '' });
    expect(reopened).toMatchObject({ stageId: 'open', closedAt: null, amount: 0, title: '', version: 3 });
    expect(closed.closedAt).toBe('2026-01-02T00:00:00.000Z');
  });
});

describe('extensibleCopy and withKey', () => {
  it('copy like a spread and leave the original alone, for any record', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), fc.string(), json, (record, key, value) => {
        const before = JSON.stringify(record);
        sameAsSpread(extensibleCopy(record), { ...record });
        sameAsSpread(withKey(record, key, value), { ...record, [key]: value });
        expect(JSON.stringify(record)).toBe(before);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keep a "__proto__" key as data, as a spread does, instead of setting the prototype', () => {
    const record = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copy = extensibleCopy(record);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['a', '__proto__']);
    const added = withKey({ a: 1 }, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(added)).toBe(Object.prototype);
    expect(Object.keys(added)).toEqual(['a', '__proto__']);
    expect((added as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
