import type { StoredRecord } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { StageKind } from '../model/pipeline.js';
import type { Actor } from '../ports/access.js';
import { isOpenTask, readSlaRecord, ruleDeadlines, type SlaInstance } from '../reports/records.js';
import type { ReportHost } from './reports.js';
import { describeValue } from '../model/input.js';

/** Options of `engine.board`: the actor (cards are limited to deals they may read) and the card order. */
export interface BoardOptions {
  actor?: Actor;
  /** Card order in each column by creation date: `newest` first (default) or `oldest` first. */
  order?: 'newest' | 'oldest';
}

/**
 * A deal's deadlines at a glance, the first that applies: `breached` (one was missed), `overdue`
 * (one is past due and not yet recorded as breached), `running` (one is open, not yet due), `met`
 * (one was met), `exempt` (they ended otherwise: exempt, or cancelled by closing the deal),
 * `none` (no deadlines).
 */
export type SlaState = 'breached' | 'overdue' | 'running' | 'met' | 'exempt' | 'none';

/** An open task as shown on a board card. */
export interface BoardTask {
  id: string;
  title: string;
  assigneeId: string | null;
  dueAt: string | null;
  overdue: boolean;
}

/** One deal on a board: its summary, SLA state and open tasks. */
export interface BoardCard {
  dealId: string;
  title: string;
  ownerId: string;
  amount: number;
  currency: string;
  flags: Record<string, boolean>;
  createdAt: string;
  stageEnteredAt: string;
  /** Calendar time in the current stage at the board's time, ms. */
  timeInStageMs: number;
  /** The same in working time, when business time is configured; else null. */
  businessTimeInStageMs: number | null;
  openTasks: BoardTask[];
  sla: { state: SlaState; nextDueAt: string | null; slaIds: string[] };
}

/** One stage's column on a board, with its cards. */
export interface BoardColumn {
  stageId: string;
  name: string;
  kind: StageKind;
  count: number;
  totalAmount: number;
  cards: BoardCard[];
}

/** A pipeline as a kanban board at `asOf`: one column per stage, in pipeline order. */
export interface Board {
  pipelineId: string;
  asOf: string;
  columns: BoardColumn[];
}

/**
 * The kanban view of one pipeline: a column per stage in stage order, each with the deals the
 * actor may read as cards sorted by date — owner, amount, time in stage, open tasks and the
 * state of its deadlines (SLA records, and deadlines kept by plain rules).
 */
export async function buildBoard(host: ReportHost, pipelineId: string, options: BoardOptions = {}): Promise<Board> {
  const pipeline = host.pipelines.find((p) => p.id === pipelineId);
  if (!pipeline) {
    throw new DealflowError('NOT_FOUND', `no pipeline "${pipelineId}"; the pipelines are ${host.pipelines.map((p) => p.id).join(', ')}`);
  }
  const order = options.order ?? 'newest';
  if (order !== 'newest' && order !== 'oldest') throw new DealflowError('INVALID_INPUT', `order must be "newest" or "oldest", not ${describeValue(order)}`);
  await host.access.require(options.actor, 'board.read', { type: 'board', name: pipelineId });
  const asOf = host.clock.now().toISOString();
  const { deals, tasks, slas, log } = await host.storage.transaction(async (tx) => ({
    deals: await tx.listDeals({ pipelineId }),
    tasks: await tx.listRecords('task'),
    slas: await tx.listRecords('sla'),
    log: await tx.readLog({ types: ['job.scheduled', 'job.ran', 'job.cancelled'] }),
  }));
  const visible = await host.access.readable(options.actor, deals);
  const ids = new Set(visible.map((d) => d.id));
  const tasksByDeal = byDeal(tasks.filter((t) => t.dealId !== null && ids.has(t.dealId) && isOpenTask(t)));
  const deadlines = [...slas.map(readSlaRecord).filter((s): s is SlaInstance => s !== null && ids.has(s.dealId)), ...ruleDeadlines(log, ids)];
  const deadlinesByDeal = new Map<string, SlaInstance[]>();
  for (const d of deadlines) {
    if (!deadlinesByDeal.has(d.dealId)) deadlinesByDeal.set(d.dealId, []);
    deadlinesByDeal.get(d.dealId)!.push(d);
  }

  const card = (deal: Deal): BoardCard => {
    const own = deadlinesByDeal.get(deal.id) ?? [];
    const open = own.filter((d) => d.status === 'open');
    const nextDueAt =
      open
        .map((d) => d.dueAt)
        .filter((x): x is string => x !== null)
        .sort()[0] ?? null;
    const state = slaState(own, nextDueAt, asOf);
    return {
      dealId: deal.id,
      title: deal.title,
      ownerId: deal.ownerId,
      amount: deal.amount,
      currency: deal.currency,
      flags: { ...deal.flags },
      createdAt: deal.createdAt,
      stageEnteredAt: deal.stageEnteredAt,
      timeInStageMs: Date.parse(asOf) - Date.parse(deal.stageEnteredAt),
      businessTimeInStageMs: host.businessTime ? host.businessTime(deal.stageEnteredAt, asOf, deal.pipelineId) : null,
      openTasks: (tasksByDeal.get(deal.id) ?? []).map((t) => {
        const dueAt = typeof t.data.dueAt === 'string' ? t.data.dueAt : null;
        return {
          id: t.id,
          title: typeof t.data.title === 'string' ? t.data.title : t.id,
          assigneeId: typeof t.data.assigneeId === 'string' ? t.data.assigneeId : null,
          dueAt,
          overdue: dueAt !== null && dueAt <= asOf,
        };
      }),
      sla: { state, nextDueAt, slaIds: [...new Set(own.map((d) => d.slaId))].sort() },
    };
  };

  const sign = order === 'newest' ? -1 : 1;
  const columns = pipeline.stages.map((stage): BoardColumn => {
    const inStage = visible
      .filter((d) => d.stageId === stage.id)
      .sort((a, b) => sign * (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    return {
      stageId: stage.id,
      name: stage.name,
      kind: stage.kind,
      count: inStage.length,
      totalAmount: inStage.reduce((sum, d) => sum + d.amount, 0),
      cards: inStage.map(card),
    };
  });
  return { pipelineId, asOf, columns };
}

function slaState(own: SlaInstance[], nextDueAt: string | null, asOf: string): SlaState {
  if (own.some((d) => d.status === 'breached')) return 'breached';
  if (nextDueAt !== null && nextDueAt <= asOf) return 'overdue';
  if (own.some((d) => d.status === 'open')) return 'running';
  if (own.some((d) => d.status === 'met')) return 'met';
  return own.length > 0 ? 'exempt' : 'none';
}

function byDeal(records: StoredRecord[]): Map<string, StoredRecord[]> {
  const out = new Map<string, StoredRecord[]>();
  for (const r of records) {
    if (!out.has(r.dealId!)) out.set(r.dealId!, []);
    out.get(r.dealId!)!.push(r);
  }
  for (const list of out.values()) list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  return out;
}
