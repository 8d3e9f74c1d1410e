import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CachedZone, localPosition, localToInstant, localToInstantIn, MS_PER_DAY, zoneOf } from '../../../src/core/time/local.js';

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];
const FROM = Date.UTC(1990, 0, 1);
const TO = Date.UTC(2040, 0, 1);

describe('the per-hour offset cache', () => {
  it('gives the offset luxon gives, at any instant, including the hours around DST changes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), fc.integer({ min: -90, max: 90 }), (zone, ms, minutes) => {
        const cached = zoneOf(zone);
        const plain = IANAZone.create(zone);
        // Warm the cache at a nearby instant first, then ask at the instant itself.
        cached.offset(ms + minutes * 60_000);
        expect(cached.offset(ms)).toBe(plain.offset(ms));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on the exact minutes of transitions, where an hour is never cached', () => {
    // Berlin changes on a whole UTC hour; St John's and Lord Howe (spring) on a half hour.
    for (const [zone, at] of [
      ['Europe/Berlin', Date.UTC(2026, 2, 29, 1)],
      ['America/St_Johns', Date.UTC(2026, 2, 8, 5, 30)],
      ['America/St_Johns', Date.UTC(2026, 10, 1, 4, 30)],
      ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
    ] as const) {
      for (let m = -120; m <= 120; m++) {
        const ms = at + m * 60_000;
        zoneOf(zone).offset(Math.floor(ms / 3_600_000) * 3_600_000);
        expect(zoneOf(zone).offset(ms), `${zone} ${new Date(ms).toISOString()}`).toBe(IANAZone.create(zone).offset(ms));
      }
    }
  });

  it('keeps local-time arithmetic identical to luxon on the plain zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, ms) => {
        const { day, msOfDay } = localPosition(ms, zone);
        const local = DateTime.fromMillis(ms, { zone });
        expect(day * 86_400_000 + msOfDay).toBe(ms + local.offset * 60_000);
        // Round trip: the local time of an instant maps back to it, unless it is the later of two.
        const back = localToInstant(day, msOfDay, zone);
        expect(back === ms || DateTime.fromMillis(back, { zone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS') === local.toFormat('yyyy-MM-dd HH:mm:ss.SSS')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the weekly offset table business walks use', () => {
  // Every zone Intl knows, 1900 to 2150: the table asks Intl once a week and bisects each change,
  // and must answer what luxon answers at any instant, the milliseconds around changes included.
  const ALL = Intl.supportedValuesOf('timeZone');
  it('gives the offset luxon gives, at any instant in any zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2150, 0, 1) }), (zone, ms) => {
        expect(zoneOf(zone).table.offset(ms), `${zone} ${new Date(ms).toISOString()}`).toBe(IANAZone.create(zone).offset(ms));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds each change to the millisecond', () => {
    for (const [zone, at] of [
      ['Europe/Berlin', Date.UTC(2026, 2, 29, 1)],
      ['America/St_Johns', Date.UTC(2026, 2, 8, 5, 30)],
      ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
      ['Pacific/Apia', Date.UTC(2011, 11, 30, 10)], // the day Samoa skipped
    ] as const) {
      const table = zoneOf(zone).table;
      for (const ms of [at - 1, at, at + 1]) expect(table.offset(ms), `${zone} ${ms - at}`).toBe(IANAZone.create(zone).offset(ms));
      expect(table.offset(at - 1)).not.toBe(table.offset(at));
      expect(table.constantBetween(at - 86_400_000, at - 1)).toBe(true);
      expect(table.constantBetween(at - 1, at)).toBe(false);
    }
  });
});

describe('the offset table where changes come closest', () => {
  // The closest two changes of any zone, 1900-2150 (6 days 23 hours apart): both must be found.
  it.each([
    ['America/Recife', '2000-10-05T00:00:00Z'],
    ['America/Boa_Vista', '2000-10-05T00:00:00Z'],
    ['Asia/Gaza', '2040-10-17T00:00:00Z'],
    ['Asia/Hebron', '2054-03-25T00:00:00Z'],
  ])('%s from %s, hour by hour for two weeks', (zone, from) => {
    const start = Date.parse(from);
    for (let h = 0; h < 14 * 24; h++) {
      const ms = start + h * 3_600_000;
      expect(zoneOf(zone).table.offset(ms), new Date(ms).toISOString()).toBe(IANAZone.create(zone).offset(ms));
    }
  });
});

describe('a cold cache against no cache, across DST changes', () => {
  // A new hour is answered from the weekly table rather than by Intl (a simulated year visits
  // every hour once): a fresh zone, asked first at the instant itself, must still answer as luxon
  // does, and due times (local wall times turned into instants) must come out the same with and
  // without the cache, in the days around each change.
  const TRANSITIONS: ReadonlyArray<readonly [string, number]> = [
    ['Europe/Berlin', Date.UTC(2026, 2, 29, 1)],
    ['Europe/Berlin', Date.UTC(2026, 9, 25, 1)],
    ['America/New_York', Date.UTC(2026, 2, 8, 7)],
    ['America/New_York', Date.UTC(2026, 10, 1, 6)],
    ['America/St_Johns', Date.UTC(2026, 2, 8, 5, 30)],
    ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
    ['Pacific/Chatham', Date.UTC(2026, 3, 4, 14)],
  ];
  it("gives luxon's offset at any instant within two days of a change", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -2 * MS_PER_DAY, max: 2 * MS_PER_DAY }), ([zone, at], delta) => {
        const cold = new CachedZone(IANAZone.create(zone));
        const ms = at + delta;
        expect(cold.offset(ms), `${zone} ${new Date(ms).toISOString()}`).toBe(IANAZone.create(zone).offset(ms));
        // Asked again: now from the hour cache (or afresh, for the hour holding the change).
        expect(cold.offset(ms)).toBe(IANAZone.create(zone).offset(ms));
      }),
      { numRuns: 2000 },
    );
  });

  it('turns wall times into the same instants as the uncached zone, gaps and overlaps included', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: MS_PER_DAY }), ([zone, at], days, msOfDay) => {
        const day = Math.floor(at / MS_PER_DAY) + days;
        const plain = IANAZone.create(zone);
        expect(localToInstantIn(new CachedZone(plain), day, msOfDay)).toBe(localToInstantIn(plain, day, msOfDay));
        expect(localToInstant(day, msOfDay, zone)).toBe(localToInstantIn(plain, day, msOfDay));
      }),
      { numRuns: 2000 },
    );
  });

  it('asks Intl itself outside the years the table is checked for', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York']) {
      for (const ms of [Date.UTC(1850, 5, 1), Date.UTC(1899, 11, 31, 23), Date.UTC(2150, 0, 1), Date.UTC(2200, 6, 1)]) {
        expect(new CachedZone(IANAZone.create(zone)).offset(ms)).toBe(IANAZone.create(zone).offset(ms));
      }
    }
  });
});
