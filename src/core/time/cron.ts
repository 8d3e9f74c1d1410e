import { Cron } from 'croner';
import { DealflowError, jsonPath } from '../../model/errors.js';
import type { BusinessCalendar } from './calendar.js';
import { MAX_SCAN_DAYS } from './calendar.js';
import { civilDate, localDay, localToInstant } from './local.js';

/**
 * Cron schedules in a timezone: the next instant a cron spec names after a given instant, read in
 * a zone, optionally only on the working days of a business calendar or on the last working day
 * of each month. Pure: it takes an instant and returns the next (croner's `nextRun(date)` works
 * from the date it is given, never the wall clock, and no job is started).
 *
 * DST: a fixed time of day that a spring-forward gap skips (02:30 in Europe/Berlin on the last
 * Sunday of March) runs at the first valid time after the gap (03:00); one that an autumn
 * overlap repeats runs once, at its first occurrence. A weekly `0 9 * * MON` is 09:00 local on
 * both sides of a change, so its UTC instant moves by the hour the offset moved.
 */

/** The longest cron spec accepted: a real one is a few dozen characters. */
export const MAX_CRON_LENGTH = 120;

const CRON_HELP =
  'five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * MON" (Mondays 09:00) or "0 17 L * *" (the last day of the month, 17:00)';

/** What a cron schedule is built from. */
export interface CronScheduleOptions {
  /** Five-field cron: minute hour day-of-month month day-of-week, with croner's `L`, `W`, `#`, names. */
  cron: string;
  /** Skip runs whose local date is not a working day of `calendar`. */
  workingDaysOnly?: boolean;
  /** Run only on the last working day of each month (the day-of-month and day-of-week fields must be `*`). */
  lastWorkingDayOfMonth?: boolean;
  /** The calendar whose working days count; needed with either working-day option. */
  calendar?: BusinessCalendar | null;
}

/** A validated cron schedule; `next(after, zone)` is the next run strictly after `after`. */
export class CronSchedule {
  readonly spec: string;
  readonly workingDaysOnly: boolean;
  readonly lastWorkingDayOfMonth: boolean;
  private readonly calendar: BusinessCalendar | null;
  /** One croner pattern per zone it is read in (a digest's zone is its recipient's unless set). */
  private readonly byZone = new Map<string, Cron>();

  private constructor(spec: string, options: CronScheduleOptions) {
    this.spec = spec;
    this.lastWorkingDayOfMonth = options.lastWorkingDayOfMonth ?? false;
    this.workingDaysOnly = (options.workingDaysOnly ?? false) || this.lastWorkingDayOfMonth;
    this.calendar = options.calendar ?? null;
  }

  /**
   * Validates and compiles a schedule; INVALID_CONFIG at `path` (e.g. `['digests', 'weekly']`)
   * for a spec that is not five-field cron, is longer than MAX_CRON_LENGTH, contradicts
   * `lastWorkingDayOfMonth`, or never runs (30 February; only weekends with `workingDaysOnly`).
   */
  static compile(options: CronScheduleOptions, path: ReadonlyArray<PropertyKey> = []): CronSchedule {
    const at = jsonPath([...path, 'cron']);
    const fail = (problem: string, hint: string): never => {
      throw new DealflowError('INVALID_CONFIG', `${at}: ${problem}; ${hint}`, { issues: [{ path: at, message: problem, hint }] });
    };
    const raw = options.cron;
    if (typeof raw !== 'string') return fail('a cron spec must be a string', CRON_HELP);
    const spec = raw.trim().replace(/\s+/g, ' ');
    if (spec.length > MAX_CRON_LENGTH) fail(`the cron spec is ${spec.length} characters, more than ${MAX_CRON_LENGTH}`, CRON_HELP);
    try {
      pattern(spec, 'UTC');
    } catch (e) {
      fail(`"${spec}" is not a cron spec (${(e as Error).message.replace(/^CronPattern: /, '')})`, CRON_HELP);
    }
    const fields = spec.split(' ');
    if (options.lastWorkingDayOfMonth && (fields[2] !== '*' || fields[4] !== '*')) {
      fail(
        `"${spec}" names days, and lastWorkingDayOfMonth picks the day`,
        `give only the time of day and leave day-of-month and day-of-week as *, e.g. "0 17 * * *"; for the last calendar day write "0 17 L * *" without lastWorkingDayOfMonth`,
      );
    }
    if ((options.workingDaysOnly || options.lastWorkingDayOfMonth) && !options.calendar) {
      fail('working days need a business calendar', 'pass the calendar the working days come from');
    }
    const schedule = new CronSchedule(spec, options);
    // From a fixed instant, so the answer does not depend on when the config is read.
    if (schedule.next(Date.UTC(2000, 0, 1), 'UTC') === null) {
      fail(
        schedule.workingDaysOnly ? `"${spec}" never falls on a working day of the calendar` : `"${spec}" never runs (no such date)`,
        schedule.workingDaysOnly ? 'check the days against the calendar’s working days' : CRON_HELP,
      );
    }
    return schedule;
  }

  /** The next run strictly after `afterMs`, read in `zone`, in epoch ms; null if none within about ten years. */
  next(afterMs: number, zone: string): number | null {
    let cron = this.byZone.get(zone);
    if (!cron) this.byZone.set(zone, (cron = pattern(this.spec, zone)));
    let from = afterMs;
    for (let i = 0; i < MAX_SCAN_DAYS; i++) {
      const run = cron.nextRun(new Date(from));
      if (!run) return null;
      const t = run.getTime();
      const day = localDay(t, zone);
      if (this.accepts(day)) return t;
      // Not a day it may run on: look again from the last second of that local day (croner's
      // runs are on whole minutes, so nothing between then and midnight is skipped).
      from = localToInstant(day + 1, 0, zone) - 1000;
    }
    return null;
  }

  private accepts(day: number): boolean {
    if (!this.workingDaysOnly) return true;
    const cal = this.calendar!;
    if (!cal.isWorkingDate(day)) return false;
    if (!this.lastWorkingDayOfMonth) return true;
    const month = civilDate(day).month;
    for (let d = day + 1; civilDate(d).month === month; d++) if (cal.isWorkingDate(d)) return false;
    return true;
  }
}

/** A paused croner pattern read in `zone`: it computes runs, it never starts a timer. */
function pattern(spec: string, zone: string): Cron {
  return new Cron(spec, { timezone: zone, paused: true, mode: '5-part' });
}
