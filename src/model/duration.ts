import { z } from 'zod';

/**
 * A span of calendar time. Days and weeks are calendar days in the pipeline's timezone, so
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

export const DurationSchema = CalendarDurationSchema.refine(
  (d) => Object.values(d).some((v) => v !== undefined),
  { message: 'a duration needs at least one unit: minutes, hours, days or weeks' },
);

export type Duration = z.infer<typeof CalendarDurationSchema>;
