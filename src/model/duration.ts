import { z } from 'zod';

/**
 * A span of calendar time. Days and weeks are calendar days in the calendar's timezone, so
 * "1 day" keeps the wall-clock time across a DST change while `{ hours: 24 }` does not.
 */
export const CalendarDurationSchema = z
  .object({
    minutes: z.number().finite().optional(),
    hours: z.number().finite().optional(),
    days: z.number().finite().optional(),
    weeks: z.number().finite().optional(),
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
    businessDays: z.number().int().optional(),
    businessHours: z.number().finite().optional(),
    businessMinutes: z.number().finite().optional(),
  })
  .strict();
/** A span of working time; see BusinessDurationSchema. */
export type BusinessDuration = z.infer<typeof BusinessDurationSchema>;

/** The unit keys of a calendar duration. */
export const CALENDAR_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
/** The unit keys of a business duration. */
export const BUSINESS_UNITS = ['businessDays', 'businessHours', 'businessMinutes'] as const;

const DurationObjectSchema = CalendarDurationSchema.extend(BusinessDurationSchema.shape).strict();

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
});

/** Whether a duration counts working time (business units) rather than calendar time. */
export function isBusinessDuration(d: Duration): boolean {
  return hasUnit(d, BUSINESS_UNITS);
}
