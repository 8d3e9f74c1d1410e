import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessDays, addBusinessMinutes, businessMinutesBetween, isWorkingTime } from '../../../src/core/time/index.js';
import { berlin, kolkata, newYork, withLunch } from './calendars.js';

const calendars = { berlin, newYork, kolkata, withLunch };
const calendar = fc.constantFrom(...(Object.keys(calendars) as Array<keyof typeof calendars>));
// Whole minutes from 2024 to 2030: across leap days, DST changes and year ends.
const instant = fc
  .integer({ min: Date.parse('2024-01-01T00:00:00Z') / 60_000, max: Date.parse('2030-12-31T00:00:00Z') / 60_000 })
  .map((m) => new Date(m * 60_000).toISOString());
const days = fc.integer({ min: 0, max: 30 });
const minutes = fc.integer({ min: 0, max: 60 * 100 });
const runs = { numRuns: 300 };

describe('business time properties (fast-check)', () => {
  it('adding business days or minutes never lands outside working time', () => {
    fc.assert(
      fc.property(calendar, instant, days, minutes, (c, t, d, m) => {
        const cal = calendars[c];
        expect(isWorkingTime(cal, addBusinessDays(cal, t, d))).toBe(true);
        expect(isWorkingTime(cal, addBusinessMinutes(cal, t, m))).toBe(true);
      }),
      runs,
    );
  });

  it('is monotonic: later starts and longer durations never give earlier results', () => {
    fc.assert(
      fc.property(calendar, instant, instant, days, days, minutes, minutes, (c, a, b, d1, d2, m1, m2) => {
        const cal = calendars[c];
        const [t1, t2] = a <= b ? [a, b] : [b, a];
        expect(addBusinessDays(cal, t1, d1) <= addBusinessDays(cal, t2, d1)).toBe(true);
        expect(addBusinessMinutes(cal, t1, m1) <= addBusinessMinutes(cal, t2, m1)).toBe(true);
        const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(addBusinessDays(cal, t1, lo) <= addBusinessDays(cal, t1, hi)).toBe(true);
        const [mlo, mhi] = m1 <= m2 ? [m1, m2] : [m2, m1];
        expect(addBusinessMinutes(cal, t1, mlo) <= addBusinessMinutes(cal, t1, mhi)).toBe(true);
        expect(addBusinessMinutes(cal, t1, mlo) >= t1).toBe(true);
      }),
      runs,
    );
  });

  it('adding a then b business days equals adding a + b (and the same for minutes)', () => {
    fc.assert(
      fc.property(calendar, instant, days, days, minutes, minutes, (c, t, a, b, ma, mb) => {
        const cal = calendars[c];
        expect(addBusinessDays(cal, addBusinessDays(cal, t, a), b)).toBe(addBusinessDays(cal, t, a + b));
        expect(addBusinessMinutes(cal, addBusinessMinutes(cal, t, ma), mb)).toBe(addBusinessMinutes(cal, t, ma + mb));
      }),
      runs,
    );
  });

  it('the working time between a start and start + m business minutes is m', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 1, max: 60 * 100 }), (c, t, m) => {
        const cal = calendars[c];
        expect(businessMinutesBetween(cal, t, addBusinessMinutes(cal, t, m))).toBe(m);
      }),
      runs,
    );
  });
});
