import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, OutboxStatus, StoredRecord } from '../core/types.js';
import { isoToMs } from '../core/time/iso.js';
import type { Deal, Json } from '../model/deal.js';
import type { Clock } from '../ports/clock.js';
import {
  DONE,
  type ClaimedJobView,
  type DealQuery,
  type LeaseRequest,
  type LogQuery,
  type OutboxQuery,
  type PutOptions,
  type StorageTx,
} from '../ports/storage.js';
import type { ClaimRequest } from '../ports/work-queue.js';
import { DealflowError } from '../model/errors.js';
import type { JobQueue } from './job-queue.js';
import type { PendingOutbox } from './pending-outbox.js';
import { MapEntryUndo } from './undo.js';

/** A lease on a claimed job or message. */
export interface Lease {
  owner: string;
  token: string;
  /** Expiry, in ms on the lease clock. */
  until: number;
}

/** What an in-memory transaction reads and writes: InMemoryStorage's maps (src/memory/storage.ts). */
export interface MemoryState {
  readonly deals: Map<string, Deal>;
  readonly enrolments: Map<string, Record<string, Enrolment>>;
  readonly jobQueue: JobQueue;
  readonly log: AnyHistoryEntry[];
  readonly logByDeal: Map<string, AnyHistoryEntry[]>;
  readonly outbox: Map<string, OutboxMessage>;
  readonly outboxPending: PendingOutbox;
  readonly records: Map<string, Map<string, StoredRecord>>;
  readonly recordsByDeal: Map<string, Map<string, Map<string, StoredRecord>>>;
  readonly meta: Map<string, Json>;
  readonly leases: Map<string, Lease>;
  readonly leaseClock: Clock;
  readonly keepsLog: (type: string) => boolean;
  readonly keepDelivered: boolean;
  /** Whether anyone watches for new work. */
  readonly watched: boolean;
  addJob(job: Job): void;
  dropJob(id: string): Job | undefined;
}

/** One step of a transaction's undo list. */
export type Undo = (() => void) | MapEntryUndo<unknown, unknown>;

/**
 * One in-memory transaction: writes go to the store's maps in place, each with an undo step, so
 * a rollback (InMemoryStorage.transaction) restores exactly the state before it.
 */
