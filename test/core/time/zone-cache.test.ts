import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localPosition, localToInstant, zoneOf } from '../../../src/core/time/local.js';

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
