import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addBusinessHours,
  addBusinessMinutes,
  addDurationIn,
  applyDuePolicy,
  businessMinutesBetween,
  compileCalendar,
  isWorkingTime,
  nextWorkingDateAt,
  nextWorkingTime,
  parseIsoDate,
  previousWorkingTime,
} from '../../../src/core/time/index.js';
import { DealflowError } from '../../../src/model/errors.js';
import { berlin, kolkata, newYork, withLunch } from './calendars.js';

describe('calendar durations across DST', () => {
  it('a day keeps the wall-clock time over spring-forward and fall-back in New York; 24 hours do not', () => {
    // Saturday 09:00 EST → Sunday 09:00 EDT (clocks jump at 02:00 on 2026-03-08).
    expect(addDurationIn(newYork, '2026-03-07T14:00:00.000Z', { days: 1 })).toBe('2026-03-08T13:00:00.000Z');
    expect(addDurationIn(newYork, '2026-03-07T14:00:00.000Z', { hours: 24 })).toBe('2026-03-08T14:00:00.000Z'); // 10:00 EDT
    // Saturday 09:00 EDT → Sunday 09:00 EST (clocks fall back on 2026-11-01).
    expect(addDurationIn(newYork, '2026-10-31T13:00:00.000Z', { days: 1 })).toBe('2026-11-01T14:00:00.000Z');
    expect(addDurationIn(newYork, '2026-10-31T13:00:00.000Z', { hours: 24 })).toBe('2026-11-01T13:00:00.000Z'); // 08:00 EST
  });

  it('the same in Berlin, and a week is seven wall-clock days', () => {
    expect(addDurationIn(berlin, '2026-03-28T08:00:00.000Z', { days: 1 })).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CET → 09:00 CEST
    expect(addDurationIn(berlin, '2026-03-28T08:00:00.000Z', { hours: 24 })).toBe('2026-03-29T08:00:00.000Z'); // 10:00 CEST
    expect(addDurationIn(berlin, '2026-10-24T07:00:00.000Z', { days: 1 })).toBe('2026-10-25T08:00:00.000Z');
    expect(addDurationIn(berlin, '2026-10-22T07:00:00.000Z', { weeks: 1 })).toBe('2026-10-29T08:00:00.000Z');
  });

  it('resolves a wall-clock time that does not exist or exists twice by the documented rule', () => {
    // 02:30 does not exist on 2026-03-08 in New York: moved forward by the gap, to 03:30 EDT.
    expect(addDurationIn(newYork, '2026-03-07T07:30:00.000Z', { days: 1 })).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 2026-11-01: the earlier one (EDT), whichever side we come from.
    expect(addDurationIn(newYork, '2026-10-31T05:30:00.000Z', { days: 1 })).toBe('2026-11-01T05:30:00.000Z');
    expect(addDurationIn(newYork, '2026-11-02T06:30:00.000Z', { days: -1 })).toBe('2026-11-01T05:30:00.000Z');
    expect(addDurationIn(berlin, '2026-10-26T01:30:00.000Z', { days: -1 })).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
  });
});

describe('business days', () => {
  it('skip a weekend across spring-forward and keep the wall-clock time', () => {
    // Friday 2026-03-06 10:00 EST → Monday 2026-03-09 10:00 EDT.
    expect(addBusinessDays(newYork, '2026-03-06T15:00:00.000Z', 1)).toBe('2026-03-09T14:00:00.000Z');
  });

  it('skip a Friday holiday before a weekend and the Monday after (Easter in Berlin)', () => {
    // Thursday 2026-04-02 12:00 CEST; Good Friday and Easter Monday are public holidays.
    expect(addBusinessDays(berlin, '2026-04-02T10:00:00.000Z', 1)).toBe('2026-04-07T10:00:00.000Z');
    expect(addBusinessDays(berlin, '2026-04-02T10:00:00.000Z', 10)).toBe('2026-04-20T10:00:00.000Z');
    expect(nextWorkingTime(berlin, '2026-04-03T08:00:00.000Z')).toBe('2026-04-07T07:00:00.000Z');
    // Independence Day 2026 is a Saturday; the Friday before is the observed holiday.
    expect(addBusinessDays(newYork, '2026-07-02T14:00:00.000Z', 1)).toBe('2026-07-06T14:00:00.000Z');
  });

  it('cross the year end, Christmas and New Year included', () => {
    // Wednesday 2026-12-23 10:00 CET: 24th (a bank half-day, working by default), 25th holiday,
    // weekend, 28th, 29th.
    expect(addBusinessDays(berlin, '2026-12-23T09:00:00.000Z', 3)).toBe('2026-12-29T09:00:00.000Z');
    // From 2026-12-30: 31st, (1 January holiday, weekend), 4 January, 5 January 2027.
    expect(addBusinessDays(berlin, '2026-12-30T09:00:00.000Z', 3)).toBe('2027-01-05T09:00:00.000Z');
  });

  it('count 29 February in leap years', () => {
    expect(addBusinessDays(berlin, '2024-02-28T09:00:00.000Z', 1)).toBe('2024-02-29T09:00:00.000Z');
    expect(addBusinessDays(berlin, '2024-02-29T09:00:00.000Z', 1)).toBe('2024-03-01T09:00:00.000Z');
    expect(addBusinessDays(berlin, '2028-02-25T09:00:00.000Z', 2)).toBe('2028-02-29T09:00:00.000Z');
  });

  it('start from the next working moment when the instant is outside working time', () => {
    // Saturday → Monday 09:00 is the start; one business day later is Tuesday 09:00.
    expect(addBusinessDays(berlin, '2026-06-13T10:00:00.000Z', 1)).toBe('2026-06-16T07:00:00.000Z');
    expect(addBusinessDays(berlin, '2026-06-13T10:00:00.000Z', 0)).toBe('2026-06-15T07:00:00.000Z');
  });

  it('go backwards with a negative count', () => {
    expect(addBusinessDays(berlin, '2026-06-16T08:00:00.000Z', -2)).toBe('2026-06-12T08:00:00.000Z'); // Tue → Fri
    expect(addBusinessDays(berlin, '2026-04-07T08:00:00.000Z', -1)).toBe('2026-04-02T08:00:00.000Z'); // over Easter
  });

  it('half-hour offsets: Asia/Kolkata', () => {
    // Friday 2026-06-19 17:30 IST (12:00Z) → Monday 17:30 IST.
    expect(addBusinessDays(kolkata, '2026-06-19T12:00:00.000Z', 1)).toBe('2026-06-22T12:00:00.000Z');
    expect(isWorkingTime(kolkata, '2026-06-22T04:00:00.000Z')).toBe(true); // 09:30 IST
    expect(isWorkingTime(kolkata, '2026-06-22T03:59:00.000Z')).toBe(false);
  });
});

