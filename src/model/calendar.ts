import { IANAZone } from 'luxon';
import { z } from 'zod';
import { hinted } from './hints.js';
import { oneOf, strictObject } from './objects.js';

/** A local time of day, `HH:mm`, 00:00–24:00 (24:00 only closes a range). */
export const TimeOfDaySchema = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time of day as HH:mm, e.g. "09:00"')
  .describe('A local time of day, HH:mm (24:00 only closes a range).');

/** A calendar date, `YYYY-MM-DD`. */
export const IsoDateSchema = z.iso.date().describe('A date, YYYY-MM-DD.');

/** Weekday keys, Monday first, as a calendar's `week` uses them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A weekday key: `mon` … `sun`. */
export const WeekdaySchema = oneOf(WEEKDAYS).describe('A weekday: mon, tue, wed, thu, fri, sat, sun.');
/** A weekday key: `mon` … `sun`. */
export type Weekday = z.infer<typeof WeekdaySchema>;

/** One stretch of working time in a day, `from` inclusive, `to` exclusive, in local time. */
export const WorkingHoursSchema = strictObject({
  from: TimeOfDaySchema.describe('Start, inclusive, HH:mm.'),
  to: TimeOfDaySchema.describe('End, exclusive, HH:mm ("24:00" allowed).'),
})
  .refine((r) => r.from < r.to, { message: 'a working-hours range must end after it starts (a night shift is two ranges on two days)' })
  .describe('One stretch of working time in a day.');
/** One stretch of working time in a day; see WorkingHoursSchema. */
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;

/** date-holidays' holiday types. Only `public` is a day off by default; see docs/time.md. */
export const HOLIDAY_TYPES = ['public', 'bank', 'school', 'optional', 'observance'] as const;

/** Public holidays looked up with date-holidays by country (and optionally state and region). */
export const PublicHolidaysSchema = strictObject({
  country: z.string().min(2).describe('ISO 3166-1 alpha-2 country code, as date-holidays knows it: DE, US, RU.'),
  state: z.string().min(1).optional().describe('A state or province code: BE (Berlin), NY.'),
  region: z.string().min(1).optional().describe('A region within the state.'),
  types: z
    .array(oneOf(HOLIDAY_TYPES).describe('A date-holidays holiday type: public, bank, school, optional, observance.'))
    .min(1)
    .default(['public'])
    .describe('Which holiday types are days off.'),
}).describe('Public holidays of a country or region, from the date-holidays library. Decreed transfers are not guaranteed: add them with productionCalendars.');
/** Public holidays looked up by country; see PublicHolidaysSchema. */
export type PublicHolidays = z.infer<typeof PublicHolidaysSchema>;

/** One extra day off: an ISO date, or `{ date, name }`. */
export const HolidaySchema = z
  .union([IsoDateSchema, strictObject({ date: IsoDateSchema, name: z.string().optional().describe('Its name, shown in explanations.') })])
  .describe('A day off: a date, or { "date", "name" }.');

const holidayDate = (h: z.infer<typeof HolidaySchema>) => (typeof h === 'string' ? h : h.date);

/**
 * One country's official production calendar for one year, as an overlay on `publicHolidays`:
 * the days off the decree adds (transfers such as Russia's 9 January 2026) and the days it makes
 * working (a transferred working Saturday, a holiday it cancels). date-holidays follows the fixed
 * rules of a country's holidays; decreed transfers are published each year, and this is where
 * they go (docs/time.md).
 */
export const ProductionCalendarSchema = strictObject({
  country: z.string().min(2).describe('The country, as in publicHolidays.country.'),
  year: z.number().int().min(1900).max(2200).describe('The year it covers; every date must be in it.'),
  source: z.string().optional().describe('Where it comes from: the decree, a URL.'),
  holidays: z.array(HolidaySchema).default([]).describe('Days off besides publicHolidays: decreed transfers and extra holidays.'),
  workingDays: z
    .array(IsoDateSchema)
    .default([])
    .describe('Working days although the week or publicHolidays says otherwise: a transferred working Saturday, a cancelled holiday.'),
})
  .superRefine((o, ctx) => {
    const seen = new Map<string, string>();
    const check = (date: string, path: PropertyKey[], list: string) => {
      if (!date.startsWith(`${o.year}-`))
        ctx.addIssue({ code: 'custom', path, message: `${date} is not in ${o.year}, the year this production calendar covers` });
      const other = seen.get(date);
      if (other) ctx.addIssue({ code: 'custom', path, message: other === list ? `${date} is listed twice` : `${date} is both a holiday and a working day` });
      seen.set(date, list);
    };
    o.holidays.forEach((h, i) => check(holidayDate(h), ['holidays', i], 'holidays'));
    o.workingDays.forEach((d, i) => check(d, ['workingDays', i], 'workingDays'));
  })
  .describe('An official production calendar for one country and year: extra days off and working days over publicHolidays.');
/** A production calendar overlay; see ProductionCalendarSchema. */
export type ProductionCalendar = z.infer<typeof ProductionCalendarSchema>;
/** A production calendar overlay as written. */
export type ProductionCalendarInput = z.input<typeof ProductionCalendarSchema>;

const ranges = z.array(WorkingHoursSchema);

/**
 * A business calendar: when people work. Business durations, the due-time policies and
 * `nextWorkingTime` are computed with it, in its timezone.
 */
