import { z } from 'zod';
import { DealflowError, formatIssues, issuesFromZod } from './errors.js';

/**
 * The longest span a duration may name: 100 years, in any unit (negative offsets likewise). A
 * delay or due time further out is a typo or an attack (a `businessHours: 1e7` due date once kept
 * the process busy for minutes), never a plan. Each unit's bound is 100 years of 365.25 days
 * written in that unit, rounded down; calendar units together must not pass it either, and
 * business units are also refused when their calendar puts the result more than 100 years away
 * (a calendar with little working time). See docs/limits.md.
 */
export const MAX_DURATION_YEARS = 100;
const MAX_DAYS = 36_525;
/** The largest absolute value each duration unit accepts (100 years in that unit). */
export const MAX_DURATION = Object.freeze({
  minutes: MAX_DAYS * 1440,
  hours: MAX_DAYS * 24,
  days: MAX_DAYS,
  weeks: Math.floor(MAX_DAYS / 7),
  businessDays: MAX_DAYS,
  businessHours: MAX_DAYS * 24,
  businessMinutes: MAX_DAYS * 1440,
});

/** A duration unit's amount: finite, and at most 100 years of that unit either way. */
function amount(unit: keyof typeof MAX_DURATION, whole = false) {
  const max = MAX_DURATION[unit];
  const message = `${unit} must be at most ${max.toLocaleString('en-US')} either way (${MAX_DURATION_YEARS} years); a longer span is not a delay`;
  const n = whole ? z.number().int() : z.number().finite();
  return n.min(-max, { message }).max(max, { message });
}

const TOTAL_MESSAGE = `a duration's units together must be at most ${MAX_DURATION_YEARS} years (${MAX_DAYS.toLocaleString('en-US')} days) either way`;

/** The calendar units' total in days. */
function calendarDays(d: { minutes?: number | undefined; hours?: number | undefined; days?: number | undefined; weeks?: number | undefined }): number {
  return (d.days ?? 0) + 7 * (d.weeks ?? 0) + (d.hours ?? 0) / 24 + (d.minutes ?? 0) / 1440;
}

/**
 * A span of calendar time. Days and weeks are calendar days in the calendar's timezone, so
 * "1 day" keeps the wall-clock time across a DST change while `{ hours: 24 }` does not.
 */
export const CalendarDurationSchema = z
  .object({
    minutes: amount('minutes').optional(),
    hours: amount('hours').optional(),
    days: amount('days').optional(),
    weeks: amount('weeks').optional(),
  })
  .strict();
/** A wall-clock span (minutes, hours, days, weeks); see CalendarDurationSchema. */
export type CalendarDuration = z.infer<typeof CalendarDurationSchema>;

/**
 * A span of working time in a business calendar. `businessDays` moves by whole working days and
 * keeps the time of day; `businessHours` and `businessMinutes` count elapsed working time, so
 * they skip nights, weekends, holidays and lunch breaks. See docs/time.md.
 */
export const BusinessDurationSchema = z
  .object({
    businessDays: amount('businessDays', true).optional(),
    businessHours: amount('businessHours').optional(),
    businessMinutes: amount('businessMinutes').optional(),
  })
  .strict();
/** A span of working time; see BusinessDurationSchema. */
export type BusinessDuration = z.infer<typeof BusinessDurationSchema>;

/** The unit keys of a calendar duration. */
export const CALENDAR_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
/** The unit keys of a business duration. */
export const BUSINESS_UNITS = ['businessDays', 'businessHours', 'businessMinutes'] as const;

const DurationObjectSchema = CalendarDurationSchema.extend(BusinessDurationSchema.shape)
  .strict()
  .refine((d) => Math.abs(calendarDays(d)) <= MAX_DAYS, { message: TOTAL_MESSAGE });

/** A calendar duration or a business duration, never both in one object (say which you mean). */
export type Duration = z.infer<typeof DurationObjectSchema>;

const hasUnit = (d: Record<string, unknown>, units: ReadonlyArray<string>) => units.some((u) => d[u] !== undefined);

/** What rules accept wherever a delay or an offset goes: calendar units or business units. */
export const DurationSchema = DurationObjectSchema.refine((d) => hasUnit(d, CALENDAR_UNITS) || hasUnit(d, BUSINESS_UNITS), {
  message: 'a duration needs at least one unit: minutes, hours, days, weeks, businessDays, businessHours or businessMinutes',
}).refine((d) => !(hasUnit(d, CALENDAR_UNITS) && hasUnit(d, BUSINESS_UNITS)), {
  message: 'a duration takes calendar units (minutes, hours, days, weeks) or business units (businessDays, businessHours, businessMinutes), not both',
});

/** Calendar units only, for settings that mean wall-clock time whatever the calendar (digest waits, retries). */
export const CalendarOnlyDurationSchema = CalendarDurationSchema.refine((d) => hasUnit(d, CALENDAR_UNITS), {
  message: 'a duration needs at least one unit: minutes, hours, days or weeks',
}).refine((d) => Math.abs(calendarDays(d)) <= MAX_DAYS, { message: TOTAL_MESSAGE });

/** Whether a duration counts working time (business units) rather than calendar time. */
export function isBusinessDuration(d: Duration): boolean {
  return hasUnit(d, BUSINESS_UNITS);
}

/**
 * Validates a duration handed to a function directly rather than inside rules or a command
 * (`addDurationIn`, `addBusinessHours`): INVALID_INPUT listing every problem, else the duration.
 */
export function parseDuration(input: unknown): Duration {
  const parsed = DurationSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error);
  throw new DealflowError('INVALID_INPUT', `the duration is invalid:\n${formatIssues(issues)}`, { issues });
}
