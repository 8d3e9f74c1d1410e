import { z } from 'zod';
import { CalendarChoiceSchema, DuePolicySchema, TimeOfDaySchema } from './calendar.js';
import { DurationSchema } from './duration.js';

/**
 * When a scheduled action runs relative to a date field of the deal (ISO date or instant): the
 * field's value, moved by `offset` (calendar or business units; negative for "before"), then set
 * to the local time of day `time` if given. A date-only value is a date: day offsets move the
 * date (business days count working dates), and the time of day is `time` or 00:00.
 */
export const FieldAnchorSchema = z
  .object({
    field: z.string().min(1),
    offset: DurationSchema.optional(),
    time: TimeOfDaySchema.optional(),
  })
  .strict();

/** "The next working day at HH:mm": the first moment at that local time on a working date, at or after now. */
export const NextWorkingTimeSchema = z.object({ nextWorkingTime: TimeOfDaySchema }).strict();

/** What an action's `at` is measured from: a deal date field (plus offset) or the next working time of day. */
export const AnchorSchema = z.union([FieldAnchorSchema, NextWorkingTimeSchema]);
/** An action's `at`; see AnchorSchema. */
export type Anchor = z.infer<typeof AnchorSchema>;
/** An `at` anchored on a deal date field; see FieldAnchorSchema. */
export type FieldAnchor = z.infer<typeof FieldAnchorSchema>;

/**
 * One action of a rule. Without `after` or `at` it runs immediately when the rule fires;
 * with one of them it becomes a durable job that is re-checked when it comes due.
 */
export const ActionSpecSchema = z
  .object({
    type: z.string().min(1),
    /** A name unique in the rule, for history and idempotency keys; defaults to the position. */
    id: z.string().min(1).optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    after: DurationSchema.optional(),
    at: AnchorSchema.optional(),
    /**
     * A due time outside working time: `postpone` to the next working moment, `bring-forward` to
     * the end of the previous working period, or `exact`. Default: `postpone` when business units
     * or `nextWorkingTime` are involved, else `exact`.
     */
    policy: DuePolicySchema.optional(),
    /** The calendar for this action's timing: `pipeline`, `owner` or a named calendar. Default: the rule's. */
    calendar: CalendarChoiceSchema.optional(),
    /** Whether the deal leaving the rule's stage cancels this job. Default: yes for stage-triggered rules. */
    cancelOnStageLeave: z.boolean().optional(),
    /** Whether the rule's `when` is evaluated again when the job comes due. Default: yes. */
    recheck: z.boolean().default(true),
  })
  .strict()
  .refine((a) => !(a.after && a.at), { message: 'an action takes `after` or `at`, not both', path: ['at'] })
  .refine((a) => !a.after || Object.values(a.after).every((v) => typeof v !== 'number' || v >= 0), {
    message: '`after` is a delay from when the rule fires and cannot be negative; to act before a date, use `at: { field, offset: { days: -2 } }`',
    path: ['after'],
  });
/** One parsed action of a rule; see ActionSpecSchema. */
export type ActionSpec = z.infer<typeof ActionSpecSchema>;
/** One action of a rule as written. */
export type ActionSpecInput = z.input<typeof ActionSpecSchema>;
