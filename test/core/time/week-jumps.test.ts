import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepWorkingDates } from '../../../src/core/time/business.js';
import { addWorkingTimeMs, compileCalendar, workingTimeBetweenMs } from '../../../src/core/time/index.js';
import type { BusinessCalendar } from '../../../src/core/time/calendar.js';
import { localPosition } from '../../../src/core/time/local.js';
import { isDealflowError, WEEKDAYS, type CalendarInput } from '../../../src/index.js';
import { NoWorkingTime, walkWorkingDates, walkWorkingTime, walkWorkingTimeBetween } from './reference-walk.js';

/*
 * Business arithmetic jumps whole regular weeks (issue: a due date of 1e7 business hours walked
 * working time for minutes). Its results must be the old day-by-day walk's, to the millisecond,
 * whatever the calendar: random working days and hours (night and all-day hours included, so DST
 * changes fall inside working time), holidays and extra working days near the start, public
 * holidays, zones with DST in either hemisphere, half-hour and 30-minute shifts, and a zone that
 * skipped a whole day; starts from 1970 to 2090; amounts of either sign up to a few years.
 */

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Europe/Moscow',
];
const DAY = 86_400_000;
const START_MIN = Date.UTC(1970, 0, 10);
const START_MAX = Date.UTC(2090, 0, 1);

const hhmm = (halfHours: number) => `${String(Math.floor(halfHours / 2)).padStart(2, '0')}:${halfHours % 2 ? '30' : '00'}`;

/** One to three non-overlapping ranges on a half-hour grid, 00:00–24:00 included. */
const ranges = fc.uniqueArray(fc.integer({ min: 0, max: 48 }), { minLength: 2, maxLength: 6 }).map((bounds) => {
  const sorted = [...bounds].sort((a, b) => a - b);
  const out: Array<{ from: string; to: string }> = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) out.push({ from: hhmm(sorted[i]!), to: hhmm(sorted[i + 1]!) });
  return out;
});

/** A date within a few years of the start, as an offset in days. */
const nearDay = fc.integer({ min: -400, max: 1500 });

const calendarSpec = fc.record({
  zone: fc.constantFrom(...ZONES),
  workingDays: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }),
  hours: ranges,
  friday: fc.option(ranges, { nil: undefined }),
  holidays: fc.uniqueArray(nearDay, { maxLength: 40 }),
  extra: fc.uniqueArray(nearDay, { maxLength: 10 }),
  publicHolidays: fc.constantFrom(undefined, undefined, undefined, 'DE', 'US'),
});

function build(
  spec: {
    zone: string;
    workingDays: Array<(typeof WEEKDAYS)[number]>;
    hours: Array<{ from: string; to: string }>;
    friday: Array<{ from: string; to: string }> | undefined;
    holidays: number[];
    extra: number[];
    publicHolidays: string | undefined;
  },
  startMs: number,
): BusinessCalendar {
  const iso = (offset: number) => new Date(startMs + offset * DAY).toISOString().slice(0, 10);
  const holidays = [...new Set(spec.holidays.map(iso))];
  const extra = [...new Set(spec.extra.map(iso))].filter((d) => !holidays.includes(d));
  const input: CalendarInput = {
    timezone: spec.zone,
    workingDays: spec.workingDays,
    hours: spec.hours,
    holidays,
    extraWorkingDays: extra,
  };
  if (spec.friday && spec.workingDays.includes('fri')) input.hoursByDay = { fri: spec.friday };
  if (spec.publicHolidays) input.publicHolidays = { country: spec.publicHolidays };
  return compileCalendar(input);
}

/** The call's result or its failure, reduced so both implementations compare. */
function outcome(fn: () => number): number | 'no working time' {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NoWorkingTime || isDealflowError(e, 'INVALID_CONFIG')) return 'no working time';
    throw e;
  }
}

const start = fc.integer({ min: START_MIN / 60_000, max: START_MAX / 60_000 }).chain((m) => fc.constantFrom(m * 60_000, m * 60_000 + 1234));
/**
 * Up to 120 of the calendar's weeks either way, plus a remainder that is zero (whole weeks, where
 * a jump must stop short of the result), whole minutes, any milliseconds or a fraction.
 */
