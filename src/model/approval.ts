import { z } from 'zod';
import { JsonSchema, type Json } from './deal.js';
import { SettableDealPathSchema } from './deal-path.js';
import { hinted } from './hints.js';
import { strictObject } from './objects.js';
import type { ActionReference } from './reference.js';
import { DurationSchema, type Duration } from './duration.js';

/**
 * Who may decide an approval: the deal owner's manager (through the Directory), everyone with a
 * role, a user by id, or the deal's owner. The requester is never an approver of their own request.
 */
export const ApproverSchema = z
  .union(
    [
      z.literal('manager').describe('The deal owner’s manager, from the Directory.'),
      z.literal('owner').describe('The deal’s owner.'),
      strictObject({ role: z.string().min(1).describe('Everyone with this role.') }),
      strictObject({ user: z.string().min(1).describe('A user id.') }),
    ],
    { error: () => hinted('an approver is "manager", "owner", { "role": name } or { "user": id }', 'e.g. "approvers": ["manager"]') },
  )
  .describe('Who may decide: "manager", "owner", { "role": name } or { "user": id }.');
/** Who may decide an approval; see ApproverSchema. */
export type Approver = z.infer<typeof ApproverSchema>;

/** What a decision does to the deal, in this order: set paths, extend or exempt an SLA, move the stage. */
export const ApprovalOutcomeSchema = strictObject({
  set: z.record(SettableDealPathSchema, JsonSchema).optional().describe('Deal paths to set: { "flags.extensionApproved": true }, { "fields.discount": 10 }.'),
  extendSla: strictObject({ sla: z.string().min(1).describe('The SLA id.'), by: DurationSchema.describe('How far to move the due time.') })
    .optional()
    .describe('Moves the due time of the deal’s running instance of an SLA.'),
  exemptSla: z.string().min(1).optional().describe('Takes the deal out of an SLA: its running instance ends exempt.'),
  moveStage: z.string().min(1).optional().describe('Moves the deal to this stage.'),
}).describe('What the decision does, in this order: set, extendSla, exemptSla, moveStage.');
/** What a decision does to the deal; see ApprovalOutcomeSchema. */
export type ApprovalOutcome = z.infer<typeof ApprovalOutcomeSchema>;

/**
 * A request for approval, as the `requestApproval` action's params or the command's input.
 * `subject` and `text` are templates (docs/templates.md).
 */
export const ApprovalRequestSchema = strictObject({
  name: z.string().min(1).default('approval').describe('What kind of approval this is; approval.decided triggers can match on it.'),
  subject: z.string().min(1).describe('What is asked, a template: shown to the approvers and kept on the approval.'),
  text: z.string().optional().describe('The notification text to the approvers; defaults to the subject.'),
  template: z.string().min(1).default('approval.requested').describe('The notifier template name of the request notification.'),
  approvers: z.array(ApproverSchema).min(1).describe('Who may decide; each gets the request.'),
  exception: z.string().min(1).optional().describe('Links the request to the deal’s exception on this flag (see markException).'),
  onApprove: ApprovalOutcomeSchema.default({}),
  onReject: ApprovalOutcomeSchema.default({}),
  data: z.record(z.string(), JsonSchema).optional().describe('Free JSON kept on the approval and passed to approval.* rules as the event.'),
}).describe('A request for approval.');
/** A parsed approval request; see ApprovalRequestSchema. */
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;
/** An approval request as written. */
export type ApprovalRequestInput = z.input<typeof ApprovalRequestSchema>;

/** The stages an approval's outcomes move the deal to, as references rules are checked for. */
export function approvalStageReferences(request: Pick<ApprovalRequest, 'onApprove' | 'onReject'>): ActionReference[] {
  const refs: ActionReference[] = [];
  for (const key of ['onApprove', 'onReject'] as const) {
    const stage = request[key]?.moveStage;
    if (stage !== undefined) refs.push({ kind: 'stage', name: stage, path: [key, 'moveStage'] });
  }
  return refs;
}

/** An approver's decision: `approve` or `reject`. */
export const DecisionSchema = z.enum(['approve', 'reject']);
/** An approver's decision: `approve` or `reject`. */
export type Decision = z.infer<typeof DecisionSchema>;

/** Where an approval stands: `pending`, `approved` or `rejected`. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

/** An approval: `StoredRecord` `{ kind: 'approval', id, dealId, at, data }` with this `data`. */
export interface ApprovalData {
  name: string;
  /** The subject as rendered when it was requested. */
  subject: string;
  status: ApprovalStatus;
  requesterId: string;
  approvers: Approver[];
  requestedAt: string;
  /** The rule whose action asked, or null for the command. */
  ruleId: string | null;
  exceptionId: string | null;
  onApprove: ApprovalOutcome;
  onReject: ApprovalOutcome;
  data: Record<string, Json>;
  decidedAt: string | null;
  decidedBy: string | null;
  comment: string | null;
  /** What the decision did, for the history and the exceptions report. */
  applied: AppliedOutcome | null;
}

/** What a decision's outcome actually did: the paths set, the SLA extended or exempted, the stage moved to, and what was skipped. */
export interface AppliedOutcome {
  set: Record<string, Json>;
  extendedSla: { sla: string; from: string; to: string } | null;
  exemptedSla: string | null;
  movedTo: string | null;
  /** Parts that could not apply (no running SLA instance, …), with why. */
  skipped: string[];
}

/** Where an exception stands: `noted` (no approval needed), `pending`, `approved` or `rejected`. */
export type ExceptionStatus = 'noted' | 'pending' | 'approved' | 'rejected';

/**
 * A deal taken out of (or given more time in) a rule: `StoredRecord` `{ kind: 'exception' }`
 * with this `data`. The `exceptions` report lists these.
 */
export interface ExceptionData {
  /** The flag that marks it, e.g. `complex`. */
  flag: string;
  /** A reason from the configured list, or null when free text was given instead. */
  reason: string | null;
  /** Free text, when no listed reason fits (or in addition to one). */
  note: string | null;
  requestedBy: string;
  requestedAt: string;
  ownerId: string;
  pipelineId: string;
  /** `noted` until an approval is requested for it; then the approval's status. */
  status: ExceptionStatus;
  approvalId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  /** SLAs the approval extended or exempted, with the new due time for an extension. */
  slas: Array<{ sla: string; effect: 'extended' | 'exempt'; dueAt: string | null }>;
  /** The first of `slas`: the SLA the deal was given time on or taken out of (what reports show). */
  slaId: string | null;
}

/** The `extendSla` outcome's duration type, re-exported for callers. */
export type ExtensionDuration = Duration;
