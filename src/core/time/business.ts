import { TimeOfDaySchema, type DuePolicy } from '../../model/calendar.js';
import type { Duration } from '../../model/duration.js';
import { isBusinessDuration, MAX_DURATION, MAX_DURATION_YEARS, parseDuration } from '../../model/duration.js';
import { DealflowError } from '../../model/errors.js';
import { parseInstant } from '../../model/instant.js';
import { MAX_SCAN_DAYS, type BusinessCalendar } from './calendar.js';
import {
  formatIsoDate,
  localPosition,
  localToInstant,
  localToInstantIn,
  MS_PER_DAY,
  MS_PER_MINUTE,
  parseTimeOfDay,
  zoneOf,
  type OffsetTable,
} from './local.js';
import { toIsoString } from './iso.js';

/*
 * Business-time arithmetic. Instants go in and come out as UTC ISO strings (`…000Z`); the `…Ms`
 * variants work on epoch milliseconds for callers that loop. Working periods are half-open: a
 * calendar open 09:00–18:00 is working at 09:00 and not at 18:00.
 *
 * - Business days move by whole working dates and keep the wall-clock time. From outside working
 *   time they start at the next working moment (forwards) or the end of the previous working
 *   period (backwards), so "1 business day" from Saturday is Tuesday 09:00, not Monday.
 * - Business hours and minutes count elapsed working time, skipping nights, days off and breaks.
 * - A raw result outside working time is then resolved by the due-time policy: `postpone` (the
 *   next working moment), `bring-forward` (the end of the previous working period) or `exact`.
 *
 * The walks jump whole regular weeks at once (each date its weekday's own hours, one UTC offset
 * over the week), so their cost grows with the weeks, holidays and offset changes crossed, not
 * with the hours: a regular week holds exactly `weekMs` of working time and `weekDates` working
 * dates. The results are the day-by-day walk's to the millisecond (a property test checks them
 * against it): the jumps only subtract or add whole milliseconds, which is exact in doubles. A
 * walk that would reach more than MAX_DURATION_YEARS from its start is refused (a calendar with
 * little working time can stretch a bounded business duration that far).
 */

const HOUR = 3_600_000;

function noWorkingTime(cal: BusinessCalendar, day: number, direction: string): DealflowError {
  return new DealflowError(
    'INVALID_CONFIG',
    `the calendar (${cal.describe()}) has no working time within ${MAX_SCAN_DAYS} days ${direction} ${formatIsoDate(day)}; check its holidays`,
  );
}

/** How far (in local days) a business walk may reach from its start: the duration bound. */
const HORIZON_DAYS = MAX_DURATION.days;

function beyondHorizon(cal: BusinessCalendar, start: number, direction: string): DealflowError {
  return new DealflowError(
    'INVALID_INPUT',
    `a business duration from ${formatIsoDate(start)} would end more than ${MAX_DURATION_YEARS} years ${direction} in the calendar (${cal.describe()}); durations are bounded to ${MAX_DURATION_YEARS} years`,
    { details: { limit: 'duration', maxYears: MAX_DURATION_YEARS } },
  );
}

/** Whether the seven local dates from `day` on all keep their weekday's own hours. */
function regularDates(cal: BusinessCalendar, day: number): boolean {
  for (let d = day; d < day + 7; d++) if (!cal.isRegularDate(d)) return false;
  return true;
}

/** What a walk needs to know of a week it jumps: its working time, and how many of its dates have none at its start and at its end. */
interface Week {
  /** Every date keeps its weekday's own hours: the week holds `weekDates` working dates. */
  regular: boolean;
  ms: number;
  offAtStart: number;
  offAtEnd: number;
}

/**
 * The working time of the seven local dates from `day` on, exactly as the day-by-day walk sums
 * their periods: `weekMs` for a regular week over which the offset holds (two days of margin:
 * localToInstant looks at most 18 hours plus an offset away), else each date's periods computed
 * with the zone's OffsetTable, which asks Intl once a week instead of several times an hour.
 */
