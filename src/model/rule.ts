import { z } from 'zod';
import { ActionSpecSchema } from './action.js';
import { ConditionSchema } from './condition.js';
import { TriggerSchema } from './trigger.js';

export const ReenrollSchema = z.enum(['replace', 'parallel', 'ignore']);
export type Reenroll = z.infer<typeof ReenrollSchema>;

export const RuleSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    enabled: z.boolean().default(true),
    /** Higher runs first; equal priorities run in definition order. */
    priority: z.number().int().default(0),
    /** Restricts the rule to one pipeline; without it the rule applies to every pipeline. */
    pipelineId: z.string().min(1).optional(),
    trigger: TriggerSchema,
    when: ConditionSchema.optional(),
    /** Once this holds, the rule's pending jobs for the deal are cancelled when they come due. */
    until: ConditionSchema.optional(),
    actions: z.array(ActionSpecSchema).min(1),
    /** At most one enrolment per deal, ever. */
    once: z.boolean().default(false),
    /** What a new enrolment does to an earlier one's pending jobs. */
    reenroll: ReenrollSchema.default('replace'),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;
