import { z } from 'zod';
import { DealflowError, formatIssues, issuesFromZod } from './errors.js';
import { durationFromText, hinted } from './hints.js';
import { unknownKeys } from './objects.js';

/**
 * The longest span a duration may name: 100 years, in any unit (negative offsets likewise). A
 * delay or due time further out is a typo or an attack (a `businessHours: 1e7` due date once kept
 * the process busy for minutes), never a plan. Each unit's bound is 100 years of 365.25 days
 * written in that unit, rounded down; business units are also refused when their calendar puts
 * the result more than 100 years away (a calendar with little working time). See docs/limits.md.
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

/** The unit keys of a calendar duration. */
export const CALENDAR_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
/** The unit keys of a business duration. */
export const BUSINESS_UNITS = ['businessDays', 'businessHours', 'businessMinutes'] as const;

const UNIT_HELP = {
  minutes: 'Elapsed minutes.',
  hours: 'Elapsed hours: { "hours": 24 } is 24 hours, even across a DST change.',
  days: 'Calendar days in the calendar’s timezone: the wall-clock time is kept across DST.',
  weeks: 'Calendar weeks (7 calendar days).',
  businessDays: 'Whole working days of the business calendar, keeping the time of day; a whole number.',
  businessHours: 'Elapsed working time in hours: nights, days off and breaks do not count.',
  businessMinutes: 'Elapsed working time in minutes.',
} as const;

/** `"5 days"` gets the object form to write instead. */
function durationError(iss: { code?: string; input?: unknown }): string | undefined {
  if (iss.code !== 'invalid_type') return undefined;
  const text = typeof iss.input === 'string' ? durationFromText(iss.input) : undefined;
  if (typeof iss.input === 'string') {
    return hinted(`a duration is an object such as { "days": 5 }, not the text ${JSON.stringify(iss.input)}`, text ? `write ${text}` : undefined);
  }
  if (typeof iss.input === 'number')
    return hinted('a duration is an object with its unit, not a bare number', `write { "days": ${iss.input} } or another unit`);
  return undefined;
}

/**
 * The unit numbers of a duration, each within MAX_DURATION either way; `min` bounds them from
 * below (a delay is never negative).
 */
function units(min?: { value: number; message: string }) {
  const n = (key: keyof typeof UNIT_HELP, int = false) => {
    const max = MAX_DURATION[key];
    const bound = `${key} must be at most ${max.toLocaleString('en-US')} either way (${MAX_DURATION_YEARS} years); a longer span is not a delay`;
    let s = (int ? z.number().int() : z.number().finite()).max(max, { error: bound });
    s = min ? s.min(min.value, { error: min.message }) : s.min(-max, { error: bound });
    return s.optional().describe(UNIT_HELP[key]);
  };
  return {
    minutes: n('minutes'),
    hours: n('hours'),
    days: n('days'),
    weeks: n('weeks'),
    businessDays: n('businessDays', true),
    businessHours: n('businessHours'),
    businessMinutes: n('businessMinutes'),
  };
}

const hasUnit = (d: Record<string, unknown>, list: ReadonlyArray<string>) => list.some((u) => d[u] !== undefined);
const anyRequired = (list: ReadonlyArray<string>) => ({ anyOf: list.map((u) => ({ required: [u] })) });

const DURATION_HELP =
  'A span of time: calendar units (minutes, hours, days, weeks) or business units (businessDays, businessHours, businessMinutes), not both. Example: { "days": 5 } or { "businessHours": 4 }.';

/**
 * A duration object with the two rules every duration keeps: at least one unit, and calendar or
 * business units, never both. They are checks here and `minProperties` / `not` in the JSON
 * Schema, so the parser and the schema say the same.
 */
function duration(shape: ReturnType<typeof units>, description: string) {
  return z
    .strictObject(shape, {
      error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeys(iss.keys, [...CALENDAR_UNITS, ...BUSINESS_UNITS]) : durationError(iss)),
    })
    .refine((d) => hasUnit(d, CALENDAR_UNITS) || hasUnit(d, BUSINESS_UNITS), {
      message: hinted('a duration needs a unit', 'one of minutes, hours, days, weeks, businessDays, businessHours or businessMinutes: { "days": 5 }'),
    })
    .refine((d) => !(hasUnit(d, CALENDAR_UNITS) && hasUnit(d, BUSINESS_UNITS)), {
      message: hinted(
        'a duration takes calendar units or business units, not both',
        'calendar: minutes, hours, days, weeks; business: businessDays, businessHours, businessMinutes — say which you mean',
      ),
    })
    .meta({ description, minProperties: 1, not: { allOf: [anyRequired(CALENDAR_UNITS), anyRequired(BUSINESS_UNITS)] } });
}

/**
 * A span of calendar time. Days and weeks are calendar days in the calendar's timezone, so
 * "1 day" keeps the wall-clock time across a DST change while `{ hours: 24 }` does not.
 */
export const CalendarDurationSchema = z
  .strictObject({ minutes: units().minutes, hours: units().hours, days: units().days, weeks: units().weeks })
  .describe('A span of calendar time.');
/** A wall-clock span (minutes, hours, days, weeks); see CalendarDurationSchema. */
export type CalendarDuration = z.infer<typeof CalendarDurationSchema>;

/**
 * A span of working time in a business calendar. `businessDays` moves by whole working days and
 * keeps the time of day; `businessHours` and `businessMinutes` count elapsed working time, so
 * they skip nights, weekends, holidays and lunch breaks. See docs/time.md.
 */
export const BusinessDurationSchema = z
  .strictObject({ businessDays: units().businessDays, businessHours: units().businessHours, businessMinutes: units().businessMinutes })
  .describe('A span of working time.');
/** A span of working time; see BusinessDurationSchema. */
export type BusinessDuration = z.infer<typeof BusinessDurationSchema>;

/** A calendar duration or a business duration, never both in one object (say which you mean). */
export type Duration = z.infer<typeof BusinessDurationSchema> & z.infer<typeof CalendarDurationSchema>;

/** What rules accept wherever a duration goes (an offset may be negative: "2 days before"): calendar units or business units. */
export const DurationSchema = duration(units(), DURATION_HELP);

/**
 * A delay from now (an action's `after`): a duration that is never negative. To act before a date,
 * anchor on the date with a negative offset (`at: { field, offset: { days: -2 } }`).
 */
export const DelaySchema = duration(
  units({
    value: 0,
    message: hinted(
      '`after` is a delay from when the rule fires and cannot be negative',
      'to act before a date, use "at": { "field": "fields.closeDate", "offset": { "days": -2 } }',
    ),
  }),
  `${DURATION_HELP} Never negative.`,
);

/** Calendar units only, for settings that mean wall-clock time whatever the calendar (digest waits, retries). */
export const CalendarOnlyDurationSchema = CalendarDurationSchema.refine((d) => hasUnit(d, CALENDAR_UNITS), {
  message: 'a duration needs at least one unit: minutes, hours, days or weeks',
}).meta({ minProperties: 1 });

/** Whether a duration counts working time (business units) rather than calendar time. */
export function isBusinessDuration(d: Duration): boolean {
  // Asked for every scheduled job: spelled out rather than hasUnit's closure per call.
  return d.businessDays !== undefined || d.businessHours !== undefined || d.businessMinutes !== undefined;
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
