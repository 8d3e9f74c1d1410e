import { IANAZone } from 'luxon';
import { z } from 'zod';

/** A local time of day, `HH:mm`, 00:00–24:00 (24:00 only closes a range). */
export const TimeOfDaySchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time of day as HH:mm, e.g. "09:00"');

/** A calendar date, `YYYY-MM-DD`. */
export const IsoDateSchema = z.iso.date();

/** Weekday keys, Monday first, as a calendar's `week` uses them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A weekday key: `mon` … `sun`. */
export const WeekdaySchema = z.enum(WEEKDAYS);
/** A weekday key: `mon` … `sun`. */
export type Weekday = z.infer<typeof WeekdaySchema>;

/** One stretch of working time in a day, `from` inclusive, `to` exclusive, in local time. */
export const WorkingHoursSchema = z
  .object({ from: TimeOfDaySchema, to: TimeOfDaySchema })
  .strict()
  .refine((r) => r.from < r.to, { message: 'a working-hours range must end after it starts (a night shift is two ranges on two days)' });
/** One stretch of working time in a day; see WorkingHoursSchema. */
export type WorkingHours = z.infer<typeof WorkingHoursSchema>;

/** date-holidays' holiday types. Only `public` is a day off by default; see docs/time.md. */
export const HOLIDAY_TYPES = ['public', 'bank', 'school', 'optional', 'observance'] as const;

/** Public holidays looked up with date-holidays by country (and optionally state and region). */
export const PublicHolidaysSchema = z
  .object({
    /** ISO 3166-1 alpha-2 country code, as date-holidays knows it: `DE`, `US`, `IN`. */
    country: z.string().min(2),
    /** A state or province code: `BE` (Berlin), `NY`. */
    state: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    /** Which holiday types are days off. Default `["public"]`. */
    types: z.array(z.enum(HOLIDAY_TYPES)).min(1).default(['public']),
  })
  .strict();
/** Public holidays looked up by country; see PublicHolidaysSchema. */
export type PublicHolidays = z.infer<typeof PublicHolidaysSchema>;

/** One extra day off: an ISO date, or `{ date, name }`. */
export const HolidaySchema = z.union([IsoDateSchema, z.object({ date: IsoDateSchema, name: z.string().optional() }).strict()]);

const ranges = z.array(WorkingHoursSchema);

/**
 * A business calendar: when people work. Business durations, the due-time policies and
 * `nextWorkingTime` are computed with it, in its timezone.
 */
export const CalendarSchema = z
  .object({
    /** IANA timezone. Default: the pipeline's timezone (or the owner's, for an owner calendar). */
    timezone: z.string().optional(),
    workingDays: z.array(WeekdaySchema).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    /** Working hours of a working day, possibly several ranges (09:00–13:00 and 14:00–18:00). */
    hours: ranges.min(1).default([{ from: '09:00', to: '18:00' }]),
    /** Other hours on some weekdays, e.g. `{ fri: [{ from: '09:00', to: '15:00' }] }`. */
    hoursByDay: z.partialRecord(WeekdaySchema, ranges.min(1)).optional(),
    /** Days off: dates, optionally named. */
    holidays: z.array(HolidaySchema).default([]),
    /** Public holidays of a country or region, from the date-holidays library. */
    publicHolidays: PublicHolidaysSchema.optional(),
    /** Dates that are working days although the week or a holiday says otherwise (a working Saturday). */
    extraWorkingDays: z.array(IsoDateSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.timezone !== undefined && !IANAZone.isValidZone(c.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown timezone "${c.timezone}"; use an IANA name such as "Europe/Berlin"` });
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
    const off = new Set(c.holidays.map((h) => (typeof h === 'string' ? h : h.date)));
    c.extraWorkingDays.forEach((d, i) => {
      if (off.has(d)) ctx.addIssue({ code: 'custom', path: ['extraWorkingDays', i], message: `${d} is both a holiday and an extra working day` });
    });
  });
/** A parsed business calendar; see CalendarSchema. */
export type Calendar = z.infer<typeof CalendarSchema>;
/** A business calendar as written, before defaults are filled in. */
export type CalendarInput = z.input<typeof CalendarSchema>;

/**
 * Where a pipeline, a user or a rule gets its calendar: inline, or the name of one passed to
 * `createEngine({ calendars })`.
 */
export const CalendarRefSchema = z.union([z.string().min(1), CalendarSchema]);
/** An inline calendar or the name of one passed to `createEngine({ calendars })`. */
export type CalendarRef = z.infer<typeof CalendarRefSchema>;
/** A CalendarRef as written, before defaults are filled in. */
export type CalendarRefInput = z.input<typeof CalendarRefSchema>;

/**
 * Which calendar a rule or an action follows: the deal's pipeline (default), the deal owner's
 * (from the Directory), or a named one.
 */
export const CalendarChoiceSchema = z.string().min(1);
/** Which calendar to follow: `pipeline` (default), `owner`, or the name of a registered calendar. */
export type CalendarChoice = 'pipeline' | 'owner' | (string & {});

/** What to do with a due time that falls outside working time. See docs/time.md. */
export const DuePolicySchema = z.enum(['postpone', 'bring-forward', 'exact']);
/** What to do with a due time outside working time: `postpone`, `bring-forward` or `exact`. */
export type DuePolicy = z.infer<typeof DuePolicySchema>;
