import type { AnyHistoryEntry } from '../core/types.js';
import { readSlaRecord, ruleDeadlines, type SlaInstance, type SlaStatus } from '../reports/records.js';
import { simulate, type SimulateOptions, type SimulationResult } from './simulate.js';
import type { SimulationSummary } from './summary.js';
import { recipientText } from './timeline.js';

/** A notification a rule set queued: when, what, to whom (the recipient as the rule names it). */
export interface NotificationOutcome {
  at: string;
  ruleId: string | null;
  template: string;
  to: string;
}

/** The same notification under both rule sets, sent at another time. */
export interface Retimed {
  template: string;
  to: string;
  ruleId: string | null;
  atA: string;
  atB: string;
}

/** A stage move a rule made (moves replayed from the history are not outcomes of the rules, so are left out). */
export interface StageMoveOutcome {
  at: string;
  ruleId: string | null;
  from: string;
  to: string;
}

/** A violation a rule recorded (`recordViolation`), e.g. a missed deadline, by its name. */
export interface ViolationOutcome {
  at: string;
  ruleId: string | null;
  name: string;
}

/** A deadline outcome of a deal, per SLA (a plain rule's deadline is named by its rule id), as the SLA report counts it. */
export type SlaOutcome = SlaStatus;

/** What rule set B does that A did not (`added`) and what A did that B no longer does (`removed`). */
export interface Changes<T> {
  /** Only under B. */
  added: T[];
  /** Only under A. */
  removed: T[];
}

/** How one deal's outcome changes when rule set B replaces A. Only deals with a change are listed. */
export interface DealDiff {
  dealId: string;
  notifications: Changes<NotificationOutcome> & { retimed: Retimed[] };
  /** Notifications to someone above the owner (`manager`, a role): the subset of `notifications` that escalates. */
  escalations: Changes<NotificationOutcome> & { retimed: Retimed[] };
  stageMoves: Changes<StageMoveOutcome>;
  violations: Changes<ViolationOutcome>;
  /** Per SLA whose outcome differs: the outcome under A and under B (null: no such deadline). */
  sla: Array<{ slaId: string; a: SlaOutcome | null; b: SlaOutcome | null }>;
  /** Set when the deal ends in another stage. */
  finalStage: { a: string | null; b: string | null } | null;
}

/** One kind of outcome counted over all deals: the totals under each rule set, and how many appear or disappear. */
export interface CountChange {
  /** How many under rule set A. */
  a: number;
  /** How many under rule set B. */
  b: number;
  /** How many happen only under B. */
  added: number;
  /** How many happen only under A. */
  removed: number;
}

/**
 * The answer to "what would change if these rules went live": what `diff` returns. Read `totals`
 * for the headline (how many deals change, notifications and escalations added or removed, SLA
 * outcomes), then `deals` for the evidence, deal by deal. The CLI's `dealflow diff` prints it.
 */
export interface RuleSetDiff {
  /** Where the simulated window starts (ISO): `from` as given, by default the first event's time. */
  from: string;
  /** Where it ends: `to` as given, by default the last event's time. */
  to: string;
  /** Counts over every deal in the history. */
  totals: {
    deals: number;
    dealsChanged: number;
    notifications: CountChange & { retimed: number };
    escalations: CountChange & { retimed: number };
    stageMoves: CountChange;
    violations: CountChange;
    finalStageChanged: number;
    /** Per SLA: how many deals met, breached, … it under A and under B, and how many changed outcome. */
    sla: Array<{ slaId: string; a: Record<SlaOutcome, number>; b: Record<SlaOutcome, number>; changed: number }>;
  };
  /** Only the deals whose outcome differs, sorted by id. */
  deals: DealDiff[];
  /** What each rule set did on its own (rules fired, notifications sent), as `summarize` counts it. */
  summaries: { a: SimulationSummary; b: SimulationSummary };
}

/**
 * What changes if rule set B replaces A on the same history: both are simulated, then compared
 * deal by deal — notifications added, removed or sent at another time (escalations among them),
 * stage moves made by rules, violations recorded, deadline (SLA) outcomes and final stages.
 */
export async function diff(rulesA: unknown, rulesB: unknown, history: Omit<SimulateOptions, 'rules'>): Promise<RuleSetDiff> {
  const a = await simulate({ ...history, rules: rulesA });
  const b = await simulate({ ...history, rules: rulesB });
  return diffResults(a, b);
}

