import type { AnyHistoryEntry } from '../core/types.js';
import type { Deal } from '../model/deal.js';

/** One stay of a deal in a stage, from the log: entered at, left at (null while still there), and where to. */
export interface StageVisit {
  stageId: string;
  enteredAt: string;
  leftAt: string | null;
  /** The stage it moved to when it left; null while still there. */
  to: string | null;
}

/**
 * Rebuilds each in-scope deal's path through the stages from `deal.created` and `stage.changed`
 * log entries (in log order). A deal whose creation is not in the log starts from the first
 * move's `from` stage at its `createdAt` (or sits in its current stage since `stageEnteredAt`).
 */
export function stageVisits(deals: ReadonlyMap<string, Deal>, log: ReadonlyArray<AnyHistoryEntry>): Map<string, StageVisit[]> {
  const out = new Map<string, StageVisit[]>();
  for (const e of log) {
    if (e.dealId === null) continue;
    if (e.type !== 'stage.changed' && e.type !== 'deal.created') continue;
    const deal = deals.get(e.dealId);
    if (!deal) continue;
    let visits = out.get(e.dealId);
    if (e.type === 'deal.created') {
      const created = (e.data.deal as Deal | undefined)?.stageId ?? deal.stageId;
      out.set(e.dealId, [{ stageId: created, enteredAt: e.at, leftAt: null, to: null }]);
      continue;
    }
    const from = String(e.data.from);
    const to = String(e.data.to);
    if (!visits) out.set(e.dealId, (visits = [{ stageId: from, enteredAt: deal.createdAt, leftAt: null, to: null }]));
    const current = visits[visits.length - 1]!;
    current.leftAt = e.at;
    current.to = to;
    visits.push({ stageId: to, enteredAt: e.at, leftAt: null, to: null });
  }
  for (const deal of deals.values()) {
    if (!out.has(deal.id)) out.set(deal.id, [{ stageId: deal.stageId, enteredAt: deal.stageEnteredAt, leftAt: null, to: null }]);
  }
  return out;
}
