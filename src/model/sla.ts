import { checkInput } from './input.js';
import { DEFAULT_LIMITS } from './limits.js';
import { z } from 'zod';
import type { Json } from './deal.js';
import { CalendarChoiceSchema } from './calendar.js';
import { ConditionSchema } from './condition.js';
import { DurationSchema } from './duration.js';
import { DealflowError, issuesFromZod } from './errors.js';
import { strictObject } from './objects.js';
import { TriggerSchema } from './trigger.js';

/** An action an SLA runs when a reminder or an escalation comes due: a rule action without timing. */
export const SlaActionSchema = strictObject({
  type: z.string().min(1).describe('The action type: a built-in or custom action.'),
  id: z.string().min(1).optional().describe('A name unique in its list, for history and idempotency keys; defaults to the position.'),
  params: z.record(z.string(), z.unknown()).default({}).describe('The action’s params, checked by its type’s schema.'),
}).describe('An action: a rule action without timing.');
/** A parsed SLA action; see SlaActionSchema. */
export type SlaAction = z.infer<typeof SlaActionSchema>;

const stepId = z.string().min(1).optional().describe('A name unique in its list; defaults to the position.');
const stepActions = z.array(SlaActionSchema).min(1).describe('What it does.');

/**
 * A nudge while the SLA runs: `after` a span from the start, or `before` the due time. A
 * `before` reminder follows the due time when it is extended; an `after` one stays put.
 */
export const SlaReminderSchema = strictObject({
  id: stepId,
  after: DurationSchema.optional().describe('That long after the start.'),
  before: DurationSchema.optional().describe('That long before the due time (follows the due time when it moves).'),
  actions: stepActions,
})
  .refine((r) => (r.after === undefined) !== (r.before === undefined), {
    message: 'a reminder takes `after` (from the start) or `before` (the due time), exactly one',
  })
  .meta({ description: 'A reminder while the SLA runs: after the start or before the due time.', oneOf: [{ required: ['after'] }, { required: ['before'] }] });
/** A parsed SLA reminder; see SlaReminderSchema. */
export type SlaReminder = z.infer<typeof SlaReminderSchema>;

/** What happens once the SLA is breached: at the due time, or `after` a span past it, while it is still not stopped. */
export const SlaEscalationSchema = strictObject({
  id: stepId,
  after: DurationSchema.optional().describe('That long past the due time; without it, at the breach.'),
  actions: stepActions,
}).describe('What happens once the SLA is breached, while it is still not stopped.');
/** A parsed SLA escalation; see SlaEscalationSchema. */
export type SlaEscalation = z.infer<typeof SlaEscalationSchema>;

/**
 * What ends the SLA as met: a condition that holds after any change (`when`), an occurrence
 * (`trigger`, with `when` as its criteria), or an external event by name (`event`).
 */
export const SlaStopSchema = strictObject({
  when: ConditionSchema.optional().describe('A condition checked after every change; with trigger, the trigger’s criteria.'),
  trigger: TriggerSchema.optional(),
  event: z.string().min(1).optional().describe('An external event by name.'),
})
  .refine((s) => s.when !== undefined || s.trigger !== undefined || s.event !== undefined, { message: 'a stop needs `when`, `trigger` or `event`' })
  .refine((s) => !(s.trigger && s.event), { message: 'a stop takes `trigger` or `event`, not both' })
  .meta({
    description: 'What ends the SLA as met: when, trigger (+ when) or event.',
    minProperties: 1,
    not: { required: ['trigger', 'event'] },
  });

/** An SLA: when it starts, its due time, what stops it, and its reminders and escalations (docs/slas.md). */
export const SlaSchema = strictObject({
  id: z
    .string()
    .min(1)
    .regex(/^[^:/]+$/, 'an SLA id may not contain ":" or "/"')
    .describe('Unique; no ":" or "/".'),
  name: z.string().optional().describe('For people and templates ({{sla.name}}).'),
  enabled: z.boolean().default(true).describe('A disabled SLA starts no instances.'),
  pipelineId: z.string().min(1).optional().describe('Only deals of this pipeline.'),
  start: strictObject({ trigger: TriggerSchema, when: ConditionSchema.optional().describe('Criteria the start needs.') }).describe(
    'When an instance starts for a deal: a rule trigger, with optional criteria.',
  ),
  stop: SlaStopSchema.optional(),
  within: DurationSchema.describe('How long from the start until the due time: calendar or business units.'),
  calendar: CalendarChoiceSchema.optional().describe('The calendar business units count in: pipeline (default), owner or a named calendar.'),
  reminders: z.array(SlaReminderSchema).default([]).describe('Reminders while it runs.'),
  escalations: z.array(SlaEscalationSchema).default([]).describe('What happens once it is breached.'),
  exemptWhen: ConditionSchema.optional().describe('While this holds, the deal is out of the SLA: an instance ends exempt (or starts so).'),
  pauseForApproval: z
    .boolean()
    .default(false)
    .describe(
      'Stop the clock while an approval on this SLA is pending (one whose onApprove or onReject extends or exempts it); the decision resumes it with the paused time added, then applies its outcome.',
    ),
})
  .superRefine((s, ctx) => {
    if (!s.stop && s.start.trigger.type !== 'stage.entered') {
      ctx.addIssue({ code: 'custom', path: ['stop'], message: 'an SLA needs `stop` unless it starts on stage.entered (then leaving the stage stops it)' });
    }
    const unique = (ids: Array<string | undefined>, list: string) => {
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        const name = id ?? String(i);
        if (seen.has(name))
          ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `duplicate ${list.slice(0, -1)} id "${name}"`, params: { code: 'duplicate-id' } });
        seen.add(name);
      });
    };
    unique(
      s.reminders.map((r) => r.id),
      'reminders',
    );
    unique(
      s.escalations.map((e) => e.id),
      'escalations',
    );
  })
  .meta({
    description: 'An SLA: when it starts, its due time, what stops it, its reminders and escalations (docs/slas.md).',
    if: { not: { required: ['stop'] } },
    then: {
      properties: {
        start: {
          description: 'Without a stop, the SLA must start on stage.entered (leaving the stage stops it).',
          properties: { trigger: { description: 'A stage.entered trigger.', properties: { type: { const: 'stage.entered', description: 'stage.entered' } } } },
        },
      },
    },
  });