function week(cal: BusinessCalendar, table: OffsetTable, day: number): Week {
  let weeks = weekCache.get(cal);
  if (!weeks) weekCache.set(cal, (weeks = new Map()));
  let w = weeks.get(day);
  if (!w) {
    w = computeWeek(cal, table, day);
    if (weeks.size >= 20_000) weeks.clear();
    weeks.set(day, w);
  }
  return w;
}

/** Each calendar's weeks by their first date, as its periods are cached by date: a running engine asks for the same weeks again and again. */
const weekCache = new WeakMap<BusinessCalendar, Map<number, Week>>();

function computeWeek(cal: BusinessCalendar, table: OffsetTable, day: number): Week {
  const regular = regularDates(cal, day);
  if (regular && table.constantBetween((day - 2) * MS_PER_DAY, (day + 9) * MS_PER_DAY)) {
    return { regular, ms: cal.weekMs, offAtStart: daysOffFrom(cal, day, 1), offAtEnd: daysOffFrom(cal, day + 6, -1) };
  }
  let ms = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < 7; i++) {
    let worked = false;
    for (const [from, to] of cal.hours(day + i)) {
      const start = localToInstantIn(table, day + i, from * MS_PER_MINUTE);
      const end = localToInstantIn(table, day + i, to * MS_PER_MINUTE);
      // As periods() does: a period swallowed by a DST gap has no working time.
      if (end > start) {
        ms += end - start;
        worked = true;
      }
    }
    if (worked) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return { regular, ms, offAtStart: first < 0 ? 7 : first, offAtEnd: last < 0 ? 7 : 6 - last };
}

/** Days off in a row from `day` on, moving by `step`, in a regular week. */
function daysOffFrom(cal: BusinessCalendar, day: number, step: number): number {
  let n = 0;
  while (n < 7 && cal.isWeekdayOff(day + n * step)) n++;
  return n;
}

/** An amount of one unit passed to a public function: a number within the duration bound (a whole one for days). */
function checkAmount(unit: 'businessDays' | 'businessHours' | 'businessMinutes', n: unknown): void {
  const max = MAX_DURATION[unit];
  if (typeof n === 'number' && Number.isFinite(n) && Math.abs(n) <= max && (unit !== 'businessDays' || Number.isInteger(n))) return;
  parseDuration({ [unit]: n });
}

/** A due-time policy passed to a public function; INVALID_INPUT when it is not one. */
function checkPolicy(policy: unknown): DuePolicy {
  if (policy !== 'postpone' && policy !== 'bring-forward' && policy !== 'exact')
    throw new DealflowError('INVALID_INPUT', 'the due-time policy is postpone, bring-forward or exact');
  return policy as DuePolicy;
}

/** An ISO instant passed to the public functions below, as epoch milliseconds; INVALID_INPUT when it is not one. */
export function toMs(instant: string): number {
  return parseInstant(instant);
}

export function toIso(ms: number): string {
  return toIsoString(ms);
}

// ---- positions ------------------------------------------------------------------------------------

export function isWorkingMs(cal: BusinessCalendar, ms: number): boolean {
  const { day } = localPosition(ms, cal.zone);
  for (const p of cal.periods(day)) if (p.start <= ms && ms < p.end) return true;
  return false;
}

/** The first working moment at or after `ms`. */
export function nextWorkingMs(cal: BusinessCalendar, ms: number): number {
  const first = localPosition(ms, cal.zone).day;
  for (let day = first; day <= first + MAX_SCAN_DAYS; day++) {
    for (const p of cal.periods(day)) if (ms < p.end) return Math.max(p.start, ms);
  }
  throw noWorkingTime(cal, first, 'after');
}

/**
 * The last working moment at or before `ms`, where the end of a working period counts: Saturday
 * 10:00 → Friday 18:00, 13:30 in a 13:00–14:00 lunch break → 13:00.
 */
export function previousWorkingMs(cal: BusinessCalendar, ms: number): number {
  const first = localPosition(ms, cal.zone).day;
  for (let day = first; day >= first - MAX_SCAN_DAYS; day--) {
    const periods = cal.periods(day);
    for (let i = periods.length - 1; i >= 0; i--) {
      const p = periods[i]!;
      if (p.start <= ms) return Math.min(p.end, ms);
    }
  }
  throw noWorkingTime(cal, first, 'before');
}

