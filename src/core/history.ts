import type { Deal, Json } from '../model/deal.js';
import type { ConditionTrace } from './criteria.js';
import type { Occurrence, Recipient } from './occurrence.js';

// A deal's history, typed: one entry type per thing that happens, each with its data. The core
// writes most of them (its `log` is checked against this map at compile time); the engine writes
// the delivery, failure and rule-set entries, and emits each entry as the event of its type
// (engine/events.ts derives the event map from this one). Custom actions and features may log
// types of their own, so the stored entry, `AnyHistoryEntry` (core/types.ts), keeps untyped data;
// every typed entry is one, and `isHistoryEntry` narrows one to its type. test/core/history.test.ts
// checks that every type written in src/ is here; docs/engine.md's table of entries is generated
// from this map (scripts/history-doc.ts, checked by test/docs/history-entries.test.ts).

/** Extra keys some entries carry beyond their typed ones (a job's re-check notes, a violation's data). */
type More = { [key: string]: unknown };

/** Who made a change: `command` (the caller), or the rule or feature whose action did. */
type By = string;

/** Who evaluated a rule's criteria, when json-rules-engine did (core/fallback.ts); absent for compiled ones. */
type Evaluator = { evaluator?: 'json-rules-engine'; fallbackReason?: string };

type SlaRef = { slaId: string; instanceId: string };

/**
 * The message a delivery entry is about (engine/delivery.ts). A digest's delivery is written once
 * per item, to each item's deal, with the item's `key` and the digest's `digestKey` and `policy`.
 */
type Delivery = {
  messageId: string;
  kind: 'notification' | 'action' | 'digest';
  key: string;
  recipientId?: string | null;
  digestKey?: string;
  policy?: string;
};

/** What a dead letter had been through when a person retried or discarded it. */
type DeadLetter = { previousAttempts: number; lastError: string | null };

