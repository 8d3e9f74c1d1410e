import { z } from 'zod';
import { ConditionSchema } from './condition.js';
import { strictObject } from './objects.js';

/**
 * A goal a deal can reach in a stage, and the stage reaching it leads to. A seller marks it
 * reached with `achieveGoal`; a goal with `when` is also reached by itself as soon as the
 * condition holds after a change (the invoice becomes paid → Delivery). Different goals of one
 * stage lead to different stages: that is how a stage branches.
 */
export const GoalSchema = strictObject({
  id: z.string().min(1).describe('The goal id, unique in its stage.'),
  name: z.string().optional().describe('A name for people.'),
  when: ConditionSchema.optional().describe('Reached by itself as soon as this holds after a change (json-rules-engine criteria).'),
  moveTo: z.string().min(1).describe('The stage reaching the goal leads to.'),
  allowBackward: z
    .boolean()
    .default(false)
    .describe('Whether reaching it automatically may move the deal to an earlier stage (or out of won/lost). Automation only moves deals forward by default.'),
}).describe('A goal a deal can reach in this stage, and the stage it leads to.');
/** A parsed stage goal; see GoalSchema. */
export type Goal = z.infer<typeof GoalSchema>;
/** A stage goal as written. */
export type GoalInput = z.input<typeof GoalSchema>;
