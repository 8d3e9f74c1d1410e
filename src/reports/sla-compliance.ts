import { readSlaRecord, ruleDeadlines, type SlaInstance } from './records.js';
import { scopeOf, shownColumns } from './scope.js';
import { share } from './stats.js';
import type { Column, Report, ReportData, ReportOptions } from './types.js';

/** Options of the `slaCompliance` report. */
export interface SlaComplianceOptions extends ReportOptions {
  /** Only these SLAs (ids; a plain rule's deadline is named by the rule id). */
  slaId?: string | ReadonlyArray<string>;
}

/** One SLA's (and group's) row of the `slaCompliance` report: runs started in the period and how they ended. */
export interface SlaComplianceRow {
  slaId: string;
  group: string;
  started: number;
  /** Ended met on time. */
  met: number;
  breached: number;
  /** Taken out of the SLA (an exception, or it stopped applying). */
  exempt: number;
  /** The deal closed or was deleted before the SLA ended. */
  cancelled: number;
  /** Had their due time moved out at some point (counted again under their outcome). */
  extended: number;
  /** Not ended yet. */
  open: number;
  /** met ÷ (met + breached). */
  compliance: number | null;
  metDeals: string[];
  breachedDeals: string[];
  exemptDeals: string[];
  cancelledDeals: string[];
  extendedDeals: string[];
  openDeals: string[];
}

const COLUMNS: Column<SlaComplianceRow>[] = [
  { key: 'slaId', label: 'SLA', format: 'text' },
  { key: 'group', label: 'Group', format: 'text' },
  { key: 'started', label: 'Started', format: 'int' },
  { key: 'met', label: 'Met', format: 'int' },
  { key: 'breached', label: 'Breached', format: 'int' },
  { key: 'exempt', label: 'Exempt', format: 'int' },
  { key: 'cancelled', label: 'Cancelled', format: 'int' },
  { key: 'extended', label: 'Extended', format: 'int' },
  { key: 'open', label: 'Open', format: 'int' },
  { key: 'compliance', label: 'Compliance', format: 'percent' },
];

/**
 * Per SLA (and group), the runs started in the period: how many were met on time, breached,
 * exempt, cancelled (deal closed or deleted first), extended, still open, with the deals in each. Reads `sla` records, and the deadlines
 * plain rules keep with a scheduled `recordViolation` (named by rule id) from the log — the seed's
 * "got a proposal within 5 days / did not".
 */
export function slaCompliance(data: ReportData, options: SlaComplianceOptions = {}): Report<SlaComplianceRow> {
  const scope = scopeOf(data, options);
  const only = options.slaId === undefined ? undefined : new Set(typeof options.slaId === 'string' ? [options.slaId] : options.slaId);
  const instances: SlaInstance[] = [];
  for (const r of data.records.sla ?? []) {
    const inst = readSlaRecord(r);
    if (inst && scope.byId.has(inst.dealId)) instances.push(inst);
  }
  instances.push(...ruleDeadlines(data.log, new Set(scope.byId.keys())));

  const rows = new Map<string, SlaComplianceRow>();
  for (const inst of instances) {
    if (!scope.inPeriod(inst.startedAt) || (only && !only.has(inst.slaId))) continue;
    const group = scope.groupOf(scope.byId.get(inst.dealId)!);
    const key = `${inst.slaId}\u0000${group}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = emptyRow(inst.slaId, group)));
    row.started++;
    row[inst.status]++;
    row[`${inst.status}Deals`].push(inst.dealId);
    if (inst.extended) {
      row.extended++;
      row.extendedDeals.push(inst.dealId);
    }
  }
  const out = [...rows.values()].sort((a, b) => cmp(a.slaId, b.slaId) || cmp(a.group, b.group));
  for (const row of out) {
    row.compliance = share(row.met, row.met + row.breached);
    for (const list of [row.metDeals, row.breachedDeals, row.exemptDeals, row.cancelledDeals, row.extendedDeals, row.openDeals]) list.sort();
  }
  const notes = out.map((r) => {
    const pct = r.compliance === null ? '–' : `${(r.compliance * 100).toFixed(1)}%`;
    return `${r.slaId}${scope.groupBy === 'none' ? '' : ` (${r.group})`}: ${r.met} of ${r.met + r.breached} decided runs met on time (${pct})`;
  });
  return { name: 'slaCompliance', title: 'SLA compliance', columns: shownColumns(COLUMNS, out, scope.groupBy), rows: out, notes };
}

function emptyRow(slaId: string, group: string): SlaComplianceRow {
  return {
    slaId,
    group,
    started: 0,
    met: 0,
    breached: 0,
    exempt: 0,
    cancelled: 0,
    extended: 0,
    open: 0,
    compliance: null,
    metDeals: [],
    breachedDeals: [],
    exemptDeals: [],
    cancelledDeals: [],
    extendedDeals: [],
    openDeals: [],
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
