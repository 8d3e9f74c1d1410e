import { z } from 'zod';
import { ActionSpecSchema } from './action.js';
import { CalendarChoiceSchema } from './calendar.js';
import { ConditionSchema } from './condition.js';
import { TriggerSchema } from './trigger.js';

/** What a new enrolment does to an earlier one's pending jobs: `replace` cancels them, `parallel` keeps both, `ignore` skips the new one while the old has jobs pending. */
export const ReenrollSchema = z.enum(['replace', 'parallel', 'ignore']);
/** Re-enrolment policy; see ReenrollSchema. */
export type Reenroll = z.infer<typeof ReenrollSchema>;

/**
 * What a rule version does to the jobs an earlier version (or the version it disables) left
 * pending: `keep` lets them finish under the version that scheduled them, `recheck` re-evaluates
 * them under the new version when they come due, `cancel` drops them.
 */
export const PendingJobPolicySchema = z.enum(['keep', 'recheck', 'cancel']);
/** What a new rule version does to earlier versions' pending jobs; see PendingJobPolicySchema. */
export type PendingJobPolicy = z.infer<typeof PendingJobPolicySchema>;

/** A rule ("robot"): a trigger, optional criteria, and the actions to run, with versioning and re-enrolment settings. */
export const RuleSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    /**
     * The rule's version; a pending job stays pinned to the version that scheduled it. Omit it and
     * the engine numbers versions itself (1, then one more whenever `setRules` changes the rule).
     */
    version: z.number().int().positive().optional(),
    /** What this version does to jobs earlier versions left pending (see PendingJobPolicySchema). */
    onChange: PendingJobPolicySchema.default('recheck'),
    enabled: z.boolean().default(true),
    /** Higher runs first; equal priorities run in definition order. */
    priority: z.number().int().default(0),
    /** Restricts the rule to one pipeline; without it the rule applies to every pipeline. */
    pipelineId: z.string().min(1).optional(),
    trigger: TriggerSchema,
    /**
     * The calendar the rule's timing follows: `pipeline` (default), `owner` (the deal owner's,
     * from the Directory) or the name of a calendar passed to `createEngine({ calendars })`.
     */
    calendar: CalendarChoiceSchema.optional(),
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
/** A parsed rule; see RuleSchema. */
export type Rule = z.infer<typeof RuleSchema>;
/** A rule as written, before defaults are filled in. */
export type RuleInput = z.input<typeof RuleSchema>;