describe('business hours and minutes', () => {
  it('span a lunch break and several days', () => {
    // Monday 2026-06-15 12:00 CEST + 10 h: 12–13, 14–18, Tuesday 9–13, 14–15.
    expect(addBusinessHours(withLunch, '2026-06-15T10:00:00.000Z', 10)).toBe('2026-06-16T13:00:00.000Z');
    expect(businessMinutesBetween(withLunch, '2026-06-15T10:00:00.000Z', '2026-06-16T13:00:00.000Z')).toBe(600);
    expect(isWorkingTime(withLunch, '2026-06-15T11:30:00.000Z')).toBe(false); // 13:30, lunch
    expect(nextWorkingTime(withLunch, '2026-06-15T11:30:00.000Z')).toBe('2026-06-15T12:00:00.000Z');
    expect(previousWorkingTime(withLunch, '2026-06-15T11:30:00.000Z')).toBe('2026-06-15T11:00:00.000Z');
  });

  it('skip the Easter weekend and keep counting across spring-forward', () => {
    // Thursday 2026-04-02 16:00 CEST + 4 h: 16–18 Thursday, then Tuesday 09–11.
    expect(addBusinessHours(berlin, '2026-04-02T14:00:00.000Z', 4)).toBe('2026-04-07T09:00:00.000Z');
    // Friday 2026-03-06 16:00 EST + 4 h: 16–18, then Monday 09–11 EDT.
    expect(addBusinessHours(newYork, '2026-03-06T21:00:00.000Z', 4)).toBe('2026-03-09T15:00:00.000Z');
  });

  it('land on the next opening when the time runs out exactly at closing (postpone), or at closing (exact)', () => {
    expect(addBusinessHours(berlin, '2026-06-15T08:00:00.000Z', 8)).toBe('2026-06-16T07:00:00.000Z');
    expect(addBusinessHours(berlin, '2026-06-15T08:00:00.000Z', 8, 'exact')).toBe('2026-06-15T16:00:00.000Z');
    expect(addBusinessMinutes(kolkata, '2026-06-19T12:00:00.000Z', 90)).toBe('2026-06-22T04:30:00.000Z'); // 60 Fri + 30 Mon
  });

  it('subtract working time with negative amounts', () => {
    // Monday 10:00 CEST − 3 h: Monday 09–10, Friday 16–18 → Friday 16:00.
    expect(addBusinessHours(berlin, '2026-06-15T08:00:00.000Z', -3)).toBe('2026-06-12T14:00:00.000Z');
  });
});

