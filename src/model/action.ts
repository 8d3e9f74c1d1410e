import { z } from 'zod';
import { DurationSchema } from './duration.js';

/** When a scheduled action runs relative to a date field of the deal (ISO date or instant). */
export const AnchorSchema = z
  .object({
    field: z.string().min(1),
    offset: DurationSchema.optional(),
  })
  .strict();

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
    /** Whether the deal leaving the rule's stage cancels this job. Default: yes for stage-triggered rules. */
    cancelOnStageLeave: z.boolean().optional(),
    /** Whether the rule's `when` is evaluated again when the job comes due. Default: yes. */
    recheck: z.boolean().default(true),
  })
  .strict()
  .refine((a) => !(a.after && a.at), { message: 'an action takes `after` or `at`, not both', path: ['at'] });
export type ActionSpec = z.infer<typeof ActionSpecSchema>;
export type ActionSpecInput = z.input<typeof ActionSpecSchema>;
