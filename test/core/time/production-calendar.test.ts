import { describe, expect, it } from 'vitest';
import { addDurationIn, compileCalendar, isDealflowError, type ProductionCalendarInput } from '../../../src/index.js';
import { parseIsoDate } from '../../../src/core/time/local.js';
import ru2026 from '../../../examples/production-calendar/ru-2026.json' with { type: 'json' };

/**
 * Russia's official production calendar for 2026, written out here from the published calendar
 * (not from the overlay file): the weekdays that are days off, and the weekend days that are
 * working (none in 2026). 247 working days, 118 days off.
 */
const OFFICIAL_WEEKDAYS_OFF = [
  '2026-01-01',
  '2026-01-02',
  '2026-01-05',
  '2026-01-06',
  '2026-01-07',
  '2026-01-08',
  '2026-01-09',
  '2026-02-23',
  '2026-03-09',
  '2026-05-01',
  '2026-05-11',
  '2026-06-12',
  '2026-11-04',
  '2026-12-31',
];
const OFFICIAL_WORKING_WEEKENDS: string[] = [];

const base = { timezone: 'Europe/Moscow', publicHolidays: { country: 'RU' } };
const overlay = ru2026 as ProductionCalendarInput;

function datesOf2026(): string[] {
  const out: string[] = [];
  for (let d = new Date('2026-01-01T00:00:00Z'); d.getUTCFullYear() === 2026; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
}
const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

describe('a production calendar overlay: Russia 2026', () => {
  it('makes the calendar agree with the official one on every date of 2026', () => {
    const cal = compileCalendar({ ...base, productionCalendars: [overlay] });
    const dates = datesOf2026();
    expect(dates).toHaveLength(365);
    const wrong = dates.filter((d) => {
      const official = isWeekend(d) ? OFFICIAL_WORKING_WEEKENDS.includes(d) : !OFFICIAL_WEEKDAYS_OFF.includes(d);
      return cal.isWorkingDate(parseIsoDate(d)) !== official;
    });
    expect(wrong).toEqual([]);
    expect(dates.filter((d) => cal.isWorkingDate(parseIsoDate(d)))).toHaveLength(247);
  });

  it('is needed: date-holidays alone misses exactly the decreed transfers (9 January, 11 May, 31 December), though it has 9 March', () => {
    const library = compileCalendar(base);
    const official = compileCalendar({ ...base, productionCalendars: [overlay] });
    const differ = datesOf2026().filter((d) => library.isWorkingDate(parseIsoDate(d)) !== official.isWorkingDate(parseIsoDate(d)));
    expect(differ).toEqual(['2026-01-09', '2026-05-11', '2026-12-31']);
    expect(library.isWorkingDate(parseIsoDate('2026-03-09'))).toBe(false);
    // Business time follows it: 2 working hours from Friday 8 May 17:00 Moscow land on Tuesday 12 May.
    expect(addDurationIn(official, '2026-05-08T14:00:00.000Z', { businessHours: 2 }, 'exact')).toBe('2026-05-12T07:00:00.000Z');
    expect(addDurationIn(library, '2026-05-08T14:00:00.000Z', { businessHours: 2 }, 'exact')).toBe('2026-05-11T07:00:00.000Z');
  });

  it('makes a listed weekend a working day, and is validated: dates in its year, not both lists, its country, one per year', () => {
    const saturday = compileCalendar({ ...base, productionCalendars: [{ country: 'RU', year: 2026, workingDays: ['2026-11-28'] }] });
    expect(saturday.isWorkingDate(parseIsoDate('2026-11-28'))).toBe(true);

    const problems = (productionCalendars: unknown, extra: Record<string, unknown> = {}) => {
      try {
        compileCalendar({ ...base, ...extra, productionCalendars } as never);
        return [];
      } catch (e) {
        if (!isDealflowError(e, 'INVALID_CONFIG')) throw e;
        return e.issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(problems([{ country: 'RU', year: 2026, holidays: ['2027-01-01'], workingDays: ['2026-01-09', '2026-01-09'] }])).toEqual([
      '$.productionCalendars[0].holidays[0]: 2027-01-01 is not in 2026, the year this production calendar covers',
      '$.productionCalendars[0].workingDays[1]: 2026-01-09 is listed twice',
    ]);
    expect(problems([{ country: 'RU', year: 2026, holidays: ['2026-01-09'], workingDays: ['2026-01-09'] }])).toEqual([
      '$.productionCalendars[0].workingDays[0]: 2026-01-09 is both a holiday and a working day',
    ]);
    expect(problems([{ country: 'KZ', year: 2026 }])).toEqual([
      "$.productionCalendars[0].country: the production calendar is for KZ, the calendar's public holidays are RU",
    ]);
    expect(problems([overlay, { country: 'RU', year: 2026 }])).toEqual(['$.productionCalendars[1].year: a second production calendar for RU/2026; merge them']);
    expect(problems([overlay], { publicHolidays: undefined })).toEqual([
      '$.productionCalendars[0]: a production calendar corrects publicHolidays, which this calendar does not have',
    ]);
  });
});