/** The data of each typed history entry, by type. */
export interface HistoryDataMap {
  // ---- the deal
  'deal.created': { deal: Deal; by?: By };
  'deal.updated': { changes: Array<{ field: string; from: Json; to: Json }>; by: By };
  'stage.changed': { from: string; to: string; by: By };
  'deal.deleted': { deal: Deal };
  /** An action could not create a deal (the command has one, the event has no owner). */
  'deal.notCreated': { reason: string };
  /** An event repeated an external id that already made a deal; nothing was created (docs/system-deals.md). */
  'deal.duplicate': { externalId: string | undefined; pipelineId: string; dealId: string };
  'deal.noExternalId': { path: unknown; reason: string };
  'event.received': { name: string; id: string | null; payload: Readonly<Record<string, Json>> | undefined };
  // ---- rules and their actions
  'rule.fired': { trigger: Occurrence; criteria: ConditionTrace[]; enrolmentId: string; depth: number; ruleVersion: number } & Evaluator;
  'rule.skipped': { reason: 'once' | 'criteria' | 'criteria-error' | 'already-enrolled'; trigger: Occurrence; criteria?: ConditionTrace[] } & Evaluator;
  'action.executed': { actionId: string; type: string; key: string };
  'action.skipped': { actionId: string; type: string; reason: string };
  /** A date-anchored timer whose date is already past arms nothing (docs/time.md). */
  'trigger.skipped': { trigger: 'date.reached'; field: string; dueAt: string; reason: string };
  'calendar.fallback': { choice: string | undefined; reason: string; using: 'pipeline' };
  /** A template named values that were missing; they rendered empty (docs/templates.md). */
  'template.missing': { template: string; missing: string[]; error?: string };
  // ---- jobs
  'job.scheduled': {
    jobId: string;
    actionId: string;
    type: string;
    dueAt: string;
    ruleVersion?: number;
    stage?: string;
    field?: string;
    armedBy?: string;
    calendar?: string;
  };
  'job.rescheduled': { jobId: string; actionId: string; field: string | null; from: string; to: string; reason: string };
  'job.skipped': { actionId: string; reason: string };
  /** A stage was reached after a scheduled action's due time: it ran at once. */
  'job.overdue': { actionId: string; dueAt: string; ranAt: string };
  'job.ran': { jobId: string; actionId: string; dueAt: string; ruleVersion?: number; criteria?: ConditionTrace[]; until?: ConditionTrace[] } & More;
  'job.cancelled': { jobId: string; actionId: string; dueAt: string; reason: string; criteria?: ConditionTrace[] } & More;
  /** Written by the engine: the job's transition threw; the job is removed. */
  'job.failed': { jobId: string; actionId: string; code: string | null; error: string };
  // ---- the outbox (delivery entries are written by the engine, docs/delivery.md)
  'notification.queued': { messageId: string; key: string; to: Recipient; template: string };
  'outbox.queued': { messageId: string; key: string; type: string };
  /** A notification joined its recipient's digest under a digest policy (docs/delivery.md#digests). */
  'notification.held': { key: string; recipientId: string; policy: string; digestId: string; digestKey: string; sendAt: string | null; items: number };
  /** A notification named an unknown digest policy and was sent on its own. */
  'notification.undigested': { key: string; digest: string; reason: string };
  'outbox.delivered': Delivery & { attempt: number };
  'outbox.failed': Delivery & { attempt: number; error: string; nextAttemptAt: string };
  'outbox.dead': Delivery & { attempt: number; error: string; reason: 'permanent' | 'max-attempts' };
  /** A dead letter was put back for a fresh set of attempts (`retryDeadLetter`). */
  'outbox.retried': Delivery & DeadLetter;
  /** A dead letter was discarded (`discardDeadLetter`): kept for the record, never sent. */
  'outbox.discarded': Delivery & DeadLetter;
  // ---- the rule set (engine, deal-less)
  'rules.changed': { changes: unknown[] };
  // ---- records and features
  'violation.recorded': { violationId: string; name: string; ruleId: string; ownerId: string; stageId: string } & More;
  /** A stage goal was reached, by hand or by itself (docs/goals.md). */
  'goal.achieved': { goalId: string; name: string | null; from: string; to: string; by: By; automatic: boolean; criteria?: ConditionTrace[] };
  /** Tasks (docs/tasks.md): a task was created. */
  'task.created': { taskId: string; key: string | null; title: string; status: string; createdBy: string | null; playbook: unknown };
  /** A task started: its assignee was told. */
  'task.assigned': { taskId: string; title: string; dueAt: string | null };
  /** A task's close was asked of its approver. */
  'task.closeRequested': { taskId: string; by: string; approverId: string | null; comment?: string };
  'task.completed': { taskId: string; key: string | null; by: string | null; approved: boolean; comment?: string };
  'task.reopened': { taskId: string; by: string | null; reason?: string };
  'task.closeWithdrawn': { taskId: string; by: string | null; reason?: string };
  'task.closeRefused': { taskId: string; by: string | null; reason?: string };
  /** A task passed its due time open. */
  'task.overdue': { taskId: string; key: string | null; dueAt: string | null; assigneeId: string | null };
  /** Written by the engine: a task's assignee or approver could not be found in the Directory. */
  'task.personUnresolved': { taskId: string } & More;
  'playbook.launched': { playbookId: string; runId: string; launchedBy: string | null; taskIds: string[] };
  'approval.requested': { approvalId: string; name: string; requesterId: string | null; approvers: unknown; exceptionId: string | null };
  'approval.decided': { approvalId: string; name: string; decision: 'approved' | 'rejected'; decidedBy: string; comment: string | null; applied: unknown };
  'approval.skipped': { name: string; reason: 'already-pending'; approvalId: string };
  /** Exceptions and approvals (docs/approvals.md): an exception flag was marked on the deal. */
  'exception.marked': { exceptionId: string; flag: string; reason: string | null; note: string | null; requestedBy: string };
  // ---- SLAs (docs/slas.md)
  /** SLAs (docs/slas.md): an instance started; `sla.met`, `sla.stopped` (late), `sla.breached`, `sla.exempted` and `sla.ended` (cancelled) end one. */
  'sla.started': SlaRef & { dueAt: string; trigger: Occurrence };
  'sla.skipped': { slaId: string; reason: 'criteria' | 'already-running' | 'deal-closed'; trigger: Occurrence; criteria?: ConditionTrace[] };
  'sla.met': SlaRef & { dueAt: string; late: false };
  'sla.stopped': SlaRef & { dueAt: string; late: true };
  'sla.breached': SlaRef & { dueAt: string; ownerId: string };
  'sla.exempted': SlaRef & { status: 'exempt'; reason: string; approvalId: string | null };
  'sla.ended': SlaRef & { status: string; reason: string; approvalId: string | null };
  'sla.reminder': SlaRef & { step: string; dueAt: string };
  'sla.escalation': SlaRef & { step: string; dueAt: string };
  'sla.extended': SlaRef & { from: string; to: string; by: string | null; approvalId: string | null };
  'sla.extend.skipped': { slaId: string; reason: string; approvalId: string | null };
  'sla.exempt.skipped': { slaId: string; reason: string; approvalId: string | null };
  /** An instance stopped its clock for a pending approval on it (`pauseForApproval`); `sla.resumed` on the decision. */
  'sla.paused': SlaRef & { approvalId: string; dueAt: string };
  'sla.resumed': SlaRef & { approvalId: string; pausedAt: string; from: string; to: string };
  'sla.pause.skipped': SlaRef & { approvalId: string; reason: string };
  'sla.step.skipped': SlaRef & { step: string; dueAt: string; reason: string };
  'sla.job.ignored': { jobId: string; actionId: string; reason: 'no-instance' | 'sla-removed' | 'instance-ended' };
}