/** The working date `n` working dates after `day` (before it when negative); `day` itself for 0. */
export function stepWorkingDates(cal: BusinessCalendar, day: number, n: number): number {
  const dir = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  let d = day;
  let idle = 0;
  while (left > 0) {
    if (Math.abs(d - day) > HORIZON_DAYS) throw beyondHorizon(cal, day, dir > 0 ? 'after' : 'before');
    // A regular week ahead holds weekDates working dates: skip it while the target lies beyond.
    if (left > cal.weekDates && week(cal, zoneOf(cal.zone).table, dir > 0 ? d + 1 : d - 7).regular) {
      d += 7 * dir;
      left -= cal.weekDates;
      idle = daysOffFrom(cal, d, -dir);
      continue;
    }
    d += dir;
    if (cal.isWorkingDate(d)) {
      left--;
      idle = 0;
    } else if (++idle > MAX_SCAN_DAYS) {
      throw noWorkingTime(cal, d, dir > 0 ? 'after' : 'before');
    }
  }
  return d;
}

// ---- arithmetic (raw: the result may still be outside working time) --------------------------------

/** Moves `n` working days, keeping the wall-clock time. See the notes at the top of this file. */
export function addWorkingDaysMs(cal: BusinessCalendar, ms: number, n: number): number {
  if (!Number.isInteger(n)) throw new DealflowError('INVALID_INPUT', `businessDays must be a whole number, not ${n}`);
  if (n >= 0) {
    const start = nextWorkingMs(cal, ms);
    const { day, msOfDay } = localPosition(start, cal.zone);
    return localToInstant(stepWorkingDates(cal, day, n), msOfDay, cal.zone);
  }
  // Backwards from the end of the previous period; read its wall time just before the end, so a
  // period that closes at 24:00 stays on its own day.
  const start = previousWorkingMs(cal, ms);
  const { day, msOfDay } = localPosition(start - 1, cal.zone);
  return localToInstant(stepWorkingDates(cal, day, n), msOfDay + 1, cal.zone);
}

/** Adds (or, negative, subtracts) elapsed working time in milliseconds. */
export function addWorkingTimeMs(cal: BusinessCalendar, ms: number, amount: number): number {
  if (!Number.isFinite(amount)) throw new DealflowError('INVALID_INPUT', `a business duration must be finite, not ${amount}`);
  if (amount === 0) return ms;
  let left = Math.abs(amount);
  const first = localPosition(ms, cal.zone).day;
  const table = zoneOf(cal.zone).table;
  let idle = 0;
  if (amount > 0) {
    for (let day = first; ; day++) {
      // From three days on, every period starts after `ms` whatever the offsets: a week that ends
      // before the result is skipped whole. One with no working time is walked (idle counts).
      if (day >= first + 3 && left > cal.weekMs / 2) {
        for (let w = week(cal, table, day); w.ms > 0 && left > w.ms; w = week(cal, table, day)) {
          left -= w.ms;
          day += 7;
          idle = w.offAtEnd;
          if (day - first > HORIZON_DAYS) throw beyondHorizon(cal, first, 'after');
        }
      }
      if (day - first > HORIZON_DAYS) throw beyondHorizon(cal, first, 'after');
      let worked = false;
      for (const p of cal.periods(day)) {
        if (p.end <= ms) continue;
        worked = true;
        const from = Math.max(p.start, ms);
        const avail = p.end - from;
        if (left <= avail) return from + left;
        left -= avail;
      }
      if (worked) idle = 0;
      else if (++idle > MAX_SCAN_DAYS) throw noWorkingTime(cal, day, 'after');
    }
  }
  for (let day = first; ; day--) {
    // Mirrored: from three days back, every period of the week ending on `day` ends before `ms`.
    if (day <= first - 3 && left > cal.weekMs / 2) {
      for (let w = week(cal, table, day - 6); w.ms > 0 && left > w.ms; w = week(cal, table, day - 6)) {
        left -= w.ms;
        day -= 7;
        idle = w.offAtStart;
        if (first - day > HORIZON_DAYS) throw beyondHorizon(cal, first, 'before');
      }
    }
    if (first - day > HORIZON_DAYS) throw beyondHorizon(cal, first, 'before');
    let worked = false;
    const periods = cal.periods(day);
    for (let i = periods.length - 1; i >= 0; i--) {
      const p = periods[i]!;
      if (p.start >= ms) continue;
      worked = true;
      const to = Math.min(p.end, ms);
      const avail = to - p.start;
      if (left <= avail) return to - left;
      left -= avail;
    }
    if (worked) idle = 0;
    else if (++idle > MAX_SCAN_DAYS) throw noWorkingTime(cal, day, 'before');
  }
}

