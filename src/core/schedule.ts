import type { ActionSpec, Anchor } from '../model/action.js';
import type { DuePolicy } from '../model/calendar.js';
import type { Deal } from '../model/deal.js';
import type { Duration } from '../model/duration.js';
import { isBusinessDuration } from '../model/duration.js';
import { readDealPath } from '../model/deal-path.js';
import type { BusinessCalendar } from './time/calendar.js';
import { addBusinessMs, addCalendarMs, addWorkingTimeMs, applyPolicyMs, defaultPolicy, nextWorkingDateAtMs, stepWorkingDates, toIso } from './time/business.js';
import { localPosition, localToInstant, MS_PER_MINUTE, parseIsoDate, parseTimeOfDay } from './time/local.js';
import { parseIso } from './time/iso.js';

/** Adds a calendar duration in a timezone: days keep the wall-clock time across DST, hours do not. */
export function addDuration(instant: string, duration: Duration, zone: string): string {
  return toIso(addCalendarMs(zone, Date.parse(instant), duration));
}

/** A deal date field's value: a calendar date (a date-only string) or an instant. */
export type AnchorValue = { date: number } | { instant: number };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads a deal date field. Date-only strings stay dates (they mean a day, not a moment). */
export function readAnchor(deal: Deal, field: string): AnchorValue | undefined {
  const raw = readDealPath(deal, field);
  if (typeof raw !== 'string' || raw === '') return undefined;
  if (DATE_ONLY.test(raw)) {
    const day = parseIsoDate(raw);
    return Number.isNaN(day) ? undefined : { date: day };
  }
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : { instant: ms };
}

/** Reads a deal date field as an instant. A date-only value means the start of that day in `zone`. */
export function readInstant(deal: Deal, field: string, zone: string): string | undefined {
  const v = readAnchor(deal, field);
  if (!v) return undefined;
  return toIso('date' in v ? localToInstant(v.date, 0, zone) : v.instant);
}

/** The day part of an offset (whole days, weeks or business days) and the rest (hours, minutes). */
function splitOffset(d: Duration): { days: Duration | null; time: Duration | null } {
  if (isBusinessDuration(d)) {
    const days = d.businessDays ? { businessDays: d.businessDays } : null;
    const time = d.businessHours || d.businessMinutes ? { businessHours: d.businessHours ?? 0, businessMinutes: d.businessMinutes ?? 0 } : null;
    return { days, time };
  }
  const total = (d.days ?? 0) + 7 * (d.weeks ?? 0);
  const whole = Math.trunc(total);
  const rest = (total - whole) * 24 + (d.hours ?? 0);
  return { days: whole ? { days: whole } : null, time: rest || d.minutes ? { hours: rest, minutes: d.minutes ?? 0 } : null };
}

export interface AnchorTiming {
  offset?: Duration | undefined;
  time?: string | undefined;
  policy?: DuePolicy | undefined;
}

/**
 * The due time relative to a date field's value: the day part of the offset moves the date
 * (business days count working dates; from a date-only value like a spreadsheet's WORKDAY), then
 * `time` sets the local time of day (a date-only value starts at 00:00), then the hours and
 * minutes part is added; finally the policy resolves a time outside working time.
 */
export function dueFromAnchor(cal: BusinessCalendar, anchor: AnchorValue, timing: AnchorTiming): number {
  const { days, time: rest } = timing.offset ? splitOffset(timing.offset) : { days: null, time: null };
  const clock = timing.time === undefined ? undefined : parseTimeOfDay(timing.time) * MS_PER_MINUTE;
  let ms: number;
  if ('date' in anchor) {
    let day = anchor.date;
    if (days?.businessDays) day = stepWorkingDates(cal, day, days.businessDays);
    else if (days?.days) day += days.days;
    ms = localToInstant(day, clock ?? 0, cal.zone);
  } else {
    ms = days ? addBusinessOrCalendar(cal, anchor.instant, days) : anchor.instant;
    if (clock !== undefined) ms = localToInstant(localPosition(ms, cal.zone).day, clock, cal.zone);
  }
  if (rest) ms = addBusinessOrCalendar(cal, ms, rest);
  return applyPolicyMs(cal, ms, timing.policy ?? defaultPolicy(timing.offset));
}

function addBusinessOrCalendar(cal: BusinessCalendar, ms: number, d: Duration): number {
  if (!isBusinessDuration(d)) return addCalendarMs(cal.zone, ms, d);
  return d.businessDays ? addBusinessMs(cal, ms, d) : addWorkingTimeMs(cal, ms, ((d.businessHours ?? 0) * 60 + (d.businessMinutes ?? 0)) * MS_PER_MINUTE);
}

/** A delay from `now`: `after` on actions, `stage.idle`'s `after`. */
export function dueAfter(cal: BusinessCalendar, now: number, after: Duration, policy?: DuePolicy): number {
  const raw = isBusinessDuration(after) ? addBusinessMs(cal, now, after) : addCalendarMs(cal.zone, now, after);
  return applyPolicyMs(cal, raw, policy ?? defaultPolicy(after));
}

/** When a timed action runs: `dueAt` (an ISO instant), or `skip` with the reason it cannot be scheduled. */
export type DueTime = { dueAt: string } | { skip: string };

/** What an action (or a timer trigger) says about when it runs. */
export interface Timing {
  after?: Duration | undefined;
  at?: Anchor | undefined;
  policy?: DuePolicy | undefined;
}

/**
 * When a scheduled action is due, or why it cannot be scheduled: `after` a delay from now, `at` a
 * deal date field (with offset and time of day) or the next working day at a time; all in the
 * calendar the rule follows, with the due-time policy applied (docs/time.md).
 */
export function computeDueAt(spec: Timing, deal: Deal | null, now: string, cal: BusinessCalendar): DueTime {
  const nowMs = parseIso(now);
  if (spec.after) return { dueAt: toIso(dueAfter(cal, nowMs, spec.after, spec.policy)) };
  const at = spec.at;
  if (at) {
    if ('nextWorkingTime' in at) {
      const t = nextWorkingDateAtMs(cal, nowMs, parseTimeOfDay(at.nextWorkingTime));
      return { dueAt: toIso(applyPolicyMs(cal, t, spec.policy ?? 'postpone')) };
    }
    if (!deal) return { skip: 'no deal to read the anchor field from' };
    const anchor = readAnchor(deal, at.field);
    if (anchor === undefined) return { skip: `anchor field ${at.field} is not set to a date` };
    return { dueAt: toIso(dueFromAnchor(cal, anchor, { offset: at.offset, time: at.time, policy: spec.policy })) };
  }
  return { dueAt: now };
}

export function isScheduled(spec: ActionSpec): boolean {
  return spec.after !== undefined || spec.at !== undefined;
}

/** The deal date field an action's due time is anchored to, if any. */
export function anchorFieldOf(spec: Timing): string | null {
  return spec.at && 'field' in spec.at ? spec.at.field : null;
}