export const CalendarSchema = strictObject({
  timezone: z.string().optional().describe('IANA timezone, e.g. Europe/Berlin. Default: the pipeline’s timezone (or the owner’s, for an owner calendar).'),
  workingDays: z.array(WeekdaySchema).default(['mon', 'tue', 'wed', 'thu', 'fri']).describe('The working weekdays.'),
  hours: ranges
    .min(1)
    .default([{ from: '09:00', to: '18:00' }])
    .describe('Working hours of a working day, possibly several ranges (09:00–13:00 and 14:00–18:00).'),
  hoursByDay: z
    .partialRecord(WeekdaySchema, ranges.min(1))
    .optional()
    .describe('Other hours on some weekdays, e.g. { "fri": [{ "from": "09:00", "to": "15:00" }] }; each must be a working day.'),
  holidays: z.array(HolidaySchema).default([]).describe('Days off: dates, optionally named.'),
  publicHolidays: PublicHolidaysSchema.optional(),
  productionCalendars: z
    .array(ProductionCalendarSchema)
    .default([])
    .describe('Official production calendars of the publicHolidays country, one per year: the decreed days off and working days date-holidays does not have.'),
  extraWorkingDays: z
    .array(IsoDateSchema)
    .default([])
    .describe('Dates that are working days although the week or a holiday says otherwise (a working Saturday).'),
})
  .superRefine((c, ctx) => {
    if (c.timezone !== undefined && !IANAZone.isValidZone(c.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: hinted(`unknown timezone "${c.timezone}"`, 'use an IANA name such as "Europe/Berlin"') });
    }
    if (c.workingDays.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['workingDays'],
        message: 'a calendar needs at least one working weekday; without one, business time would never pass',
      });
    }
    const checkOverlap = (list: WorkingHours[], path: PropertyKey[]) => {
      const sorted = [...list].sort((a, b) => (a.from < b.from ? -1 : 1));
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i]!.from < sorted[i - 1]!.to) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `working hours ${sorted[i - 1]!.from}–${sorted[i - 1]!.to} and ${sorted[i]!.from}–${sorted[i]!.to} overlap`,
          });
        }
      }
    };
    checkOverlap(c.hours, ['hours']);
    for (const [day, list] of Object.entries(c.hoursByDay ?? {})) {
      if (!list) continue;
      checkOverlap(list, ['hoursByDay', day]);
      if (!c.workingDays.includes(day as Weekday)) {
        ctx.addIssue({ code: 'custom', path: ['hoursByDay', day], message: `"${day}" has hours but is not in workingDays; add it there` });
      }
    }
    const off = new Set(c.holidays.map(holidayDate));
    c.extraWorkingDays.forEach((d, i) => {
      if (off.has(d)) ctx.addIssue({ code: 'custom', path: ['extraWorkingDays', i], message: `${d} is both a holiday and an extra working day` });
    });
    const years = new Set<string>();
    c.productionCalendars.forEach((o, i) => {
      if (!c.publicHolidays) {
        ctx.addIssue({
          code: 'custom',
          path: ['productionCalendars', i],
          message: hinted(
            'a production calendar corrects publicHolidays, which this calendar does not have',
            `add "publicHolidays": { "country": "${o.country}" }`,
          ),
        });
      } else if (o.country !== c.publicHolidays.country) {
        ctx.addIssue({
          code: 'custom',
          path: ['productionCalendars', i, 'country'],
          message: `the production calendar is for ${o.country}, the calendar's public holidays are ${c.publicHolidays.country}`,
        });
      }
      const key = `${o.country}/${o.year}`;
      if (years.has(key))
        ctx.addIssue({ code: 'custom', path: ['productionCalendars', i, 'year'], message: `a second production calendar for ${key}; merge them` });
      years.add(key);
      o.workingDays.forEach((d, j) => {
        if (off.has(d))
          ctx.addIssue({
            code: 'custom',
            path: ['productionCalendars', i, 'workingDays', j],
            message: `${d} is a working day here and a holiday in the calendar's holidays`,
          });
      });
    });
  })
  .describe('A business calendar: working days and hours, holidays and extra working days, in a timezone.');
/** A parsed business calendar; see CalendarSchema. */
export type Calendar = z.infer<typeof CalendarSchema>;
/** A business calendar as written, before defaults are filled in. */
export type CalendarInput = z.input<typeof CalendarSchema>;

/**
 * Where a pipeline, a user or a rule gets its calendar: inline, or the name of one passed to
 * `createEngine({ calendars })`.
 */
export const CalendarRefSchema = z
  .union([z.string().min(1).describe('The name of a calendar in createEngine({ calendars }).'), CalendarSchema])
  .describe('A calendar: inline, or the name of one in createEngine({ calendars }).');
/** An inline calendar or the name of one passed to `createEngine({ calendars })`. */
export type CalendarRef = z.infer<typeof CalendarRefSchema>;
/** A CalendarRef as written, before defaults are filled in. */
export type CalendarRefInput = z.input<typeof CalendarRefSchema>;

/**
 * Which calendar a rule or an action follows: the deal's pipeline (default), the deal owner's
 * (from the Directory), or a named one.
 */
export const CalendarChoiceSchema = z.string().min(1).describe('pipeline, owner, or the name of a calendar in createEngine({ calendars }).');
/** Which calendar to follow: `pipeline` (default), `owner`, or the name of a registered calendar. */
export type CalendarChoice = 'pipeline' | 'owner' | (string & {});

/** What to do with a due time that falls outside working time. See docs/time.md. */
export const DuePolicySchema = oneOf(['postpone', 'bring-forward', 'exact']).describe(
  'A due time outside working time: postpone (the next working moment), bring-forward (the end of the previous working period) or exact.',
);
/** What to do with a due time outside working time: `postpone`, `bring-forward` or `exact`. */
export type DuePolicy = z.infer<typeof DuePolicySchema>;