/** A parsed SLA; see SlaSchema. */
export type Sla = z.infer<typeof SlaSchema>;
/** An SLA as written, before defaults are filled in. */
export type SlaInput = z.input<typeof SlaSchema>;

/**
 * Declares an SLA: a deadline as a first-class thing, with an instance per deal that records
 * when it started, when it is due, and how it ended. Shape errors throw INVALID_CONFIG with JSON
 * paths; stages, facts and action params are checked when the engine loads it (docs/slas.md).
 */
export function defineSla(input: SlaInput): Sla {
  checkInput(input, DEFAULT_LIMITS, 'INVALID_CONFIG', 'the SLA');
  const parsed = SlaSchema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new DealflowError('INVALID_CONFIG', `the SLA is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return parsed.data;
}

// ---- the records an SLA keeps (kind `sla`) ------------------------------------------------------

/**
 * Where an instance stands. `open` while it runs; `met` when stopped in time; `breached` when the
 * due time passed first (it stays breached, stopped late or not); `exempt` when the deal was taken
 * out of it (`exemptWhen`, an approval, an `exemptSla` action); `cancelled` when the deal closed
 * before the stop.
 */
export type SlaStatus = 'open' | 'met' | 'breached' | 'exempt' | 'cancelled';

/** A stretch of time an instance was paused for a pending approval (`pauseForApproval`). */
export interface SlaPause {
  approvalId: string;
  from: string;
  to: string;
  /** The due time before and after the paused time was added. */
  dueBefore: string;
  dueAfter: string;
}

/** One move of the due time, by an approval or a command. */
export interface SlaExtension {
  at: string;
  /** Who extended it: the approver, or the actor of the command; null for the system. */
  by: string | null;
  approvalId: string | null;
  from: string;
  to: string;
  duration: z.infer<typeof DurationSchema>;
}

/**
 * An SLA instance: `StoredRecord` `{ kind: 'sla', id, dealId, at, data }` with this `data`.
 * Reports read it as it is: `status` says met / breached / exempt / cancelled / open, and
 * `extended` (with `extensions`) says whether the due time moved, whatever the status.
 */
export interface SlaInstance {
  slaId: string;
  name: string | null;
  /** The deal's owner when the instance started: who the SLA holds to account. */
  ownerId: string;
  pipelineId: string;
  /** The stage the deal was in at the start. */
  stageId: string;
  status: SlaStatus;
  startedAt: string;
  /** The due time now, after any extensions. */
  dueAt: string;
  originalDueAt: string;
  extended: boolean;
  extensions: SlaExtension[];
  /** When it was breached (the due time passed unstopped), else null. */
  breachedAt: string | null;
  /** When the stop happened (on time for `met`, late for `breached`), else null. */
  stoppedAt: string | null;
  /** When the instance stopped being tracked (met, exempt, cancelled, or a breached one stopped or closed); null while active. */
  endedAt: string | null;
  /** Why it ended: `stopped`, `stopped-late`, `exempt-when`, `approval`, `deal-closed`, or an `exemptSla` reason. */
  endReason: string | null;
  /** For `exempt`: the approval that exempted it, if any. */
  exemptApprovalId: string | null;
  remindersSent: Array<{ id: string; at: string }>;
  escalationsRun: Array<{ id: string; at: string }>;
  /** Since when the instance is paused for a pending approval (`pauseForApproval`), else null (or absent on older records). */
  pausedAt?: string | null;
  /** The approval it is paused for. */
  pausedFor?: string | null;
  /** Earlier pauses, oldest first. */
  pauses?: SlaPause[];
  /** While paused: the event its jobs carried, so they carry it again when it resumes. */
  pausedEvent?: Record<string, Json> | null;
}
