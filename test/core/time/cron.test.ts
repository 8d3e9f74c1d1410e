import { describe, expect, it } from 'vitest';
import { compileCalendar } from '../../../src/core/time/calendar.js';
import { CronSchedule, MAX_CRON_LENGTH } from '../../../src/core/time/cron.js';

/** Pure cron arithmetic: an instant in, the next instant out, read in a zone. */
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** The next `n` runs after `from`. */
function runs(schedule: CronSchedule, from: string, zone: string, n: number): Array<string | null> {
  const out: Array<string | null> = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = schedule.next(t, zone);
    out.push(iso(next));
    if (next === null) break;
    t = next;
  }
  return out;
}
const weekdays = compileCalendar({});

describe('CronSchedule.next: the next run after an instant, in a timezone', () => {
  it('weekly Monday 09:00 Europe/Berlin stays 09:00 local across the autumn change (last Sunday of October)', () => {
    const weekly = CronSchedule.compile({ cron: '0 9 * * MON' });
    // 19 Oct 2026 is CEST (UTC+2), 26 Oct is CET (UTC+1): 07:00Z, then 08:00Z.
    expect(runs(weekly, '2026-10-14T12:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-10-19T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
      '2026-11-02T08:00:00.000Z',
    ]);
    // And across the spring change: 23 Mar 2026 CET, 30 Mar CEST.
    expect(runs(weekly, '2026-03-20T00:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it('strictly after: a run exactly at `after` is not returned again', () => {
    const weekly = CronSchedule.compile({ cron: '0 9 * * MON' });
    expect(iso(weekly.next(at('2026-10-19T07:00:00Z'), 'Europe/Berlin'))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('a time the spring gap skips runs at the first valid time after it; one the autumn overlap repeats runs once', () => {
    const daily = CronSchedule.compile({ cron: '30 2 * * *' });
    expect(runs(daily, '2026-03-27T12:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(runs(daily, '2026-10-24T12:00:00Z', 'Europe/Berlin', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('depends only on the instant it is given, not on the wall clock', () => {
    const monthly = CronSchedule.compile({ cron: '0 17 L * *' });
    expect(iso(monthly.next(at('2031-02-01T00:00:00Z'), 'Asia/Tokyo'))).toBe('2031-02-28T08:00:00.000Z');
    expect(iso(monthly.next(at('1999-12-31T00:00:00Z'), 'UTC'))).toBe('1999-12-31T17:00:00.000Z');
  });

  it('workingDaysOnly skips the calendar’s days off (weekends and holidays)', () => {
    const calendar = compileCalendar({ holidays: ['2026-12-25'] });
    const daily = CronSchedule.compile({ cron: '0 9 * * *', workingDaysOnly: true, calendar });
    // Thu 24 Dec, (Fri 25 holiday, weekend), Mon 28 Dec.
    expect(runs(daily, '2026-12-23T12:00:00Z', 'UTC', 2)).toEqual(['2026-12-24T09:00:00.000Z', '2026-12-28T09:00:00.000Z']);
  });

  it('lastWorkingDayOfMonth: the last working day of each month, in the zone', () => {
    // 31 Oct 2026 is a Saturday and 30 Oct a holiday here: Thursday 29 Oct. 30 Nov is a Monday.
    const calendar = compileCalendar({ holidays: ['2026-10-30'] });
    const monthEnd = CronSchedule.compile({ cron: '0 17 * * *', lastWorkingDayOfMonth: true, calendar });
    expect(monthEnd.workingDaysOnly).toBe(true);
    expect(runs(monthEnd, '2026-10-01T00:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-10-29T16:00:00.000Z',
      '2026-11-30T16:00:00.000Z',
      '2026-12-31T16:00:00.000Z',
    ]);
    // 17:00 in Tokyo on 31 Dec is 08:00Z: the local date decides, not the UTC one.
    expect(iso(monthEnd.next(at('2026-12-01T00:00:00Z'), 'Asia/Tokyo'))).toBe('2026-12-31T08:00:00.000Z');
  });
});

describe('CronSchedule.compile refuses bad specs with INVALID_CONFIG, the path and how to fix it', () => {
  const refused = (options: Parameters<typeof CronSchedule.compile>[0], message: RegExp) =>
    expect(() => CronSchedule.compile(options, ['digests', 'weekly'])).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(message),
        issues: [expect.objectContaining({ path: '$.digests.weekly.cron', hint: expect.any(String) })],
      }),
    );

  it.each([
    ['60 9 * * *', /Invalid value for minute: 60.*five fields/],
    ['0 9 * *', /not a cron spec.*five fields: minute hour day-of-month month day-of-week/],
    ['0 0 9 * * MON', /requires exactly 5 parts/],
    ['0 9 * * FUNDAY', /not a cron spec/],
    ['every monday', /not a cron spec/],
  ])('%s is not five-field cron', (cron, message) => refused({ cron }, message));

  it('a spec that never runs, or never on a working day, is refused rather than holding a digest forever', () => {
    refused({ cron: '0 9 30 2 *' }, /never runs \(no such date\)/);
    refused({ cron: '0 9 * * SAT,SUN', workingDaysOnly: true, calendar: weekdays }, /never falls on a working day/);
  });

  it('lastWorkingDayOfMonth with days named in the spec is a contradiction', () => {
    refused(
      { cron: '0 17 L * *', lastWorkingDayOfMonth: true, calendar: weekdays },
      /lastWorkingDayOfMonth picks the day.*leave day-of-month and day-of-week as \*/,
    );
    refused({ cron: '0 17 * * FRI', lastWorkingDayOfMonth: true, calendar: weekdays }, /lastWorkingDayOfMonth picks the day/);
  });

  it('working days need a calendar; a spec longer than the bound is refused', () => {
    refused({ cron: '0 9 * * *', workingDaysOnly: true }, /need a business calendar/);
    refused({ cron: `0 9 * * ${Array.from({ length: 40 }, () => 'MON').join(',')}` }, new RegExp(`more than ${MAX_CRON_LENGTH}`));
    refused({ cron: 42 as unknown as string }, /must be a string/);
  });
});
