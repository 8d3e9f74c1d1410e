import { z } from 'zod';
import { DuePolicySchema, TimeOfDaySchema } from './calendar.js';
import { JsonSchema } from './deal.js';
import { DurationSchema } from './duration.js';

/** What starts a rule: a deal event (created, stage entered/left, field changed), an external event, a manual launch, or a task/SLA/approval occurrence. */
export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deal.created') }).strict(),
  z.object({ type: z.literal('stage.entered'), stage: z.string().min(1) }).strict(),
  z.object({ type: z.literal('stage.left'), stage: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal('field.changed'),
      /** A deal path: `amount`, `ownerId`, `title`, `fields.<name>` or `flags.<name>`. */
      field: z.string().min(1),
      from: JsonSchema.optional(),
      to: JsonSchema.optional(),
    })
    .strict(),
  z.object({ type: z.literal('event'), name: z.string().min(1) }).strict(),
  z.object({ type: z.literal('manual') }).strict(),
  /** A task was completed; `task` narrows it to tasks with that key (a playbook step, a template). */
  z.object({ type: z.literal('task.completed'), task: z.string().min(1).optional() }).strict(),
  /** A task went past its due time while still open. */
  z.object({ type: z.literal('task.overdue'), task: z.string().min(1).optional() }).strict(),
  /** An SLA instance ended met (its stop happened before the due time); `sla` narrows it to one SLA. */
  z.object({ type: z.literal('sla.met'), sla: z.string().min(1).optional() }).strict(),
  /** An SLA instance's due time passed before its stop. */
  z.object({ type: z.literal('sla.breached'), sla: z.string().min(1).optional() }).strict(),
  /** Someone asked for approval; `name` narrows it to one kind of approval. */
  z.object({ type: z.literal('approval.requested'), name: z.string().min(1).optional() }).strict(),
  /** An approval was decided; `decision` narrows it to approvals or rejections. */
  z.object({ type: z.literal('approval.decided'), name: z.string().min(1).optional(), decision: z.enum(['approved', 'rejected']).optional() }).strict(),
  z
    .object({
      type: z.literal('stage.idle'),
      stage: z.string().min(1),
      /** How long without activity, in calendar or business units (in the rule's calendar). */
      after: DurationSchema,
      /**
       * What re-arms the timer: `any-update` (default: a stage change, or an update command that
       * changes the deal) or `stage-change` (only entering the stage).
       */
      activity: z.enum(['any-update', 'stage-change']).default('any-update'),
      policy: DuePolicySchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('date.reached'),
      /** A deal date path: `fields.closeDate`, `createdAt`, `stageEnteredAt`. */
      field: z.string().min(1),
      offset: DurationSchema.optional(),
      time: TimeOfDaySchema.optional(),
      policy: DuePolicySchema.optional(),
    })
    .strict(),
]);
/** A parsed rule trigger; see TriggerSchema. */
export type Trigger = z.infer<typeof TriggerSchema>;
/** The `type` of a trigger, e.g. `stage.entered`. */
export type TriggerType = Trigger['type'];
