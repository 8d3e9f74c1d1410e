import type { Job, AnyHistoryEntry } from '../core/types.js';
import { recipientText } from './timeline.js';

/** What one rule did over a simulation. */
export interface RuleActivity {
  ruleId: string;
  /** Times its trigger matched and its criteria held. */
  fired: number;
  /** Times its trigger matched but it did not fire, by reason (`criteria`, `once`, `already-enrolled`). */
  skipped: Record<string, number>;
  scheduled: number;
  ran: number;
  /** Jobs cancelled, by reason (`until-met`, `left-stage`, `criteria-no-longer-hold`, …). */
  cancelled: Record<string, number>;
  failed: number;
  notifications: number;
  /** Jobs still waiting at the end. */
  pending: number;
}

/**
 * What a rule set did over a simulation, counted: the first thing to read before a rule goes live
 * (does it fire at all, how often, whom does it notify, what does it cancel and why).
 */
export interface SimulationSummary {
  /** Deals created in the log. */
  deals: number;
  /** One entry per rule that did anything. */
  rules: RuleActivity[];
  /** Notifications queued, by template and recipient spec. */
  notifications: Array<{ template: string; to: string; count: number }>;
  /** Stage moves made by rules (not by the history), by from → to. */
  stageMoves: Array<{ from: string; to: string; count: number }>;
  /** Violations recorded by rules, by name. */
  violations: Array<{ name: string; count: number }>;
  /** Jobs cancelled, by reason (`until-met`, `left-stage`, …). */
  cancellations: Array<{ reason: string; count: number }>;
}

const bump = (o: Record<string, number>, key: string) => {
  o[key] = (o[key] ?? 0) + 1;
};

/** Counts what the rules did, from the log (and the jobs still pending). */
export function summarize(log: ReadonlyArray<AnyHistoryEntry>, pending: ReadonlyArray<Job>): SimulationSummary {
  const rules = new Map<string, RuleActivity>();
  const rule = (id: string) => {
    let r = rules.get(id);
    if (!r) rules.set(id, (r = { ruleId: id, fired: 0, skipped: {}, scheduled: 0, ran: 0, cancelled: {}, failed: 0, notifications: 0, pending: 0 }));
    return r;
  };
  const deals = new Set<string>();
  const notifications = new Map<string, { template: string; to: string; count: number }>();
  const moves = new Map<string, { from: string; to: string; count: number }>();
  const violations: Record<string, number> = {};
  const cancellations: Record<string, number> = {};
  for (const e of log) {
    if (e.type === 'deal.created' && e.dealId) deals.add(e.dealId);
    const id = e.ruleId;
    switch (e.type) {
      case 'rule.fired':
        if (id) rule(id).fired++;
        break;
      case 'rule.skipped':
        if (id) bump(rule(id).skipped, String(e.data.reason));
        break;
      case 'job.scheduled':
        if (id) rule(id).scheduled++;
        break;
      case 'job.ran':
        if (id) rule(id).ran++;
        break;
      case 'job.failed':
        if (id) rule(id).failed++;
        break;
      case 'job.cancelled':
        if (id) bump(rule(id).cancelled, String(e.data.reason));
        bump(cancellations, String(e.data.reason));
        break;
      case 'notification.queued': {
        if (id) rule(id).notifications++;
        const template = String(e.data.template);
        const to = recipientText(e.data.to);
        const key = `${template}\u0000${to}`;
        const n = notifications.get(key) ?? { template, to, count: 0 };
        n.count++;
        notifications.set(key, n);
        break;
      }
      case 'stage.changed': {
        if (e.data.by === 'command') break;
        const from = String(e.data.from);
        const to = String(e.data.to);
        const m = moves.get(`${from}\u0000${to}`) ?? { from, to, count: 0 };
        m.count++;
        moves.set(`${from}\u0000${to}`, m);
        break;
      }
      case 'violation.recorded':
        bump(violations, String(e.data.name));
        break;
    }
  }
  for (const job of pending) rule(job.ruleId).pending++;
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  return {
    deals: deals.size,
    rules: [...rules.values()].sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1)),
    notifications: [...notifications.values()].sort((a, b) => byCount(a, b) || (a.template < b.template ? -1 : 1)),
    stageMoves: [...moves.values()].sort(byCount),
    violations: Object.entries(violations)
      .map(([name, count]) => ({ name, count }))
      .sort(byCount),
    cancellations: Object.entries(cancellations)
      .map(([reason, count]) => ({ reason, count }))
      .sort(byCount),
  };
}
