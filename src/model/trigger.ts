import { z } from 'zod';
import { DuePolicySchema, TimeOfDaySchema } from './calendar.js';
import { JsonSchema } from './deal.js';
import { DealPathSchema } from './deal-path.js';
import { DurationSchema } from './duration.js';
import { didYouMean, hinted, shown } from './hints.js';
import { oneOf, strictObject } from './objects.js';

const stage = z.string().min(1).describe('A stage id of the pipelines the rule applies to.');
const type = <T extends string>(t: T, description: string) => z.literal(t).describe(description);
const policy = DuePolicySchema.optional().describe('A due time outside working time: postpone, bring-forward or exact (docs/time.md).');

const OPTIONS = [
  strictObject({ type: type('deal.created', 'A deal is created.') }),
  strictObject({ type: type('stage.entered', 'The deal enters the stage (also on creation in it).'), stage }),
  strictObject({ type: type('stage.left', 'The deal leaves the stage.'), stage }),
  strictObject({
    type: type('field.changed', 'A deal field changes; from/to narrow it.'),
    field: DealPathSchema.describe('A deal path: amount, ownerId, title, currency, stageId, fields.<name> or flags.<name>.'),
    from: JsonSchema.optional().describe('Only a change from this value.'),
    to: JsonSchema.optional().describe('Only a change to this value.'),
  }),
  strictObject({
    type: type('event', 'engine.emit({ name, dealId?, payload }) is called.'),
    name: z.string().min(1).describe('The event name, e.g. invoice.paid.'),
  }),
  strictObject({ type: type('manual', 'A user launches it: engine.launch(ruleId, dealId).') }),
  strictObject({
    type: type('task.completed', 'A task was completed.'),
    task: z.string().min(1).optional().describe('Only tasks with this key (a playbook step, a template).'),
  }),
  strictObject({
    type: type('task.overdue', 'A task went past its due time while still open.'),
    task: z.string().min(1).optional().describe('Only tasks with this key.'),
  }),
  strictObject({
    type: type('sla.met', 'An SLA instance ended met (its stop happened before the due time).'),
    sla: z.string().min(1).optional().describe('Only this SLA.'),
  }),
  strictObject({
    type: type('sla.breached', 'An SLA instance’s due time passed before its stop.'),
    sla: z.string().min(1).optional().describe('Only this SLA.'),
  }),
  strictObject({
    type: type('approval.requested', 'Someone asked for approval.'),
    name: z.string().min(1).optional().describe('Only approvals of this name.'),
  }),
  strictObject({
    type: type('approval.decided', 'An approval was decided.'),
    name: z.string().min(1).optional().describe('Only approvals of this name.'),
    decision: oneOf(['approved', 'rejected']).optional().describe('Only approvals (approved) or rejections (rejected).'),
  }),
  strictObject({
    type: type('stage.idle', 'The deal has sat in the stage that long without activity (once per idle stretch).'),
    stage,
    after: DurationSchema.describe('How long without activity, in calendar or business units (in the rule’s calendar).'),
    activity: oneOf(['any-update', 'stage-change'])
      .default('any-update')
      .describe('What re-arms the timer: any-update (a stage change, or an update command that changes the deal) or stage-change (only entering the stage).'),
    policy,
  }),
  strictObject({
    type: type('date.reached', 'The time a date field names (plus offset, at time) arrives; never for a date already past when set.'),
    field: DealPathSchema.describe('A deal date path: fields.closeDate, createdAt, stageEnteredAt.'),
    offset: DurationSchema.optional().describe('Moves the date: calendar or business units, negative for "before".'),
    time: TimeOfDaySchema.optional().describe('The local time of day, HH:mm.'),
    policy,
  }),
  strictObject({
    type: type('schedule', 'Recurring: at each time a cron spec names, for every open deal the rule applies to, until the deal closes.'),
    cron: z
      .string()
      .min(1)
      .describe(
        'Five-field cron read in the timezone: "0 9 * * MON" (Mondays 09:00), "0 17 L * *" (last day of the month); the same as a digest policy’s cron.',
      ),
    timezone: z
      .string()
      .min(1)
      .optional()
      .describe('IANA timezone the cron is read in, e.g. Europe/Berlin. Default: the timezone of the rule’s calendar (the pipeline’s).'),
    workingDaysOnly: z.boolean().optional().describe('Skip runs on days off of the rule’s calendar.'),
    lastWorkingDayOfMonth: z.boolean().optional().describe('Run on the last working day of each month only; the cron gives the time ("0 17 * * *").'),
  }),
] as const;

/** Every trigger type, in the order docs/rules.md lists them. */
export const TRIGGER_TYPES = OPTIONS.map((o) => o.shape.type.value);

function triggerError(iss: { code?: string; input?: unknown }): string | undefined {
  const list = didYouMean('', TRIGGER_TYPES, 'the trigger types are');
  if (iss.input === undefined) return hinted('the rule has no trigger', `add "trigger": { "type": "deal.created" } or another type; ${list}`);
  if (iss.input === null || typeof iss.input !== 'object' || Array.isArray(iss.input)) {
    const written = typeof iss.input === 'string' ? `write { "type": ${JSON.stringify(iss.input)} }; ` : '';
    return hinted('a trigger is an object { "type": … }', `${written}${list}`);
  }
  const t = (iss.input as { type?: unknown }).type;
  if (t === undefined) return hinted('the trigger has no "type"', list);
  return hinted(`unknown trigger type ${shown(t)}`, didYouMean(String(t), TRIGGER_TYPES, 'the trigger types are'));
}

/** What starts a rule: a deal event (created, stage entered/left, field changed), an external event, a manual launch, or a task/SLA/approval occurrence. */
export const TriggerSchema = z
  .discriminatedUnion('type', [...OPTIONS], { error: triggerError })
  .describe('What starts the rule: { "type": … } with the keys of that type.');
/** A parsed rule trigger; see TriggerSchema. */
export type Trigger = z.infer<typeof TriggerSchema>;
/** The `type` of a trigger, e.g. `stage.entered`. */
export type TriggerType = Trigger['type'];