/** Compares two simulations of the same history (see `diff`). */
export function diffResults(a: SimulationResult, b: SimulationResult): RuleSetDiff {
  const outA = outcomesByDeal(a);
  const outB = outcomesByDeal(b);
  const ids = [...new Set([...outA.keys(), ...outB.keys()])].sort();
  const deals: DealDiff[] = [];
  const totals: RuleSetDiff['totals'] = {
    deals: ids.length,
    dealsChanged: 0,
    notifications: { a: 0, b: 0, added: 0, removed: 0, retimed: 0 },
    escalations: { a: 0, b: 0, added: 0, removed: 0, retimed: 0 },
    stageMoves: { a: 0, b: 0, added: 0, removed: 0 },
    violations: { a: 0, b: 0, added: 0, removed: 0 },
    finalStageChanged: 0,
    sla: [],
  };
  const slaTotals = new Map<string, RuleSetDiff['totals']['sla'][number]>();
  const slaRow = (slaId: string) => {
    let row = slaTotals.get(slaId);
    if (!row) slaTotals.set(slaId, (row = { slaId, a: emptyOutcomes(), b: emptyOutcomes(), changed: 0 }));
    return row;
  };
  for (const id of ids) {
    const x = outA.get(id) ?? emptyDeal();
    const y = outB.get(id) ?? emptyDeal();
    const notifications = compareTimed(x.notifications, y.notifications);
    const escalations = compareTimed(x.notifications.filter(isEscalation), y.notifications.filter(isEscalation));
    const stageMoves = compareBy(x.stageMoves, y.stageMoves, (m) => `${m.at}|${m.from}|${m.to}`);
    const violations = compareBy(x.violations, y.violations, (v) => `${v.at}|${v.name}`);
    const sla: DealDiff['sla'] = [];
    for (const slaId of [...new Set([...x.sla.keys(), ...y.sla.keys()])].sort()) {
      const sa = x.sla.get(slaId) ?? null;
      const sb = y.sla.get(slaId) ?? null;
      const row = slaRow(slaId);
      if (sa) row.a[sa]++;
      if (sb) row.b[sb]++;
      if (sa !== sb) {
        row.changed++;
        sla.push({ slaId, a: sa, b: sb });
      }
    }
    const finalStage = x.stage !== y.stage ? { a: x.stage, b: y.stage } : null;

    count(totals.notifications, x.notifications.length, y.notifications.length, notifications);
    totals.notifications.retimed += notifications.retimed.length;
    count(totals.escalations, x.notifications.filter(isEscalation).length, y.notifications.filter(isEscalation).length, escalations);
    totals.escalations.retimed += escalations.retimed.length;
    count(totals.stageMoves, x.stageMoves.length, y.stageMoves.length, stageMoves);
    count(totals.violations, x.violations.length, y.violations.length, violations);
    if (finalStage) totals.finalStageChanged++;

    const changed = changes(notifications) + notifications.retimed.length + changes(stageMoves) + changes(violations) + sla.length + (finalStage ? 1 : 0) > 0;
    if (changed) {
      totals.dealsChanged++;
      deals.push({ dealId: id, notifications, escalations, stageMoves, violations, sla, finalStage });
    }
  }
  totals.sla = [...slaTotals.values()].sort((p, q) => (p.slaId < q.slaId ? -1 : 1));
  return { from: a.from, to: a.to, totals, deals, summaries: { a: a.summary, b: b.summary } };
}

interface DealOutcomes {
  notifications: NotificationOutcome[];
  stageMoves: StageMoveOutcome[];
  violations: ViolationOutcome[];
  sla: Map<string, SlaOutcome>;
  stage: string | null;
}

function emptyDeal(): DealOutcomes {
  return { notifications: [], stageMoves: [], violations: [], sla: new Map(), stage: null };
}

function emptyOutcomes(): Record<SlaOutcome, number> {
  return { met: 0, breached: 0, exempt: 0, cancelled: 0, open: 0 };
}

