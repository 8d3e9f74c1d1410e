import { z } from 'zod';
import { JsonSchema } from '../model/deal.js';
import { parseDealPath } from '../model/deal-path.js';
import { defineAction, type AnyActionDefinition, type NotificationSpec } from './actions.js';
import { requestApproval } from './approvals/actions.js';
import { exemptSla, extendSla } from './sla/actions.js';
import { setTitle } from './template-actions.js';
import { TemplateString } from './templates.js';

const RecipientSchema = z.union([
  z.literal('owner'),
  z.literal('manager'),
  z.object({ user: z.string().min(1) }).strict(),
  z.object({ role: z.string().min(1) }).strict(),
]);

/** A deal path a rule may set: `amount`, `title`, `ownerId`, `fields.<name>` or `flags.<name>`. */
export const DealPathParam = z.string().superRefine((path, ctx) => {
  const p = parseDealPath(path);
  if (typeof p === 'string') ctx.addIssue({ code: 'custom', message: p });
  else if (p.kind === 'property' && !['title', 'amount', 'currency', 'ownerId'].includes(p.name)) {
    ctx.addIssue({ code: 'custom', message: `"${path}" cannot be set by a rule; use moveStage for the stage` });
  }
});

export const NotifyParamsSchema = z
  .object({
    to: RecipientSchema,
    template: z.string().min(1),
    /** Templates (docs/templates.md), checked when the rules are parsed. */
    subject: TemplateString.optional(),
    text: TemplateString.optional(),
    data: z.record(z.string(), JsonSchema).optional(),
    digest: z.string().optional(),
  })
  .strict();

export const notify = defineAction({
  type: 'notify',
  params: NotifyParamsSchema,
  apply(ctx, p) {
    ctx.notify(p as NotificationSpec);
  },
});

export const setField = defineAction({
  type: 'setField',
  params: z.object({ field: DealPathParam, value: JsonSchema }).strict(),
  apply(ctx, p) {
    ctx.setField(p.field, p.value);
  },
});

export const setFlag = defineAction({
  type: 'setFlag',
  params: z.object({ flag: z.string().min(1), value: z.boolean().default(true) }).strict(),
  apply(ctx, p) {
    ctx.setField(`flags.${p.flag}`, p.value);
  },
});

export const moveStage = defineAction({
  type: 'moveStage',
  params: z.object({ stage: z.string().min(1) }).strict(),
  apply(ctx, p) {
    ctx.moveStage(p.stage);
  },
});

export const recordViolation = defineAction({
  type: 'recordViolation',
  params: z.object({ name: z.string().min(1), data: z.record(z.string(), JsonSchema).optional() }).strict(),
  apply(ctx, p) {
    const deal = ctx.deal!;
    const data = { name: p.name, ruleId: ctx.rule.id, ownerId: deal.ownerId, stageId: deal.stageId, ...(p.data ?? {}) };
    const id = ctx.record('violation', data);
    ctx.log('violation.recorded', { violationId: id, ...data });
  },
});

/** The action types every engine knows: notify, setField, setFlag, moveStage, recordViolation, setTitle, requestApproval, extendSla, exemptSla. */
export const BUILTIN_ACTIONS: AnyActionDefinition[] = [notify, setField, setFlag, moveStage, recordViolation, setTitle, requestApproval, extendSla, exemptSla];