/** Working time between two instants, in milliseconds (negative when `to` is before `from`). */
export function workingTimeBetweenMs(cal: BusinessCalendar, from: number, to: number): number {
  if (to < from) return -workingTimeBetweenMs(cal, to, from);
  let total = 0;
  const first = localPosition(from, cal.zone).day;
  const last = localPosition(to, cal.zone).day;
  const table = zoneOf(cal.zone).table;
  for (let day = first; day <= last; day++) {
    // Weeks well inside the span count whole; only while the total is whole milliseconds, so
    // adding a week at once rounds exactly as adding its periods one by one.
    if (day >= first + 3 && Number.isInteger(total)) {
      while (day + 10 <= last) {
        total += week(cal, table, day).ms;
        day += 7;
      }
    }
    for (const p of cal.periods(day)) {
      const a = Math.max(p.start, from);
      const b = Math.min(p.end, to);
      if (b > a) total += b - a;
    }
  }
  return total;
}

/** The first moment at local time `minuteOfDay` on a working date, at or after `ms`. */
export function nextWorkingDateAtMs(cal: BusinessCalendar, ms: number, minuteOfDay: number): number {
  const first = localPosition(ms, cal.zone).day;
  for (let day = first; day <= first + MAX_SCAN_DAYS + 1; day++) {
    if (!cal.isWorkingDate(day)) continue;
    const t = localToInstant(day, minuteOfDay * MS_PER_MINUTE, cal.zone);
    if (t >= ms) return t;
  }
  throw noWorkingTime(cal, first, 'after');
}

/** Sets the local time of day, keeping the local date. */
export function atTimeOfDayMs(cal: BusinessCalendar, ms: number, minuteOfDay: number): number {
  return localToInstant(localPosition(ms, cal.zone).day, minuteOfDay * MS_PER_MINUTE, cal.zone);
}

/**
 * Adds calendar units in the calendar's zone: whole days and weeks move the local date and keep
 * the wall-clock time (gaps and overlaps resolved as in local.ts), a fraction of a day and hours
 * and minutes are elapsed time.
 */
export function addCalendarMs(zone: string, ms: number, d: Duration): number {
  const days = (d.days ?? 0) + 7 * (d.weeks ?? 0);
  const whole = Math.trunc(days);
  let out = ms;
  if (whole !== 0) {
    const { day, msOfDay } = localPosition(ms, zone);
    out = localToInstant(day + whole, msOfDay, zone);
  }
  return out + (days - whole) * MS_PER_DAY + (d.hours ?? 0) * HOUR + (d.minutes ?? 0) * MS_PER_MINUTE;
}

export function applyPolicyMs(cal: BusinessCalendar, ms: number, policy: DuePolicy): number {
  switch (policy) {
    case 'exact':
      return ms;
    case 'postpone':
      return nextWorkingMs(cal, ms);
    case 'bring-forward':
      return previousWorkingMs(cal, ms);
  }
}

/** The policy a due time gets when none is given: `postpone` for business units, `exact` for calendar ones. */
export function defaultPolicy(d: Duration | undefined): DuePolicy {
  return d && isBusinessDuration(d) ? 'postpone' : 'exact';
}

/** Adds a business duration raw: business days first, then business hours and minutes. */
export function addBusinessMs(cal: BusinessCalendar, ms: number, d: Duration): number {
  let out = ms;
  if (d.businessDays !== undefined && d.businessDays !== 0) out = addWorkingDaysMs(cal, out, d.businessDays);
  const time = (d.businessHours ?? 0) * HOUR + (d.businessMinutes ?? 0) * MS_PER_MINUTE;
  if (time !== 0) out = addWorkingTimeMs(cal, out, time);
  return out;
}