function outcomesByDeal(result: SimulationResult): Map<string, DealOutcomes> {
  const out = new Map<string, DealOutcomes>();
  const of = (id: string) => {
    let d = out.get(id);
    if (!d) out.set(id, (d = emptyDeal()));
    return d;
  };
  for (const e of result.log) {
    if (e.dealId === null) continue;
    const outcome = outcomeOf(e);
    if (!outcome) continue;
    const d = of(e.dealId);
    if (outcome.kind === 'notification') d.notifications.push(outcome.value);
    else if (outcome.kind === 'move') d.stageMoves.push(outcome.value);
    else d.violations.push(outcome.value);
  }
  for (const [dealId, slas] of slaOutcomes(result)) of(dealId).sla = slas;
  for (const deal of result.deals) of(deal.id).stage = deal.stageId;
  return out;
}

function outcomeOf(
  e: AnyHistoryEntry,
):
  | { kind: 'notification'; value: NotificationOutcome }
  | { kind: 'move'; value: StageMoveOutcome }
  | { kind: 'violation'; value: ViolationOutcome }
  | undefined {
  const ruleId = e.ruleId ?? null;
  if (e.type === 'notification.queued')
    return { kind: 'notification', value: { at: e.at, ruleId, template: String(e.data.template), to: recipientText(e.data.to) } };
  if (e.type === 'stage.changed' && e.data.by !== 'command')
    return { kind: 'move', value: { at: e.at, ruleId, from: String(e.data.from), to: String(e.data.to) } };
  if (e.type === 'violation.recorded') return { kind: 'violation', value: { at: e.at, ruleId, name: String(e.data.name) } };
  return undefined;
}

/**
 * Deadline outcomes per deal, read as the SLA report reads them: `sla` records of SLAs, and plain
 * rules' deadlines (a scheduled `recordViolation`) from the log. A deal that ran an SLA more than
 * once is judged by its latest run.
 */
function slaOutcomes(result: SimulationResult): Map<string, Map<string, SlaOutcome>> {
  const dealIds = new Set<string>();
  for (const e of result.log) if (e.dealId !== null) dealIds.add(e.dealId);
  const instances: SlaInstance[] = [];
  for (const r of result.records.sla ?? []) {
    const inst = readSlaRecord(r);
    if (inst) instances.push(inst);
  }
  instances.push(...ruleDeadlines(result.log, dealIds));
  instances.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  const out = new Map<string, Map<string, SlaOutcome>>();
  for (const inst of instances) {
    let m = out.get(inst.dealId);
    if (!m) out.set(inst.dealId, (m = new Map()));
    m.set(inst.slaId, inst.status);
  }
  return out;
}

function isEscalation(n: NotificationOutcome): boolean {
  return n.to === 'manager' || n.to.startsWith('role ');
}

/** Pairs notifications by template and recipient: same time = unchanged, other time = retimed, the rest added or removed. */
function compareTimed(a: NotificationOutcome[], b: NotificationOutcome[]): Changes<NotificationOutcome> & { retimed: Retimed[] } {
  const key = (n: NotificationOutcome) => `${n.template}\u0000${n.to}`;
  const exact = compareBy(a, b, (n) => `${key(n)}\u0000${n.at}`);
  const retimed: Retimed[] = [];
  const added = [...exact.added];
  const removed: NotificationOutcome[] = [];
  for (const r of exact.removed) {
    const i = added.findIndex((n) => key(n) === key(r));
    if (i < 0) {
      removed.push(r);
      continue;
    }
    const [n] = added.splice(i, 1);
    retimed.push({ template: r.template, to: r.to, ruleId: n!.ruleId ?? r.ruleId, atA: r.at, atB: n!.at });
  }
  return { added, removed, retimed };
}

/** Multiset difference by a key, keeping each list's order. */
function compareBy<T>(a: T[], b: T[], key: (t: T) => string): Changes<T> {
  const counts = new Map<string, number>();
  for (const t of a) counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
  const added: T[] = [];
  for (const t of b) {
    const k = key(t);
    const n = counts.get(k) ?? 0;
    if (n > 0) counts.set(k, n - 1);
    else added.push(t);
  }
  const removed: T[] = [];
  for (const t of [...a].reverse()) {
    const k = key(t);
    const n = counts.get(k) ?? 0;
    if (n > 0) {
      counts.set(k, n - 1);
      removed.unshift(t);
    }
  }
  return { added, removed };
}

function count(total: CountChange, a: number, b: number, c: Changes<unknown>): void {
  total.a += a;
  total.b += b;
  total.added += c.added.length;
  total.removed += c.removed.length;
}

function changes(c: Changes<unknown>): number {
  return c.added.length + c.removed.length;
}
