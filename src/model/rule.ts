import { z } from 'zod';
import { ActionSpecSchema } from './action.js';
import { CalendarChoiceSchema } from './calendar.js';
import { ConditionSchema } from './condition.js';
import { hinted } from './hints.js';
import { oneOf, strictObject } from './objects.js';
import { TriggerSchema } from './trigger.js';

/** What a new enrolment does to an earlier one's pending jobs: `replace` cancels them, `parallel` keeps both, `ignore` skips the new one while the old has jobs pending. */
export const ReenrollSchema = oneOf(['replace', 'parallel', 'ignore']).describe(
  'What a new enrolment does to an earlier one’s pending jobs: replace cancels them, parallel keeps both, ignore skips the new one while the old has jobs pending.',
);
/** Re-enrolment policy; see ReenrollSchema. */
export type Reenroll = z.infer<typeof ReenrollSchema>;

/**
 * What a rule version does to the jobs an earlier version (or the version it disables) left
 * pending: `keep` lets them finish under the version that scheduled them, `recheck` re-evaluates
 * them under the new version when they come due, `cancel` drops them.
 */
export const PendingJobPolicySchema = oneOf(['keep', 'recheck', 'cancel']).describe(
  'What this version does to jobs earlier versions left pending: keep (finish under their version), recheck (run under this version, re-checked when due), cancel.',
);
/** What a new rule version does to earlier versions' pending jobs; see PendingJobPolicySchema. */
export type PendingJobPolicy = z.infer<typeof PendingJobPolicySchema>;

/** A rule ("robot"): a trigger, optional criteria, and the actions to run, with versioning and re-enrolment settings. */
export const RuleSchema = strictObject({
  id: z
    .string()
    .min(1)
    .regex(/^[^:]*$/, {
      // Feature jobs (SLAs, approvals, tasks, goals) are routed by a `<feature>:` prefix on their rule id.
      error: (iss) =>
        hinted(`rule id ${JSON.stringify(iss.input)} may not contain ":"`, '":" is reserved for feature jobs such as sla:…; use "-" or "." instead'),
    })
    .describe('Unique in the rule set; no ":" (reserved for SLA, approval, task and goal jobs).'),
  name: z.string().optional().describe('A name for people: shown in digests, explain and reports.'),
  version: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('The rule’s version; a pending job stays pinned to the version that scheduled it. Omit it and the engine numbers versions itself.'),
  onChange: PendingJobPolicySchema.default('recheck'),
  enabled: z.boolean().default(true).describe('A disabled rule never fires.'),
  priority: z.number().int().default(0).describe('Higher runs first; equal priorities run in definition order.'),
  pipelineId: z.string().min(1).optional().describe('Restricts the rule to one pipeline; without it the rule applies to every pipeline.'),
  trigger: TriggerSchema,
  calendar: CalendarChoiceSchema.optional().describe(
    'The calendar the rule’s timing follows: pipeline (default), owner (the deal owner’s) or the name of a calendar passed to createEngine({ calendars }).',
  ),
  when: ConditionSchema.optional().describe('Criteria that must hold when the rule fires, and again when each scheduled action comes due.'),
  until: ConditionSchema.optional().describe('Once this holds, the rule’s pending jobs for the deal are cancelled when they come due.'),
  actions: z.array(ActionSpecSchema).min(1, { error: 'a rule needs at least one action' }).describe('What the rule does: one or more actions.'),
  once: z.boolean().default(false).describe('At most one enrolment per deal, ever.'),
  reenroll: ReenrollSchema.default('replace'),
}).describe('A rule: a trigger, optional criteria (when, until) and the actions to run.');
/** A parsed rule; see RuleSchema. */
export type Rule = z.infer<typeof RuleSchema>;
/** A rule as written, before defaults are filled in. */
export type RuleInput = z.input<typeof RuleSchema>;

/**
 * A rule file as an object, so it can name its JSON Schema for editors:
 * `{ "$schema": "./node_modules/dealflow/schema/rules.json", "rules": [ … ] }`. Everything that
 * takes rules takes this form as well as the bare array.
 */
export const RulesDocumentSchema = strictObject({
  $schema: z.string().optional().describe('The JSON Schema this file follows, for editors; ignored by dealflow.'),
  rules: z.array(z.unknown()).describe('The rules.'),
}).describe('A rule file: { "$schema"?, "rules": [ … ] }.');

/** The rules of a rule file: the array itself, or the `rules` of a `{ "$schema", "rules" }` document; anything else as it is. */
export function rulesOf(json: unknown): unknown {
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && Object.hasOwn(json, 'rules')) {
    const doc = RulesDocumentSchema.safeParse(json);
    if (doc.success) return doc.data.rules;
  }
  return json;
}
