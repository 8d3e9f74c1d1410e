import { z } from 'zod';
import { CalendarChoiceSchema, DuePolicySchema, TimeOfDaySchema } from './calendar.js';
import { DealPathSchema } from './deal-path.js';
import { DelaySchema, DurationSchema } from './duration.js';
import { hinted } from './hints.js';
import { strictObject } from './objects.js';

/**
 * When a scheduled action runs relative to a date field of the deal (ISO date or instant): the
 * field's value, moved by `offset` (calendar or business units; negative for "before"), then set
 * to the local time of day `time` if given. A date-only value is a date: day offsets move the
 * date (business days count working dates), and the time of day is `time` or 00:00.
 */
export const FieldAnchorSchema = strictObject({
  field: DealPathSchema.describe('The deal date field the job is due at: fields.<name>, createdAt, stageEnteredAt.'),
  offset: DurationSchema.optional().describe('Moves the date: calendar or business units, negative for "before" ({ "businessDays": -2 }).'),
  time: TimeOfDaySchema.optional().describe('The local time of day, HH:mm, after the day part of the offset.'),
}).describe('Due at a deal date field, moved by an offset, at a time of day.');

/** "The next working day at HH:mm": the first moment at that local time on a working date, at or after now. */
export const NextWorkingTimeSchema = strictObject({
  nextWorkingTime: TimeOfDaySchema.describe('The local time of day, HH:mm, on the next working date (today if still ahead).'),
}).describe('Due the next working day at a time of day.');

/** What an action's `at` is measured from: a deal date field (plus offset) or the next working time of day. */
export const AnchorSchema = z
  .union([FieldAnchorSchema, NextWorkingTimeSchema], {
    error: () =>
      hinted(
        '`at` is { "field", "offset"?, "time"? } or { "nextWorkingTime": "HH:mm" }',
        'e.g. "at": { "field": "fields.closeDate", "offset": { "days": -2 } }',
      ),
  })
  .describe('When the job is due: at a deal date field, or the next working time of day.');
/** An action's `at`; see AnchorSchema. */
export type Anchor = z.infer<typeof AnchorSchema>;
/** An `at` anchored on a deal date field; see FieldAnchorSchema. */
export type FieldAnchor = z.infer<typeof FieldAnchorSchema>;

/**
 * One action of a rule. Without `after` or `at` it runs immediately when the rule fires;
 * with one of them it becomes a durable job that is re-checked when it comes due.
 */
export const ActionSpecSchema = strictObject({
  type: z.string().min(1).describe('The action type: a built-in one (notify, setField, moveStage, …) or one registered with defineAction.'),
  id: z.string().min(1).optional().describe('A name unique in the rule, for history and idempotency keys; defaults to the position.'),
  params: z.record(z.string(), z.unknown()).default({}).describe('The action’s params, checked by its type’s schema.'),
  after: DelaySchema.optional().describe('Run this long after the rule fired: a durable job. Never negative.'),
  at: AnchorSchema.optional(),
  policy: DuePolicySchema.optional().describe(
    'A due time outside working time: postpone to the next working moment, bring-forward to the end of the previous working period, or exact. Default: postpone with business units or nextWorkingTime, else exact.',
  ),
  calendar: CalendarChoiceSchema.optional().describe('The calendar for this action’s timing: pipeline, owner or a named calendar. Default: the rule’s.'),
  cancelOnStageLeave: z.boolean().optional().describe('Whether the deal leaving the rule’s stage cancels this job. Default: yes for stage.entered rules.'),
  recheck: z.boolean().default(true).describe('Whether the rule’s `when` is evaluated again when the job comes due.'),
})
  .refine((a) => !(a.after && a.at), {
    message: hinted('an action takes `after` or `at`, not both', 'keep `after` for a delay from when the rule fires, `at` for a time relative to a deal date'),
    path: ['at'],
    when: (p) => typeof p.value === 'object' && p.value !== null && 'after' in p.value && 'at' in p.value,
  })
  .meta({ description: 'One action of a rule: its type and params, and optionally when it runs (after or at).', not: { required: ['after', 'at'] } });
/** One parsed action of a rule; see ActionSpecSchema. */
export type ActionSpec = z.infer<typeof ActionSpecSchema>;
/** One action of a rule as written. */
export type ActionSpecInput = z.input<typeof ActionSpecSchema>;