export class MemoryTx implements StorageTx {
  /** The earliest due time this transaction wrote (jobs, pending deliveries), announced at commit. */
  wakeAt: string | undefined;
  /** wakeAt in ms, so each write compares one number rather than parsing two strings. */
  private wakeAtMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly s: MemoryState,
    private readonly undo: Undo[],
  ) {}

  private restoreMap<K, V>(map: Map<K, V>, key: K): void {
    this.undo.push(new MapEntryUndo(map, key, map.has(key), map.get(key)));
  }

  async getDeal(id: string) {
    return this.s.deals.get(id);
  }
  putDeal(deal: Deal, options?: PutOptions): Promise<void> {
    if (options?.insert && this.s.deals.has(deal.id)) return Promise.reject(idTaken('deal', deal.id));
    this.restoreMap(this.s.deals, deal.id);
    this.s.deals.set(deal.id, deal);
    return DONE;
  }
  deleteDeal(id: string): Promise<void> {
    this.restoreMap(this.s.deals, id);
    this.s.deals.delete(id);
    this.restoreMap(this.s.enrolments, id);
    this.s.enrolments.delete(id);
    return DONE;
  }
  async listDeals(q: DealQuery = {}) {
    const owners = q.ownerIds ? new Set(q.ownerIds) : undefined;
    const out: Deal[] = [];
    for (const d of this.s.deals.values()) {
      if (q.pipelineId !== undefined && d.pipelineId !== q.pipelineId) continue;
      if (q.stageId !== undefined && d.stageId !== q.stageId) continue;
      if (q.ownerId !== undefined && d.ownerId !== q.ownerId) continue;
      if (owners && !owners.has(d.ownerId)) continue;
      if (q.open !== undefined && (d.closedAt === null) !== q.open) continue;
      out.push(d);
    }
    return out;
  }

  async getEnrolments(dealId: string) {
    return this.s.enrolments.get(dealId) ?? {};
  }
  putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void> {
    this.restoreMap(this.s.enrolments, dealId);
    this.s.enrolments.set(dealId, enrolments);
    return DONE;
  }

  async pendingJobs(dealId: string) {
    return this.s.jobQueue.forDeal(dealId);
  }
  async getJob(id: string) {
    return this.s.jobQueue.get(id);
  }
  putJob(job: Job, options?: PutOptions): Promise<void> {
    const prev = this.s.jobQueue.get(job.id);
    if (options?.insert && prev) return Promise.reject(idTaken('job', job.id));
    // No lease key made up while nothing is leased (every command's new jobs).
    if (this.s.leases.size > 0) this.dropLease(`job:${job.id}`);
    if (prev) this.s.dropJob(job.id);
    this.s.addJob(job);
    this.wake(job.dueAt);
    this.undo.push(() => {
      this.s.dropJob(job.id);
      if (prev) this.s.addJob(prev);
    });
    return DONE;
  }
  removeJob(id: string): Promise<void> {
    if (this.s.leases.size > 0) this.dropLease(`job:${id}`);
    const prev = this.s.dropJob(id);
    if (prev) this.undo.push(() => this.s.addJob(prev));
    return DONE;
  }
  async dueJobs(until: string, limit: number) {
    return this.s.jobQueue.due(until, limit);
  }
  async claimDueJobs(until: string, limit: number, lease: LeaseRequest) {
    const seenDeals = new Set<string>();
    return this.s.jobQueue.due(until, limit, (job) => {
      // Only a deal's earliest job is claimable, as in SQL: its later ones wait for it.
      const first = !seenDeals.has(job.dealId);
      seenDeals.add(job.dealId);
      if (!first || this.leased(`job:${job.id}`) || lease.skip?.includes(job.id)) return false;
      this.setLease(`job:${job.id}`, lease);
      return true;
    });
  }
  /** @internal The work-queue claim: `claimDueJobs`, narrowed to `only`, or stopped at the first job out of order. */
  claimJobsFor(request: ClaimRequest): Job[] {
    const seenDeals = new Set<string>();
    const only = request.only ? new Set(request.only) : undefined;
    const skip = request.skip?.length ? new Set(request.skip) : undefined;
    return this.s.jobQueue.due(request.until, request.limit, (job) => {
      // Only a deal's earliest job is claimable, as in SQL: its later ones wait for it. An ordered
      // claim stops at the first job it cannot take, so a deal seen before had all its jobs taken:
      // the ones right behind them may come too, run after them (two actions due at once on 10,000
      // deals made 10,000 claims of one job each, where the store could hand out 100 at a time).
      const first = !seenDeals.has(job.dealId);
      seenDeals.add(job.dealId);
      if ((!first && !request.ordered) || this.leased(`job:${job.id}`) || skip?.has(job.id) || (only && !only.has(job.id)))
        return request.ordered ? 'stop' : false;
      this.setLease(`job:${job.id}`, request);
      return true;
    });
  }
  /** @internal */
  claimDeliveriesFor(request: ClaimRequest): OutboxMessage[] {
    // The engine's delivery skips what it already tried: an empty list at first, no Set for it.
    const skip = request.skip?.length ? new Set(request.skip) : undefined;
    const claimable = (m: OutboxMessage): boolean => !skip?.has(m.id) && !this.leased(`outbox:${m.id}`);
    let out: OutboxMessage[];
    if (request.only) {
      // Only these, in the order given (a command's own messages, after it committed).
      out = [];
      for (const id of request.only) {
        const m = this.s.outboxPending.get(id);
        if (out.length < request.limit && m && m.nextAttemptAt <= request.until && claimable(m) && !out.includes(m)) out.push(m);
      }
    } else {
      // The earliest due first, leased or skipped ones passed over, off the top of the heap.
      out = this.s.outboxPending.due(isoToMs(request.until), request.limit, claimable);
    }
    for (const m of out) this.setLease(`outbox:${m.id}`, request);
    return out;
  }
  private wake(at: string): void {
    // Only watchers (runners in this process) hear of it: with none, there is nothing to compare.
    if (!this.s.watched) return;
    const ms = isoToMs(at);
    if (this.wakeAt === undefined || ms < this.wakeAtMs) {
      this.wakeAt = at;
      this.wakeAtMs = ms;
    }
  }
  async getClaimedJob(id: string, token: string) {
    const job = this.s.jobQueue.get(id);
    return job && this.s.leases.get(`job:${id}`)?.token === token ? job : undefined;
  }
  /**
   * The batch's views in one call, as `getClaimedJob`, `getDeal`, `pendingJobs`, `getEnrolments`
   * and `listRecords` would answer job by job (src/engine/job-batch.ts does that for stores without
   * this): nothing to lock in memory, and no await per read (~1.8 KB of async frames per job).
   */
  lockClaimedJobs(claims: ReadonlyArray<{ id: string; dealId: string }>, token: string): Promise<Map<string, ClaimedJobView>> {
    const out = new Map<string, ClaimedJobView>();
    for (const claim of claims) {
      const job = this.s.jobQueue.get(claim.id);
      if (!job || this.s.leases.get(`job:${claim.id}`)?.token !== token) continue;
      const deal = this.s.deals.get(job.dealId);
      if (!deal) {
        out.set(claim.id, { job, deal, jobs: [], enrolments: {}, records: [] });
        continue;
      }
      const records: StoredRecord[] = [];
      const kinds = this.s.recordsByDeal.get(job.dealId);
      if (kinds) for (const byId of kinds.values()) for (const r of byId.values()) records.push(r);
      out.set(claim.id, { job, deal, jobs: this.s.jobQueue.forDeal(job.dealId), enrolments: this.s.enrolments.get(job.dealId) ?? {}, records });
    }
    return Promise.resolve(out);
  }
  async nextJobDueAt() {
    return this.s.jobQueue.next()?.dueAt;
  }

  appendLog(entries: AnyHistoryEntry[]): Promise<void> {
    const { log, logByDeal } = this.s;
    const start = log.length;
    for (const e of entries) {
      if (!this.s.keepsLog(e.type)) continue;
      log.push(e);
      if (e.dealId !== null) {
        let list = logByDeal.get(e.dealId);
        if (!list) logByDeal.set(e.dealId, (list = []));
        list.push(e);
      }
    }
    // A store that keeps no lines (a lean simulation) records no undo step either.
    if (log.length === start) return DONE;
    this.undo.push(() => {
      for (const e of log.splice(start)) if (e.dealId !== null) logByDeal.get(e.dealId)?.pop();
    });
    return DONE;
  }
  async readLog(q: LogQuery = {}) {
    const source = q.dealId !== undefined ? (this.s.logByDeal.get(q.dealId) ?? []) : this.s.log;
    const types = q.types ? new Set(q.types) : undefined;
    return source.filter((e) => (!types || types.has(e.type)) && (q.from === undefined || e.at >= q.from) && (q.to === undefined || e.at < q.to));
  }

  putOutbox(messages: OutboxMessage[], options?: PutOptions): Promise<void> {
    if (options?.insert) for (const m of messages) if (this.s.outbox.has(m.id)) return Promise.reject(idTaken('outbox message', m.id));
    for (const m of messages) {
      this.restoreMap(this.s.outbox, m.id);
      const pending = this.s.outboxPending;
      const was = pending.get(m.id);
      const place = pending.placeOf(m.id);
      this.undo.push(() => (was ? pending.set(was, place) : pending.delete(m.id)));
      if (m.status === 'delivered' && !this.s.keepDelivered) {
        this.s.outbox.delete(m.id);
        pending.delete(m.id);
        continue;
      }
      this.s.outbox.set(m.id, m);
      if (m.status === 'pending') {
        pending.set(m);
        this.wake(m.nextAttemptAt);
      } else pending.delete(m.id);
    }
    return DONE;
  }
  async dueOutbox(until: string, limit: number) {
    return this.s.outboxPending.due(isoToMs(until), limit);
  }
  async claimDueOutbox(until: string, limit: number, lease: LeaseRequest) {
    const due = this.s.outboxPending.due(isoToMs(until), limit, (m) => !this.leased(`outbox:${m.id}`) && !lease.skip?.includes(m.id));
    for (const m of due) this.setLease(`outbox:${m.id}`, lease);
    return due;
  }
  async getClaimedOutbox(id: string, token: string) {
    const m = this.s.outbox.get(id);
    return m && this.s.leases.get(`outbox:${id}`)?.token === token ? m : undefined;
  }
  getClaimedOutboxes(ids: ReadonlyArray<string>, token: string): Promise<Map<string, OutboxMessage>> {
    const held = new Map<string, OutboxMessage>();
    for (const id of ids) {
      const m = this.s.outbox.get(id);
      if (m && this.s.leases.get(`outbox:${id}`)?.token === token) held.set(id, m);
    }
    return Promise.resolve(held);
  }
  async nextOutboxDueAt() {
    return this.s.outboxPending.next()?.nextAttemptAt;
  }
  async listOutbox(q: OutboxQuery = {}) {
    return [...this.s.outbox.values()].filter((m) => (q.status === undefined || m.status === q.status) && (q.dealId === undefined || m.dealId === q.dealId));
  }
  async getOutbox(id: string) {
    return this.s.outbox.get(id);
  }
  async countOutbox(status: OutboxStatus) {
    if (status === 'pending') return this.s.outboxPending.size;
    let n = 0;
    for (const m of this.s.outbox.values()) if (m.status === status) n++;
    return n;
  }

  // ---- leases: undone with the transaction like everything else --------------------------------

  private leased(key: string): boolean {
    const l = this.s.leases.get(key);
    return l !== undefined && l.until > this.s.leaseClock.now().getTime();
  }
  private setLease(key: string, lease: LeaseRequest): void {
    this.restoreMap(this.s.leases, key);
    this.s.leases.set(key, { owner: lease.owner, token: lease.token, until: this.s.leaseClock.now().getTime() + lease.ms });
  }
  private dropLease(key: string): void {
    if (!this.s.leases.has(key)) return;
    this.restoreMap(this.s.leases, key);
    this.s.leases.delete(key);
  }
  private heldBy(token: string, ids?: string[]): string[] {
    const keys: string[] = [];
    if (this.s.leases.size === 0) return keys;
    if (ids) {
      // Looked up by key rather than by scanning every lease: delivery releases one message at a time.
      for (const id of ids.length === 1 ? ids : new Set(ids)) {
        for (const key of [`job:${id}`, `outbox:${id}`]) if (this.s.leases.get(key)?.token === token) keys.push(key);
      }
      return keys;
    }
    for (const [key, l] of this.s.leases) if (l.token === token) keys.push(key);
    return keys;
  }
  async renewLeases(token: string, ms: number, ids?: string[]) {
    const keys = this.heldBy(token, ids);
    const until = this.s.leaseClock.now().getTime() + ms;
    for (const key of keys) {
      this.restoreMap(this.s.leases, key);
      this.s.leases.set(key, { ...this.s.leases.get(key)!, until });
    }
    return keys.length;
  }
  releaseLeases(token: string, ids?: string[]): Promise<void> {
    for (const key of this.heldBy(token, ids)) this.dropLease(key);
    return DONE;
  }

  private kindMap(kind: string): Map<string, StoredRecord> {
    let m = this.s.records.get(kind);
    if (!m) this.s.records.set(kind, (m = new Map()));
    return m;
  }
  private dealRecords(kind: string, dealId: string): Map<string, StoredRecord> {
    let kinds = this.s.recordsByDeal.get(dealId);
    if (!kinds) this.s.recordsByDeal.set(dealId, (kinds = new Map()));
    let m = kinds.get(kind);
    if (!m) kinds.set(kind, (m = new Map()));
    return m;
  }
  putRecord(record: StoredRecord, options?: PutOptions): Promise<void> {
    const m = this.kindMap(record.kind);
    const prev = m.get(record.id);
    if (options?.insert && prev) return Promise.reject(idTaken(`${record.kind} record`, record.id));
    this.restoreMap(m, record.id);
    m.set(record.id, record);
    if (prev && prev.dealId !== null && prev.dealId !== record.dealId) {
      const old = this.dealRecords(record.kind, prev.dealId);
      this.restoreMap(old, record.id);
      old.delete(record.id);
    }
    if (record.dealId !== null) {
      const byDeal = this.dealRecords(record.kind, record.dealId);
      this.restoreMap(byDeal, record.id);
      byDeal.set(record.id, record);
    }
    return DONE;
  }
  async getRecord(kind: string, id: string) {
    return this.s.records.get(kind)?.get(id);
  }
  async listRecords(kind: string, q: { dealId?: string } = {}) {
    if (q.dealId !== undefined) {
      const m = this.s.recordsByDeal.get(q.dealId)?.get(kind);
      return m ? [...m.values()] : [];
    }
    const m = this.s.records.get(kind);
    return m ? [...m.values()] : [];
  }

  async getMeta(key: string) {
    return this.s.meta.get(key);
  }
  putMeta(key: string, value: Json): Promise<void> {
    this.restoreMap(this.s.meta, key);
    this.s.meta.set(key, value);
    return DONE;
  }
}

/** An insert found its id taken: CONFLICT, and the transaction rolls back with nothing written over. */
function idTaken(what: string, id: string): DealflowError {
  return new DealflowError(
    'CONFLICT',
    `${what} id "${id}" is already taken in the store, and a new row never replaces a stored one; the engine's IdGenerator made up an id in use: give engines sharing a store ids that cannot collide (UuidIds, the default), and run one SequentialIds engine per store at a time`,
    { details: { what, id } },
  );
}