export function addDurationMs(cal: BusinessCalendar, ms: number, d: Duration, policy: DuePolicy = defaultPolicy(d)): number {
  const raw = isBusinessDuration(d) ? addBusinessMs(cal, ms, d) : addCalendarMs(cal.zone, ms, d);
  return applyPolicyMs(cal, raw, policy);
}

// ---- the public, ISO-string API ----------------------------------------------------------------

/** Whether an instant is working time in the calendar (periods are half-open: 18:00 is not). */
export function isWorkingTime(cal: BusinessCalendar, instant: string): boolean {
  return isWorkingMs(cal, toMs(instant));
}

/** The first working moment at or after the instant. */
export function nextWorkingTime(cal: BusinessCalendar, instant: string): string {
  return toIso(nextWorkingMs(cal, toMs(instant)));
}

/** The last working moment at or before the instant, the end of a working period included. */
export function previousWorkingTime(cal: BusinessCalendar, instant: string): string {
  return toIso(previousWorkingMs(cal, toMs(instant)));
}

/** "The next working day at HH:mm": the first moment at that local time on a working date, at or after the instant. */
export function nextWorkingDateAt(cal: BusinessCalendar, instant: string, time: string): string {
  if (!TimeOfDaySchema.safeParse(time).success) throw new DealflowError('INVALID_INPUT', 'the time of day is HH:mm, such as "09:00"');
  return toIso(nextWorkingDateAtMs(cal, toMs(instant), parseTimeOfDay(time)));
}

/** Resolves a due time outside working time by a policy. */
export function applyDuePolicy(cal: BusinessCalendar, instant: string, policy: DuePolicy): string {
  return toIso(applyPolicyMs(cal, toMs(instant), checkPolicy(policy)));
}

/** Adds whole business days (negative: subtracts), then applies the policy (default `postpone`). */
export function addBusinessDays(cal: BusinessCalendar, instant: string, days: number, policy: DuePolicy = 'postpone'): string {
  checkAmount('businessDays', days);
  return toIso(applyPolicyMs(cal, addWorkingDaysMs(cal, toMs(instant), days), checkPolicy(policy)));
}

/** Adds elapsed working hours (negative: subtracts), then applies the policy (default `postpone`). */
export function addBusinessHours(cal: BusinessCalendar, instant: string, hours: number, policy: DuePolicy = 'postpone'): string {
  checkAmount('businessHours', hours);
  return toIso(applyPolicyMs(cal, addWorkingTimeMs(cal, toMs(instant), hours * HOUR), checkPolicy(policy)));
}

/** Adds elapsed working minutes (negative: subtracts), then applies the policy (default `postpone`). */
export function addBusinessMinutes(cal: BusinessCalendar, instant: string, minutes: number, policy: DuePolicy = 'postpone'): string {
  checkAmount('businessMinutes', minutes);
  return toIso(applyPolicyMs(cal, addWorkingTimeMs(cal, toMs(instant), minutes * MS_PER_MINUTE), checkPolicy(policy)));
}

/**
 * Adds any duration in a calendar: calendar units in its timezone, business units in its working
 * time; then applies the policy (default: `postpone` for business units, `exact` for calendar
 * ones). For a deadline that should read "by the end of the day", pass `exact`: 8 business hours
 * from Monday 10:00 is Monday 18:00, where `postpone` says Tuesday 09:00 (the same working moment).
 */
export function addDurationIn(cal: BusinessCalendar, instant: string, duration: Duration, policy?: DuePolicy): string {
  const d = parseDuration(duration);
  return toIso(addDurationMs(cal, toMs(instant), d, policy === undefined ? defaultPolicy(d) : checkPolicy(policy)));
}

/** Working time between two instants in minutes (negative when `to` is earlier): for SLA clocks and reports. */
export function businessMinutesBetween(cal: BusinessCalendar, from: string, to: string): number {
  return workingTimeBetweenMs(cal, toMs(from), toMs(to)) / MS_PER_MINUTE;
}