describe('policies and the next working day at a time', () => {
  const saturday = '2026-06-13T08:00:00.000Z'; // 10:00 CEST
  it('postpone, bring forward or keep a due time outside working time', () => {
    expect(applyDuePolicy(berlin, saturday, 'postpone')).toBe('2026-06-15T07:00:00.000Z'); // Monday 09:00
    expect(applyDuePolicy(berlin, saturday, 'bring-forward')).toBe('2026-06-12T16:00:00.000Z'); // Friday 18:00
    expect(applyDuePolicy(berlin, saturday, 'exact')).toBe(saturday);
    expect(applyDuePolicy(berlin, '2026-06-15T08:00:00.000Z', 'bring-forward')).toBe('2026-06-15T08:00:00.000Z');
  });

  it('finds the next working day at HH:mm, today when it is still ahead', () => {
    expect(nextWorkingDateAt(berlin, '2026-06-15T05:00:00.000Z', '09:00')).toBe('2026-06-15T07:00:00.000Z'); // Monday 07:00 → 09:00
    expect(nextWorkingDateAt(berlin, '2026-06-15T07:00:00.000Z', '09:00')).toBe('2026-06-15T07:00:00.000Z'); // exactly then
    expect(nextWorkingDateAt(berlin, '2026-06-12T08:00:00.000Z', '09:00')).toBe('2026-06-15T07:00:00.000Z'); // Friday 10:00 → Monday
    expect(nextWorkingDateAt(berlin, '2026-04-02T08:00:00.000Z', '09:00')).toBe('2026-04-07T07:00:00.000Z'); // over Easter
  });
});

describe('holidays', () => {
  it('counts only public holidays from date-holidays by default, not observances or bank half-days', () => {
    const dayOff = (cal: typeof berlin, date: string) => cal.holiday(parseIsoDate(date));
    expect(dayOff(berlin, '2026-04-03')).toBe('Karfreitag');
    expect(dayOff(berlin, '2026-02-16')).toBeUndefined(); // Rosenmontag, an observance
    expect(berlin.isWorkingDate(parseIsoDate('2026-12-24'))).toBe(true); // Heiliger Abend, a bank half-day
    expect(newYork.isWorkingDate(parseIsoDate('2025-02-14'))).toBe(true); // Valentine's Day, a Friday
    const withBank = compileCalendar({ timezone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BE', types: ['public', 'bank'] } });
    expect(withBank.isWorkingDate(parseIsoDate('2026-12-24'))).toBe(false);
  });

  it('takes explicit holidays and extra working days (a working Saturday)', () => {
    const cal = compileCalendar({
      timezone: 'Europe/Berlin',
      holidays: ['2026-06-15', { date: '2026-06-16', name: 'Company day' }],
      extraWorkingDays: ['2026-06-20'],
    });
    expect(cal.holiday(parseIsoDate('2026-06-16'))).toBe('Company day');
    // Friday 17:00 + 2 h: Friday 17–18, Saturday (made working) 09–10.
    expect(addBusinessHours(cal, '2026-06-19T15:00:00.000Z', 2)).toBe('2026-06-20T08:00:00.000Z');
    // From Saturday 10:00 the next working moment skips Sunday and the two holidays: Wednesday 09:00.
    expect(addBusinessDays(cal, '2026-06-13T08:00:00.000Z', 0)).toBe('2026-06-17T07:00:00.000Z');
  });

  it('honours other hours on some weekdays', () => {
    const cal = compileCalendar({ timezone: 'UTC', hoursByDay: { fri: [{ from: '09:00', to: '15:00' }] } });
    expect(isWorkingTime(cal, '2026-06-19T15:30:00.000Z')).toBe(false); // Friday 15:30
    expect(isWorkingTime(cal, '2026-06-18T15:30:00.000Z')).toBe(true); // Thursday 15:30
  });
});

describe('bad calendars', () => {
  const problem = (input: unknown): DealflowError => {
    try {
      compileCalendar(input as never);
    } catch (e) {
      return e as DealflowError;
    }
    throw new Error('expected the calendar to be rejected');
  };

  it('rejects a calendar with no working time when it is defined, not at run time', () => {
    const e = problem({ workingDays: [] });
    expect(e).toBeInstanceOf(DealflowError);
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.issues).toEqual([expect.objectContaining({ path: '$.workingDays' })]);
  });

  it('lists every problem with its path', () => {
    const e = problem({
      timezone: 'Mars/Olympus',
      hours: [
        { from: '09:00', to: '13:00' },
        { from: '12:00', to: '18:00' },
      ],
      hoursByDay: { sat: [{ from: '10:00', to: '09:00' }] },
      holidays: ['2026-02-30'],
    });
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.issues.map((i) => i.path).sort()).toEqual(['$.holidays[0]', '$.hours', '$.hoursByDay.sat', '$.hoursByDay.sat[0]', '$.timezone'].sort());
  });

  it('rejects a country or state date-holidays does not know', () => {
    expect(problem({ publicHolidays: { country: 'XX' } }).issues[0]!.path).toBe('$.publicHolidays.country');
    expect(problem({ publicHolidays: { country: 'DE', state: 'ZZ' } }).issues[0]!.message).toContain('BE');
  });

  it('stops with a typed error, not an endless loop, when holidays leave no working day', () => {
    const mondays = Array.from({ length: 600 }, (_, i) => new Date(Date.UTC(2026, 0, 5 + 7 * i)).toISOString().slice(0, 10));
    const cal = compileCalendar({ workingDays: ['mon'], holidays: mondays });
    expect(() => nextWorkingTime(cal, '2026-01-01T00:00:00.000Z')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => addBusinessDays(cal, '2026-01-01T00:00:00.000Z', 2)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
