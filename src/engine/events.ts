import type { LogEntry } from '../core/types.js';

/**
 * Engine events. Each is emitted after its command commits, with the log entry that records it,
 * so a listener never sees a change that was rolled back.
 */
export interface EngineEvents {
  'deal.created': [LogEntry];
  'deal.updated': [LogEntry];
  'deal.deleted': [LogEntry];
  'stage.changed': [LogEntry];
  'event.received': [LogEntry];
  'rule.fired': [LogEntry];
  'rule.skipped': [LogEntry];
  'job.scheduled': [LogEntry];
  'job.cancelled': [LogEntry];
  'job.ran': [LogEntry];
  'job.failed': [LogEntry];
  'action.executed': [LogEntry];
  'notification.queued': [LogEntry];
  'outbox.delivered': [LogEntry];
  'outbox.failed': [LogEntry];
  'outbox.dead': [LogEntry];
  'outbox.retried': [LogEntry];
  'outbox.discarded': [LogEntry];
  /** A notification joined its recipient's digest (data: digestId, policy, sendAt). */
  'notification.held': [LogEntry];
  /** A notification named an unknown digest policy and was sent on its own. */
  'notification.undigested': [LogEntry];
  'violation.recorded': [LogEntry];
  /** Tasks (docs/tasks.md): created, started (assignee told), close asked of the approver, completed, reopened, overdue. */
  'task.created': [LogEntry];
  'task.assigned': [LogEntry];
  'task.closeRequested': [LogEntry];
  'task.completed': [LogEntry];
  'task.reopened': [LogEntry];
  'task.overdue': [LogEntry];
  'playbook.launched': [LogEntry];
  /** A stage goal was reached, by hand or by itself (docs/goals.md). */
  'goal.achieved': [LogEntry];
  /** An event repeated an external id that already made a deal; nothing was created (docs/system-deals.md). */
  'deal.duplicate': [LogEntry];
  /** SLAs (docs/slas.md): an instance started, met, breached, stopped late, exempted, ended (cancelled), extended; a reminder or escalation ran. */
  'sla.started': [LogEntry];
  'sla.met': [LogEntry];
  'sla.breached': [LogEntry];
  'sla.stopped': [LogEntry];
  'sla.exempted': [LogEntry];
  'sla.ended': [LogEntry];
  'sla.extended': [LogEntry];
  'sla.reminder': [LogEntry];
  'sla.escalation': [LogEntry];
  /** An instance stopped its clock for a pending approval on it (`pauseForApproval`), and resumed on the decision. */
  'sla.paused': [LogEntry];
  'sla.resumed': [LogEntry];
  /** Exceptions and approvals (docs/approvals.md). */
  'exception.marked': [LogEntry];
  'approval.requested': [LogEntry];
  'approval.decided': [LogEntry];
  /** A template named values that were missing; they rendered empty (docs/templates.md). */
  'template.missing': [LogEntry];
  /** Every log entry, whatever its type. */
  log: [LogEntry];
  /** A listener threw; the engine carries on. */
  'listener.error': [unknown, LogEntry];
  /**
   * Delivering the outbox right after a command (`deliverOnCommit`) failed, most likely because
   * the store was lost (`STORAGE_UNAVAILABLE`). The command itself committed and resolves; its
   * messages stay in the outbox for the next delivery, `runDue` or a runner.
   */
  'delivery.error': [unknown];
}
