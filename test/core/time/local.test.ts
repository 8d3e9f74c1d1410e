import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { civilDate, dayNumber, formatIsoDate, isoWeekday, localPosition, localToInstant, parseIsoDate } from '../../../src/core/time/local.js';

const at = (day: string, hhmm: string, zone: string) =>
  new Date(localToInstant(parseIsoDate(day), (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000, zone)).toISOString();

describe('local dates and wall-clock times', () => {
  it('numbers days from 1970-01-01 and round-trips civil dates, leap days included', () => {
    expect(dayNumber(1970, 1, 1)).toBe(0);
    expect(isoWeekday(0)).toBe(4); // a Thursday
    for (const d of ['2024-02-29', '2028-02-29', '2000-02-29', '1999-12-31', '2026-12-31', '2027-01-01']) {
      expect(formatIsoDate(parseIsoDate(d))).toBe(d);
    }
    expect(parseIsoDate('2024-03-01') - parseIsoDate('2024-02-28')).toBe(2);
    expect(parseIsoDate('2026-03-01') - parseIsoDate('2026-02-28')).toBe(1);
    expect(parseIsoDate('2100-03-01') - parseIsoDate('2100-02-28')).toBe(1); // 2100 is no leap year
    expect(civilDate(parseIsoDate('2026-04-03'))).toEqual({ year: 2026, month: 4, day: 3 });
    expect(isoWeekday(parseIsoDate('2026-04-03'))).toBe(5); // Good Friday 2026
  });

  it('finds the local day and time of an instant, half-hour offsets included', () => {
    const ms = Date.parse('2026-06-19T19:00:00.000Z');
    expect(formatIsoDate(localPosition(ms, 'Asia/Kolkata').day)).toBe('2026-06-20'); // 00:30 IST
    expect(localPosition(ms, 'Asia/Kolkata').msOfDay).toBe(30 * 60_000);
    expect(formatIsoDate(localPosition(ms, 'America/New_York').day)).toBe('2026-06-19');
  });

  it('moves a time in a spring-forward gap forward by the gap (America/New_York, Europe/Berlin)', () => {
    expect(at('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(at('2026-03-29', '02:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('takes the earlier of a time that occurs twice on a fall-back night', () => {
    expect(at('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST
    expect(at('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, not CET
  });

  it('reads 24:00 as the next midnight', () => {
    expect(at('2026-12-31', '24:00', 'Europe/Berlin')).toBe('2026-12-31T23:00:00.000Z');
  });
});

describe('localToInstant agrees with luxon', () => {
  it('for any wall time in many zones: luxon’s instant when it is unique, the earlier of two, forward through a gap', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/Santiago', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: dayNumber(1990, 1, 1), max: dayNumber(2040, 12, 31) }),
        fc.integer({ min: 0, max: 1439 }),
        (zone, day, minute) => {
          const { year, month, day: d } = civilDate(day);
          const dt = DateTime.fromObject({ year, month, day: d, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone });
          const options = dt.getPossibleOffsets().map((o) => o.toMillis());
          const expected = options.length > 0 ? Math.min(...options) : dt.toMillis();
          expect(localToInstant(day, minute * 60_000, zone)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('at the exact DST transitions of 2026', () => {
    for (const [zone, day] of [
      ['America/New_York', '2026-03-08'],
      ['America/New_York', '2026-11-01'],
      ['Europe/Berlin', '2026-03-29'],
      ['Europe/Berlin', '2026-10-25'],
      ['Australia/Lord_Howe', '2026-04-05'],
      ['Australia/Lord_Howe', '2026-10-04'],
    ] as const) {
      for (let minute = 0; minute < 24 * 60; minute += 15) {
        const { year, month, day: d } = civilDate(parseIsoDate(day));
        const dt = DateTime.fromObject({ year, month, day: d, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone });
        const options = dt.getPossibleOffsets().map((o) => o.toMillis());
        expect(localToInstant(parseIsoDate(day), minute * 60_000, zone), `${zone} ${day} ${minute}`).toBe(
          options.length > 0 ? Math.min(...options) : dt.toMillis(),
        );
      }
    }
  });
});
