import { z } from 'zod';
import { JsonSchema } from '../model/deal.js';
import { SettableDealPathSchema } from '../model/deal-path.js';
import { hinted } from '../model/hints.js';
import { strictObject } from '../model/objects.js';
import { defineAction, type AnyActionDefinition, type NotificationSpec } from './actions.js';
import { setTitle } from './template-actions.js';
import { TemplateString } from './templates.js';

const RecipientSchema = z
  .union(
    [
      z.literal('owner').describe('The deal’s owner.'),
      z.literal('manager').describe('The owner’s manager, from the Directory.'),
      strictObject({ user: z.string().min(1).describe('A user id.') }),
      strictObject({ role: z.string().min(1).describe('Everyone with this role.') }),
    ],
    { error: () => hinted('a recipient is "owner", "manager", { "user": id } or { "role": name }', 'e.g. "to": "manager"') },
  )
  .describe('Who gets it: "owner", "manager", { "user": id } or { "role": name }.');

/** A deal path a rule may set: `amount`, `title`, `ownerId`, `fields.<name>` or `flags.<name>`. */
export const DealPathParam = SettableDealPathSchema;

export const NotifyParamsSchema = strictObject({
  to: RecipientSchema,
  template: z.string().min(1).describe('The notifier template name, e.g. proposal.reminder.'),
  subject: TemplateString.optional(),
  text: TemplateString.optional(),
  data: z.record(z.string(), JsonSchema).optional().describe('Extra JSON handed to the notifier.'),
  digest: z.string().optional().describe('Hold it for a digest: "daily at HH:mm", "hourly", "every N items" or a policy named in createEngine({ digests }).'),
}).describe('notify: queues a notification in the outbox.');

export const notify = defineAction({
  type: 'notify',
  params: NotifyParamsSchema,
  apply(ctx, p) {
    ctx.notify(p as NotificationSpec);
  },
});

export const setField = defineAction({
  type: 'setField',
  params: strictObject({
    field: DealPathParam,
    value: JsonSchema.describe('The value; null clears a custom field.'),
  }).describe('setField: sets a deal field.'),
  apply(ctx, p) {
    ctx.setField(p.field, p.value);
  },
});

export const setFlag = defineAction({
  type: 'setFlag',
  params: strictObject({
    flag: z.string().min(1).describe('The flag name: sets flags.<flag>.'),
    value: z.boolean().default(true).describe('The flag’s value.'),
  }).describe('setFlag: sets a deal flag.'),
  apply(ctx, p) {
    ctx.setField(`flags.${p.flag}`, p.value);
  },
});

export const moveStage = defineAction({
  type: 'moveStage',
  params: strictObject({ stage: z.string().min(1).describe('The stage to move the deal to, in its pipeline.') }).describe('moveStage: moves the deal.'),
  apply(ctx, p) {
    ctx.moveStage(p.stage);
  },
  references: (p) => [{ kind: 'stage', name: p.stage, path: ['stage'] }],
});

export const recordViolation = defineAction({
  type: 'recordViolation',
  params: strictObject({
    name: z.string().min(1).describe('The violation’s name, for reports.'),
    data: z.record(z.string(), JsonSchema).optional().describe('Extra JSON kept on the record.'),
  }).describe('recordViolation: keeps a violation record for reports.'),
  apply(ctx, p) {
    const deal = ctx.deal!;
    const data = { name: p.name, ruleId: ctx.rule.id, ownerId: deal.ownerId, stageId: deal.stageId, ...(p.data ?? {}) };
    const id = ctx.record('violation', data);
    ctx.log('violation.recorded', { violationId: id, ...data });
  },
});

/**
 * The actions on the deal itself, which every engine knows: notify, setField, setFlag, moveStage,
 * recordViolation, setTitle. Features add theirs through their registration (core/feature-list.ts).
 */
export const DEAL_ACTIONS: AnyActionDefinition[] = [notify, setField, setFlag, moveStage, recordViolation, setTitle];
