import type { PipelineIndex } from '../core/pipelines.js';
import { TASK_RECORD } from '../core/tasks/lifecycle.js';
import type { CalendarBook } from '../core/time/calendars.js';
import type { Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import type { Clock } from '../ports/clock.js';
import type { DealQuery, OutboxQuery, Storage, StorageTx } from '../ports/storage.js';
import type { ReportKinds, ReportName } from '../reports/index.js';
import type { AccessGuard, AccessOptions } from './access.js';
import { buildBoard, type Board, type BoardOptions } from './board.js';
import { clone, cloneDeal } from './clone.js';
import { explainDeal, type DealExplanation } from './explain.js';
import { calendarTime, runReport, type ReportArgs, type ReportHost } from './reports.js';
import type { RuleSet } from './rule-set.js';
import { WorkflowCommands, type TaskQuery } from './workflow.js';
import { describeValue } from '../model/input.js';

/** What the queries read: the store, the clock (for "due now"), the access guard and the configuration. */
export interface QueryDeps {
  storage: Storage;
  clock: Clock;
  access: AccessGuard;
  pipelines: PipelineIndex;
  calendars: CalendarBook;
  rules: RuleSet;
}

/**
 * The engine's reads, each in one transaction and scoped to what the actor may read: with an
 * actor, a deal they may not read is FORBIDDEN (getDeal, history) or left out (lists); without
 * one the call is trusted. What they return is a copy, never the store's own objects. The
 * documentation of each is on the Engine method that forwards to it.
 */
export class EngineQueries {
  constructor(private readonly deps: QueryDeps) {}

  async getDeal(dealId: string, options: AccessOptions): Promise<Deal | undefined> {
    const deal = await this.deps.storage.transaction((tx) => tx.getDeal(dealId));
    if (deal) await this.deps.access.requireOnDeal(options.actor, 'deal.read', deal);
    return deal ? cloneDeal(deal) : undefined;
  }

  async listDeals(query: DealQuery, options: AccessOptions): Promise<Deal[]> {
    const deals = await this.deps.access.readable(options.actor, await this.deps.storage.transaction((tx) => tx.listDeals(query)));
    return deals.map(cloneDeal).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  history(dealId: string, options: AccessOptions): Promise<AnyHistoryEntry[]> {
    return this.deps.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return clone(await tx.readLog({ dealId }));
    });
  }

  async pendingJobs(dealId: string, options: AccessOptions): Promise<Job[]> {
    const jobs = await this.deps.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return tx.pendingJobs(dealId);
    });
    return clone(jobs).sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  }

  async dueJobs(query: { until?: string | Date; limit?: number }, options: AccessOptions): Promise<Job[]> {
    const until = query.until === undefined ? this.deps.clock.now() : new Date(query.until);
    if (Number.isNaN(until.getTime())) throw new DealflowError('INVALID_INPUT', `dueJobs: until must be an ISO instant, not ${describeValue(query.until)}`);
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw new DealflowError('INVALID_INPUT', `dueJobs: limit must be a positive integer, not ${describeValue(query.limit)}`);
    const jobs = await this.deps.storage.transaction(async (tx) => {
      const due = await tx.dueJobs(until.toISOString(), limit);
      if (!options.actor) return due;
      const deals = new Map<string, Deal>();
      for (const job of due) {
        if (deals.has(job.dealId)) continue;
        const deal = await tx.getDeal(job.dealId);
        if (deal) deals.set(job.dealId, deal);
      }
      const readable = new Set((await this.deps.access.readable(options.actor, [...deals.values()])).map((d) => d.id));
      return due.filter((job) => readable.has(job.dealId));
    });
    return clone(jobs);
  }

  async explain(dealId: string, ruleId: string | undefined, options: AccessOptions): Promise<DealExplanation> {
    const { deal, log, jobs } = await this.deps.storage.transaction(async (tx) => {
      await this.requireReadable(tx, options.actor, dealId);
      return { deal: await tx.getDeal(dealId), log: await tx.readLog({ dealId }), jobs: await tx.pendingJobs(dealId) };
    });
    if (!deal && log.length === 0) throw new DealflowError('NOT_FOUND', `no deal with id "${dealId}"`);
    const input = { dealId, deal: deal ? clone(deal) : null, log: clone(log), pendingJobs: clone(jobs), rules: this.deps.rules.rules };
    return explainDeal(ruleId === undefined ? input : { ...input, ruleId });
  }

  async outbox(query: OutboxQuery, options: AccessOptions): Promise<OutboxMessage[]> {
    return clone(await this.deps.storage.transaction(async (tx) => this.scopeToActor(tx, options.actor, 'outbox.read', 'outbox', await tx.listOutbox(query))));
  }

  async records(kind: string, query: { dealId?: string }, options: AccessOptions): Promise<StoredRecord[]> {
    return clone(
      await this.deps.storage.transaction(async (tx) => this.scopeToActor(tx, options.actor, 'records.read', kind, await tx.listRecords(kind, query))),
    );
  }

  getTask(taskId: string, options: AccessOptions): Promise<Task | undefined> {
    const { actor } = options;
    return this.deps.storage.transaction(async (tx) => {
      const record = await tx.getRecord(TASK_RECORD, taskId);
      if (!record) return undefined;
      if (actor && (await this.scopeToActor(tx, actor, 'records.read', TASK_RECORD, [record])).length === 0) {
        throw new DealflowError('FORBIDDEN', `${actor.id} may not read task "${taskId}": it is on a deal whose records they may not read`, {
          details: { actorId: actor.id, action: 'records.read', resource: 'records', dealId: record.dealId, taskId },
        });
      }
      return clone(record.data as unknown as Task);
    });
  }

  async tasks(query: TaskQuery, options: AccessOptions): Promise<Task[]> {
    const records = await this.records(TASK_RECORD, query.dealId ? { dealId: query.dealId } : {}, options);
    return WorkflowCommands.filter(
      records.map((r) => r.data as unknown as Task),
      query,
    );
  }

  report<N extends ReportName>(name: N, args: ReportArgs<N>): Promise<ReportKinds[N]['result']> {
    return runReport(this.reportHost(), name, args[0]);
  }

  board(pipelineId: string, options: BoardOptions): Promise<Board> {
    return buildBoard(this.reportHost(), pipelineId, options);
  }

  /**
   * The items an actor may see (`outbox.read` or `records.read`): those of deals they may read,
   * and deal-less ones if the policy allows. Without an actor, all of them.
   */
  async scopeToActor<T extends { dealId: string | null }>(
    tx: StorageTx,
    actor: AccessOptions['actor'],
    action: 'outbox.read' | 'records.read',
    name: string,
    items: T[],
  ): Promise<T[]> {
    if (!actor) return items;
    const { access } = this.deps;
    const verdicts = new Map<string | null, boolean>();
    const out: T[] = [];
    for (const item of items) {
      let ok = verdicts.get(item.dealId);
      if (ok === undefined) {
        // A deleted deal's items are judged on the deal as it was (the log keeps it).
        const deal =
          item.dealId === null
            ? undefined
            : ((await tx.getDeal(item.dealId)) ?? lastKnown(await tx.readLog({ dealId: item.dealId, types: ['deal.created', 'deal.deleted'] })));
        ok = deal
          ? await access.can(actor, action, await access.dealResource(deal))
          : await access.can(actor, action, { type: action === 'outbox.read' ? 'outbox' : 'records', name });
        verdicts.set(item.dealId, ok);
      }
      if (ok) out.push(item);
    }
    return out;
  }

  private reportHost(): ReportHost {
    const pipelines = this.deps.pipelines.all();
    return { storage: this.deps.storage, clock: this.deps.clock, access: this.deps.access, pipelines, ...calendarTime(this.deps.calendars, pipelines) };
  }

  private async requireReadable(tx: StorageTx, actor: AccessOptions['actor'], dealId: string): Promise<void> {
    if (!actor) return;
    // A deleted deal is judged as it was when deleted (the log keeps it); an unknown one has nothing to show.
    const deal = (await tx.getDeal(dealId)) ?? lastKnown(await tx.readLog({ dealId, types: ['deal.created', 'deal.deleted'] }));
    if (deal) await this.deps.access.requireOnDeal(actor, 'deal.read', deal);
  }
}

function lastKnown(entries: AnyHistoryEntry[]): Deal | undefined {
  return entries.at(-1)?.data.deal as Deal | undefined;
}
