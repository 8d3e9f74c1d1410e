import { z } from 'zod';
import { ConditionSchema } from './condition.js';

/**
 * A goal a deal can reach in a stage, and the stage reaching it leads to. A seller marks it
 * reached with `achieveGoal`; a goal with `when` is also reached by itself as soon as the
 * condition holds after a change (the invoice becomes paid → Delivery). Different goals of one
 * stage lead to different stages: that is how a stage branches.
 */
export const GoalSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    /** Criteria (json-rules-engine conditions over deal, previous, event, now and host facts). */
    when: ConditionSchema.optional(),
    moveTo: z.string().min(1),
    /**
     * Whether reaching the goal automatically may move the deal to an earlier stage (or out of a
     * won/lost one). Default false: automation only moves deals forward. A seller's `achieveGoal`
     * is not automation and may move backwards (the AccessPolicy decides who may).
     */
    allowBackward: z.boolean().default(false),
  })
  .strict();
/** A parsed stage goal; see GoalSchema. */
export type Goal = z.infer<typeof GoalSchema>;
/** A stage goal as written. */
export type GoalInput = z.input<typeof GoalSchema>;