/** The type of a typed history entry. */
export type HistoryType = keyof HistoryDataMap;

/** The data of a typed history entry of type `T`. */
export type HistoryData<T extends HistoryType> = HistoryDataMap[T];

/** The typed history entry of type `T`: what `engine.on(T, …)` hands its listener. */
export interface HistoryEntryOf<T extends HistoryType> {
  id: string;
  at: string;
  dealId: string | null;
  type: T;
  /** The rule (or feature: `sla`, `task`, `approval`, …) the entry is about. */
  ruleId?: string;
  data: HistoryData<T>;
}

/** One line of a deal's history, typed: narrow on `type` to read its `data`. */
export type HistoryEntry = { [T in HistoryType]: HistoryEntryOf<T> }[HistoryType];

/** Every typed history entry type, as a value (for tests, docs and tools). */
export const HISTORY_TYPES = Object.freeze([
  'deal.created',
  'deal.updated',
  'stage.changed',
  'deal.deleted',
  'deal.notCreated',
  'deal.duplicate',
  'deal.noExternalId',
  'event.received',
  'rule.fired',
  'rule.skipped',
  'action.executed',
  'action.skipped',
  'trigger.skipped',
  'calendar.fallback',
  'template.missing',
  'job.scheduled',
  'job.rescheduled',
  'job.skipped',
  'job.overdue',
  'job.ran',
  'job.cancelled',
  'job.failed',
  'notification.queued',
  'outbox.queued',
  'notification.held',
  'notification.undigested',
  'outbox.delivered',
  'outbox.failed',
  'outbox.dead',
  'outbox.retried',
  'outbox.discarded',
  'rules.changed',
  'violation.recorded',
  'goal.achieved',
  'task.created',
  'task.assigned',
  'task.closeRequested',
  'task.completed',
  'task.reopened',
  'task.closeWithdrawn',
  'task.closeRefused',
  'task.overdue',
  'task.personUnresolved',
  'playbook.launched',
  'approval.requested',
  'approval.decided',
  'approval.skipped',
  'exception.marked',
  'sla.started',
  'sla.skipped',
  'sla.met',
  'sla.stopped',
  'sla.breached',
  'sla.exempted',
  'sla.ended',
  'sla.reminder',
  'sla.escalation',
  'sla.extended',
  'sla.extend.skipped',
  'sla.exempt.skipped',
  'sla.paused',
  'sla.resumed',
  'sla.pause.skipped',
  'sla.step.skipped',
  'sla.job.ignored',
] as const satisfies ReadonlyArray<HistoryType>);

// The list above names every type of the map: a type missing from it fails to compile here.
type Unlisted = Exclude<HistoryType, (typeof HISTORY_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;

const TYPED: ReadonlySet<string> = new Set(HISTORY_TYPES);

/** Whether `entry` is the typed entry of `type` (so its `data` reads as that type's). */
export function isHistoryEntry<E extends { type: string }, T extends HistoryType>(entry: E, type: T): entry is E & HistoryEntryOf<T> {
  return entry.type === type && TYPED.has(type);
}

/**
 * A `log` that checks its data against the history's types: a known type takes its typed data,
 * any other (a custom action's or feature's own) takes any data.
 */
export interface HistoryLog<Rest extends unknown[]> {
  <T extends HistoryType>(type: T, data: HistoryData<T>, ...rest: Rest): void;
  <S extends string>(type: S extends HistoryType ? never : S, data: Record<string, unknown>, ...rest: Rest): void;
}