const amount = fc.record({
  weeks: fc.integer({ min: 0, max: 120 }),
  rest: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 10_000 }).map((m) => m * 60_000),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ),
  sign: fc.constantFrom(1, -1),
});
const amountIn = (cal: BusinessCalendar, a: { weeks: number; rest: number; sign: number }) =>
  a.sign * (a.weeks * cal.weekMs + (a.rest <= 1 ? Math.floor(a.rest * cal.weekMs) + (a.rest > 0.5 ? a.rest : 0) : a.rest));

const counted = { time: 0, dates: 0, between: 0 };

describe('business arithmetic that jumps weeks gives the day-by-day walk results', () => {
  it('adding working time (either sign)', () => {
    fc.assert(
      fc.property(calendarSpec, start, amount, (spec, ms, a) => {
        const cal = build(spec, ms);
        const amt = amountIn(cal, a);
        expect(outcome(() => addWorkingTimeMs(cal, ms, amt))).toBe(outcome(() => walkWorkingTime(cal, ms, amt)));
        counted.time++;
      }),
      { numRuns: 250 },
    );
  });

  it('stepping working dates (either sign)', () => {
    fc.assert(
      fc.property(calendarSpec, start, fc.integer({ min: -1500, max: 1500 }), (spec, ms, n) => {
        const cal = build(spec, ms);
        const day = localPosition(ms, cal.zone).day;
        expect(outcome(() => stepWorkingDates(cal, day, n))).toBe(outcome(() => walkWorkingDates(cal, day, n)));
        counted.dates++;
      }),
      { numRuns: 250 },
    );
  });

  it('working time between two instants', () => {
    fc.assert(
      fc.property(calendarSpec, start, fc.integer({ min: -2 * 365 * DAY, max: 2 * 365 * DAY }), (spec, ms, span) => {
        const cal = build(spec, ms);
        expect(workingTimeBetweenMs(cal, ms, ms + span)).toBe(walkWorkingTimeBetween(cal, ms, ms + span));
        counted.between++;
      }),
      { numRuns: 200 },
    );
    console.log(`week jumps vs walk: ${counted.time} additions, ${counted.dates} date steps, ${counted.between} spans agreed`);
  });
});

describe('what business arithmetic costs', () => {
  // Counted, not timed: the periods a walk computes day by day (each costs Intl offset look-ups)
  // and the dates whose hours a jumped week reads one by one (weeks with a holiday or an offset
  // change). The day-by-day walk computed the periods of every one of the ~31,000 days.
  it('grows with the weeks, holidays and offset changes crossed, not with the hours', () => {
    const definition = { timezone: 'Europe/Berlin', holidays: ['2030-12-24', '2030-12-31', '2031-01-01'] };
    const cal = compileCalendar(definition);
    const counts = { periods: 0, hours: 0 };
    const periods = cal.periods.bind(cal);
    const hours = cal.hours.bind(cal);
    cal.periods = (day) => {
      counts.periods++;
      return periods(day);
    };
    cal.hours = (day) => {
      counts.hours++;
      return hours(day);
    };
    const start = Date.parse('2026-03-02T10:00:00Z');
    const end = addWorkingTimeMs(cal, start, 200_000 * 3_600_000); // 200,000 business hours, ~85 years
    expect(end).toBe(walkWorkingTime(compileCalendar(definition), start, 200_000 * 3_600_000));
    expect(new Date(end).toISOString()).toBe('2111-05-11T11:00:00.000Z');
    expect(counts.periods).toBeLessThan(20);
    // ~170 weeks with a DST change and one with the holidays, 7 dates each.
    expect(counts.hours).toBeLessThan(7 * 200);
    expect(workingTimeBetweenMs(cal, start, end)).toBe(200_000 * 3_600_000);
  });

  it('refuses a business duration that a sparse calendar stretches past 100 years', () => {
    const sparse = compileCalendar({ workingDays: ['mon'], hours: [{ from: '09:00', to: '10:00' }] });
    const start = Date.parse('2026-03-02T10:00:00Z');
    expect(new Date(addWorkingTimeMs(sparse, start, 5_000 * 3_600_000)).toISOString()).toBe('2121-12-29T10:00:00.000Z');
    expect(() => addWorkingTimeMs(sparse, start, 5_300 * 3_600_000)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/more than 100 years after/) }),
    );
    expect(() => stepWorkingDates(sparse, 20_000, 6_000)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
