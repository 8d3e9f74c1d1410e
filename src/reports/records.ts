import type { AnyHistoryEntry, StoredRecord } from '../core/types.js';

/**
 * The record shapes reports read. Features write these records (SLA instances, exceptions,
 * approvals, tasks); reports read only the fields below and tolerate the rest, so a feature may
 * store more. Each reader returns null for a record it cannot use.
 */

/**
 * `met` on time, `breached` (the due time passed first), `exempt` (taken out of the SLA),
 * `cancelled` (the deal closed or was deleted before the SLA ended), `open` (still running).
 */
export type SlaStatus = 'open' | 'met' | 'breached' | 'exempt' | 'cancelled';

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
 * Reads an `sla` record (src/model/sla.ts `SlaInstance`): `data.slaId`, `data.startedAt` (else
 * the record's `at`), `data.dueAt`, `data.status` (`open`/`met`/`breached`/`exempt`/`cancelled`;
 * anything else reads as open), `data.endedAt`; extended when `data.extended === true` or
 * `data.extensions` is a non-empty list.
 */
export function readSlaRecord(r: StoredRecord): SlaInstance | null {
  const d = r.data;
  const slaId = str(d.slaId);
  if (slaId === null || r.dealId === null) return null;
  const raw = str(d.status) ?? 'open';
  const status: SlaStatus = raw === 'met' || raw === 'breached' || raw === 'exempt' || raw === 'cancelled' ? raw : 'open';
  const extended = d.extended === true || (Array.isArray(d.extensions) && d.extensions.length > 0);
  return { slaId, dealId: r.dealId, startedAt: str(d.startedAt) ?? r.at, dueAt: str(d.dueAt), status, extended, endedAt: str(d.endedAt) };
}

/** The action types whose scheduled job marks a plain rule's deadline. */
const DEADLINE_ACTIONS = new Set(['recordViolation']);

/**
 * Deadlines kept by plain rules: a rule that schedules a `recordViolation` is an SLA named by the
 * rule's id. From the log: `job.scheduled` starts it; `job.ran` is a breach; a cancellation
 * because the rule's `until` came true (`until-met`) is met; because the deal closed or was
 * deleted, cancelled; any other cancellation (criteria no longer hold, left the stage, rule
 * changed or disabled) takes the deal out of the rule — exempt — except a re-enrolment, whose new
 * job carries the deadline on.
 */
export function ruleDeadlines(log: ReadonlyArray<AnyHistoryEntry>, dealIds: ReadonlySet<string>): SlaInstance[] {
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
      if (inst?.status !== 'open') continue;
      if (e.type === 'job.cancelled' && e.data.reason === 'replaced-by-reenrolment') {
        byJob.delete(jobId);
        continue;
      }
      inst.status = e.type === 'job.ran' ? 'breached' : cancelledAs(String(e.data.reason));
      inst.endedAt = e.at;
    }
  }
  return [...byJob.values()];
}

const DEAL_GONE = new Set(['deal-closed', 'deal-deleted', 'deal-gone']);

function cancelledAs(reason: string): SlaStatus {
  if (reason === 'until-met') return 'met';
  return DEAL_GONE.has(reason) ? 'cancelled' : 'exempt';
}

/** A deal taken out of a rule (record kind `exception`). */
export interface ExceptionView {
  id: string;
  dealId: string;
  at: string;
  /** The flag that marks it, e.g. `complex`, when recorded. */
  flag: string | null;
  /** The SLAs or rules it takes the deal out of (or gives more time in), when known. */
  rules: string[];
  /** A reason from the configured list. */
  reason: string | null;
  /** Free text, when no listed reason fits (or to add detail). */
  reasonText: string | null;
  requestedBy: string | null;
  approvalId: string | null;
  /** The exception's own state (`noted`, `pending`, `approved`, `rejected`), when it keeps one. */
  status: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

/**
 * Reads an `exception` record (src/model/approval.ts `ExceptionData`): `data.flag`, `data.reason`,
 * `data.note` (or `data.reasonText`), `data.requestedBy`, `data.requestedAt` (else the record's
 * `at`), `data.approvalId`, `data.status`, `data.decidedBy`, `data.decidedAt`, and the rules it
 * concerns from `data.slas[].sla`, `data.slaId` or `data.ruleId`.
 */
export function readExceptionRecord(r: StoredRecord): ExceptionView | null {
  if (r.dealId === null) return null;
  const d = r.data;
  const rules = new Set<string>();
  if (Array.isArray(d.slas)) for (const s of d.slas) if (str((s as { sla?: unknown })?.sla) !== null) rules.add((s as { sla: string }).sla);
  for (const one of [str(d.slaId), str(d.ruleId)]) if (one !== null) rules.add(one);
  return {
    id: r.id,
    dealId: r.dealId,
    at: str(d.requestedAt) ?? r.at,
    flag: str(d.flag),
    rules: [...rules].sort(),
    reason: str(d.reason),
    reasonText: str(d.note) ?? str(d.reasonText),
    requestedBy: str(d.requestedBy) ?? str(d.actorId),
    approvalId: str(d.approvalId),
    status: str(d.status),
    decidedBy: str(d.decidedBy),
    decidedAt: str(d.decidedAt),
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
 * Reads an `approval` record (src/model/approval.ts `ApprovalData`): `data.status` (`pending`/`approved`/`rejected`/`cancelled`; also
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
    at: str(d.requestedAt) ?? r.at,
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
