import { readApprovalRecord, readExceptionRecord, type ApprovalView, type ExceptionView } from './records.js';
import { groupBy, scopeOf, shownColumns } from './scope.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** One exception in the `exceptions` report: the deal, flag, reason, who asked, and its approval. */
export interface ExceptionRow {
  group: string;
  exceptionId: string;
  dealId: string;
  title: string;
  ownerId: string;
  at: string;
  flag: string | null;
  /** The SLAs or rules the deal was taken out of (or given more time in), when recorded. */
  rules: string[];
  reason: string | null;
  reasonText: string | null;
  requestedBy: string | null;
  /** The approval's state: pending, approved, rejected, cancelled; null when none was asked for. */
  approval: string | null;
  /** Who decided it (approved or rejected). */
  decidedBy: string | null;
  /** Who approved it, when it was approved. */
  approvedBy: string | null;
  decidedAt: string | null;
}

const COLUMNS: Column<ExceptionRow>[] = [
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'dealId', label: 'Deal', format: 'text' },
  { key: 'title', label: 'Title', format: 'text' },
  { key: 'ownerId', label: 'Owner', format: 'text' },
  { key: 'at', label: 'Marked', format: 'instant' },
  { key: 'flag', label: 'Flag', format: 'text' },
  { key: 'rules', label: 'Rules', format: 'list' },
  { key: 'reason', label: 'Reason', format: 'text' },
  { key: 'reasonText', label: 'Details', format: 'text' },
  { key: 'requestedBy', label: 'Asked by', format: 'text' },
  { key: 'approval', label: 'Approval', format: 'text' },
  { key: 'approvedBy', label: 'Approved by', format: 'text' },
];

/**
 * The deals taken out of a rule in the period (records of kind `exception`), with the reason
 * (from the list, or free text), who asked, and the approval: its state and who approved it.
 * An exception's approval is the one it names (`approvalId`), or the one that names it
 * (`exceptionId`), or else the deal's first approval asked for at or after it.
 */
export function exceptions(data: ReportData, options: ReportOptions = {}): Report<ExceptionRow> {
  const scope = scopeOf(data, options);
  const approvals = (data.records.approval ?? []).map(readApprovalRecord).filter((a) => a.dealId !== null && scope.byId.has(a.dealId));
  const approvalById = new Map(approvals.map((a) => [a.id, a]));
  const approvalByException = new Map(approvals.filter((a) => a.exceptionId !== null).map((a) => [a.exceptionId!, a]));
  const approvalsByDeal = groupBy(
    [...approvals].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
    (a) => a.dealId!,
  );
  const approvalOf = (e: ExceptionView): ApprovalView | undefined =>
    (e.approvalId !== null ? approvalById.get(e.approvalId) : undefined) ??
    approvalByException.get(e.id) ??
    approvalsByDeal.get(e.dealId)?.find((a) => a.at >= e.at && a.exceptionId === null);

  const rows: ExceptionRow[] = [];
  for (const r of data.records.exception ?? []) {
    const e = readExceptionRecord(r);
    if (!e || !scope.inPeriod(e.at)) continue;
    const deal = scope.byId.get(e.dealId);
    if (!deal) continue;
    const a = approvalOf(e);
    rows.push({
      group: scope.groupOf(deal),
      exceptionId: e.id,
      dealId: e.dealId,
      title: deal.title,
      ownerId: deal.ownerId,
      at: e.at,
      flag: e.flag,
      rules: e.rules,
      reason: e.reason,
      reasonText: e.reasonText,
      requestedBy: e.requestedBy,
      approval: a?.status ?? (e.status === 'noted' ? null : e.status),
      decidedBy: a?.decidedBy ?? e.decidedBy,
      approvedBy: (a?.status ?? e.status) === 'approved' ? (a?.decidedBy ?? e.decidedBy) : null,
      decidedAt: a?.decidedAt ?? e.decidedAt,
    });
  }
  rows.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.at < b.at ? -1 : a.at > b.at ? 1 : a.exceptionId < b.exceptionId ? -1 : 1));
  const byReason = groupBy(rows, (r) => r.reason ?? '(free text)');
  const notes = [`${rows.length} exception(s)${rows.length ? `: ${[...byReason].map(([k, v]) => `${k} ${v.length}`).join(', ')}` : ''}`];
  return { name: 'exceptions', title: 'Exceptions', columns: shownColumns(COLUMNS, rows, scope.groupBy), rows, notes };
}
