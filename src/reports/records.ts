import type { LogEntry, StoredRecord } from '../core/types.js';

/**
 * The record shapes reports read. Features write these records (SLA instances, exceptions,
 * approvals, tasks); reports read only the fields below and tolerate the rest, so a feature may
 * store more. Each reader returns null for a record it cannot use.
 */

export type SlaStatus = 'open' | 'met' | 'breached' | 'exempt';

/** One deal's run of one SLA (record kind `sla`, or a deadline kept by a plain rule). */
export interface SlaInstance {
  slaId: string;
  dealId: string;
  startedAt: string;
  dueAt: string | null;
  status: SlaStatus;
  /** Whether its due time was moved out (by an approved extension) at some point. */
  extended: boolean;
  endedAt: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Reads an `sla` record: `data.slaId`, `data.startedAt` (else the record's `at`), `data.dueAt`,
 * `data.status` (`open`/`met`/`breached`/`exempt`, or `extended` meaning still open with a moved
 * due time), `data.endedAt`; extended when `status` is `extended`, or `data.extended === true`,
 * or `data.extensions` is a non-empty list, or `data.extendedAt` is set.
 */
export function readSlaRecord(r: StoredRecord): SlaInstance | null {
  const d = r.data;
  const slaId = str(d.slaId);
  if (slaId === null || r.dealId === null) return null;
  const raw = str(d.status) ?? 'open';
  const status: SlaStatus = raw === 'met' || raw === 'breached' || raw === 'exempt' ? raw : 'open';
  const extended =
    raw === 'extended' || d.extended === true || (Array.isArray(d.extensions) && d.extensions.length > 0) || str(d.extendedAt) !== null;
  return { slaId, dealId: r.dealId, startedAt: str(d.startedAt) ?? r.at, dueAt: str(d.dueAt), status, extended, endedAt: str(d.endedAt) };
}

/** The action types whose scheduled job marks a plain rule's deadline. */
const DEADLINE_ACTIONS = new Set(['recordViolation']);

/**
 * Deadlines kept by plain rules: a rule that schedules a `recordViolation` is an SLA named by the
 * rule's id. From the log: `job.scheduled` starts it; `job.ran` is a breach; a cancellation
 * because the rule's `until` came true (`until-met`) is met; any other cancellation (criteria no
 * longer hold, deal closed or deleted, left the stage, rule changed) takes the deal out of the
 * rule — exempt — except a re-enrolment, whose new job carries the deadline on.
 */
export function ruleDeadlines(log: ReadonlyArray<LogEntry>, dealIds: ReadonlySet<string>): SlaInstance[] {
  const byJob = new Map<string, SlaInstance>();
  for (const e of log) {
    if (e.dealId === null || !dealIds.has(e.dealId)) continue;
    if (e.type === 'job.scheduled') {
      if (!DEADLINE_ACTIONS.has(String(e.data.type)) || e.ruleId === undefined) continue;
      const jobId = String(e.data.jobId);
      byJob.set(jobId, { slaId: e.ruleId, dealId: e.dealId, startedAt: e.at, dueAt: str(e.data.dueAt), status: 'open', extended: false, endedAt: null });
    } else if (e.type === 'job.ran' || e.type === 'job.cancelled') {
      const jobId = String(e.data.jobId);
      const inst = byJob.get(jobId);
      if (!inst || inst.status !== 'open') continue;
      if (e.type === 'job.cancelled' && e.data.reason === 'replaced-by-reenrolment') {
        byJob.delete(jobId);
        continue;
      }
      inst.status = e.type === 'job.ran' ? 'breached' : e.data.reason === 'until-met' ? 'met' : 'exempt';
      inst.endedAt = e.at;
    }
  }
  return [...byJob.values()];
}

/** A deal taken out of a rule (record kind `exception`). */
export interface ExceptionView {
  id: string;
  dealId: string;
  at: string;
  /** The SLA or rule it takes the deal out of, when known. */
  ruleId: string | null;
  /** A reason from the configured list. */
  reason: string | null;
  /** Free text, when no listed reason fits (or to add detail). */
  reasonText: string | null;
  requestedBy: string | null;
  approvalId: string | null;
}

/**
 * Reads an `exception` record: `data.reason`, `data.reasonText` (or `data.note`), `data.requestedBy`
 * (or `data.actorId`), `data.slaId` (or `data.ruleId`), `data.approvalId`.
 */
export function readExceptionRecord(r: StoredRecord): ExceptionView | null {
  if (r.dealId === null) return null;
  const d = r.data;
  return {
    id: r.id,
    dealId: r.dealId,
    at: r.at,
    ruleId: str(d.slaId) ?? str(d.ruleId),
    reason: str(d.reason),
    reasonText: str(d.reasonText) ?? str(d.note),
    requestedBy: str(d.requestedBy) ?? str(d.actorId),
    approvalId: str(d.approvalId),
  };
}

export interface ApprovalView {
  id: string;
  dealId: string | null;
  at: string;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
  requesterId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  exceptionId: string | null;
}

/**
 * Reads an `approval` record: `data.status` (`pending`/`approved`/`rejected`/`cancelled`; also
 * `data.decision` `approve`/`reject`), `data.requesterId` (or `requestedBy`), `data.decidedBy`,
 * `data.decidedAt`, `data.exceptionId`.
 */
export function readApprovalRecord(r: StoredRecord): ApprovalView {
  const d = r.data;
  const decision = str(d.decision);
  const raw = str(d.status) ?? (decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'pending');
  const status = raw === 'approved' || raw === 'rejected' || raw === 'cancelled' ? raw : 'pending';
  return {
    id: r.id,
    dealId: r.dealId,
    at: r.at,
    status,
    requesterId: str(d.requesterId) ?? str(d.requestedBy),
    decidedBy: str(d.decidedBy),
    decidedAt: str(d.decidedAt),
    exceptionId: str(d.exceptionId),
  };
}

/** A task as the board reads it (record kind `task`): open unless `data.status` is `completed` (or `cancelled`). */
export function isOpenTask(r: StoredRecord): boolean {
  const status = str(r.data.status);
  return status !== 'completed' && status !== 'cancelled';
}
