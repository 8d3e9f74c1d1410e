import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, OutboxStatus, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { DealQuery, LeaseRequest, LogQuery, OutboxQuery, PutOptions, Storage, StorageTx } from '../ports/storage.js';
import type { ClaimRequest, WorkQueue } from '../ports/work-queue.js';
import { highestNumberedIds } from '../ports/ids.js';
import { DealflowError } from '../model/errors.js';
import { JobQueue } from './job-queue.js';
import { PendingOutbox } from './pending-outbox.js';
import { isoToMs } from '../core/time/iso.js';
import { MapEntryUndo } from './undo.js';
import { SerialQueue } from '../engine/serial.js';

interface Lease {
  owner: string;
  token: string;
  /** Expiry, in ms on the lease clock. */
  until: number;
}

/** Options for InMemoryStorage. */
export interface InMemoryStorageOptions {
  /** The clock leases are measured on (liveness, not business time). Default: the system clock. */
  leaseClock?: Clock;
  /**
   * Which history lines to keep: `true` (default) every one, `false` none, or a list of entry
   * types. A year's backtest of 100,000 deals writes about nine million lines; keeping only what
   * its report reads (say `stage.changed` and `violation.recorded`) keeps the run in memory.
   * Events are emitted either way. Reports, the board and `history()` see only what was kept.
   */
  keepLog?: boolean | ReadonlyArray<string>;
  /** Keep outbox messages once delivered (default `true`); pending, held and dead ones are always kept. */
  keepDelivered?: boolean;
}

/**
 * Storage in process memory. A transaction writes in place and keeps an undo list, so a
 * rollback restores exactly the state before it. Transactions are run one at a time.
 */
export class InMemoryStorage implements Storage, WorkQueue {
  readonly deals = new Map<string, Deal>();
  readonly enrolments = new Map<string, Record<string, Enrolment>>();
  /** Pending jobs by id, by deal and by due time (src/memory/job-queue.ts). */
  readonly jobQueue = new JobQueue();
  /** Pending jobs by id. */
  readonly jobs: ReadonlyMap<string, Job> = this.jobQueue.byId;
  readonly log: AnyHistoryEntry[] = [];
  readonly logByDeal = new Map<string, AnyHistoryEntry[]>();
  readonly outbox = new Map<string, OutboxMessage>();
  /** The pending messages, by id and by next attempt (src/memory/pending-outbox.ts). */
  readonly outboxPending = new PendingOutbox();
  readonly records = new Map<string, Map<string, StoredRecord>>();
  /** The same records by deal, then kind, so loading a deal's feature records does not scan every deal's. */
  readonly recordsByDeal = new Map<string, Map<string, Map<string, StoredRecord>>>();
  readonly meta = new Map<string, Json>();
  /** Leases on claimed jobs and messages, keyed `job:<id>` and `outbox:<id>`. */
  readonly leases = new Map<string, Lease>();
  readonly leaseClock: Clock;
  /** @internal Whether a history line of this type is kept. */
  readonly keepsLog: (type: string) => boolean;
  /** @internal */
  readonly keepDelivered: boolean;
  /** Transactions run one at a time, in call order. */
  private readonly serial = new SerialQueue();
  /** Who hears, after commit, that a transaction scheduled work (the runners in this process). */
  private readonly watchers = new Set<(dueAt: string) => void>();

  constructor(options: InMemoryStorageOptions = {}) {
    this.leaseClock = options.leaseClock ?? systemClock;
    const keep = options.keepLog ?? true;
    if (typeof keep === 'boolean') this.keepsLog = () => keep;
    else {
      const types = new Set(keep);
      this.keepsLog = (type) => types.has(type);
    }
    this.keepDelivered = options.keepDelivered ?? true;
  }

  transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      const undo: Undo[] = [];
      try {
        const tx = new MemoryTx(this, undo);
        const result = await fn(tx);
        if (tx.wakeAt !== undefined && this.watchers.size > 0) this.announce(tx.wakeAt);
        return result;
      } catch (e) {
        for (let i = undo.length - 1; i >= 0; i--) {
          const step = undo[i]!;
          if (typeof step === 'function') step();
          else step.restore();
        }
        throw e;
      }
    });
  }

  // ---- the work-queue port ------------------------------------------------------------------------

  /** Leases due jobs, each deal's earliest only (see WorkQueue.claimJobs). */
  claimJobs(request: ClaimRequest): Promise<Job[]> {
    return this.transaction(async (tx) => (tx as MemoryTx).claimJobsFor(request));
  }

  /** Leases due deliveries (see WorkQueue.claimDeliveries). */
  claimDeliveries(request: ClaimRequest): Promise<OutboxMessage[]> {
    return this.transaction(async (tx) => (tx as MemoryTx).claimDeliveriesFor(request));
  }

  renewLeases(token: string, ms: number, ids?: string[]): Promise<number> {
    return this.transaction((tx) => tx.renewLeases(token, ms, ids));
  }

  releaseLeases(token: string, ids?: string[]): Promise<void> {
    return this.transaction((tx) => tx.releaseLeases(token, ids));
  }

  /** The earliest due job or pending delivery. */
  nextDueAt(): Promise<string | undefined> {
    return this.serial.run(async () => {
      const job = this.jobQueue.next()?.dueAt;
      const message = this.outboxPending.next()?.nextAttemptAt;
      if (job === undefined) return message;
      if (message === undefined) return job;
      return Date.parse(job) <= Date.parse(message) ? job : message;
    });
  }

  /** Hears every transaction on this store that schedules work, right after it commits. */
  async watch(onDue: (dueAt: string) => void): Promise<() => Promise<void>> {
    const listener = (dueAt: string) => onDue(dueAt);
    this.watchers.add(listener);
    return async () => {
      this.watchers.delete(listener);
    };
  }

  /** @internal Whether anyone watches for new work (a transaction notes its earliest due time only then). */
  get watched(): boolean {
    return this.watchers.size > 0;
  }

  private announce(dueAt: string): void {
    for (const w of [...this.watchers]) {
      try {
        w(dueAt);
      } catch {
        // A watcher's failure is its own; the transaction committed.
      }
    }
  }

  /** The highest number per kind of numbered id (`deal-7`) anywhere in the store: rows, history, leases. */
  async highestIds(): Promise<Record<string, number>> {
    return this.serial.run(async () => {
      const out: Record<string, number> = {};
      const scan = (v: unknown) => highestNumberedIds(JSON.stringify(v), out);
      for (const m of [this.deals, this.enrolments, this.jobQueue.byId, this.outbox, this.meta, this.leases]) for (const [k, v] of m) scan([k, v]);
      for (const kind of this.records.values()) for (const r of kind.values()) scan(r);
      for (const e of this.log) scan(e);
      return out;
    });
  }

  /** @internal */
  addJob(job: Job): void {
    this.jobQueue.add(job);
  }

  /** @internal */
  dropJob(id: string): Job | undefined {
    return this.jobQueue.remove(id);
  }
}

type Undo = (() => void) | MapEntryUndo<unknown, unknown>;

class MemoryTx implements StorageTx {
  /** The earliest due time this transaction wrote (jobs, pending deliveries), announced at commit. */
  wakeAt: string | undefined;
  /** wakeAt in ms, so each write compares one number rather than parsing two strings. */
  private wakeAtMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly s: InMemoryStorage,
    private readonly undo: Undo[],
  ) {}

  private restoreMap<K, V>(map: Map<K, V>, key: K): void {
    this.undo.push(new MapEntryUndo(map, key, map.has(key), map.get(key)));
  }

  async getDeal(id: string) {
    return this.s.deals.get(id);
  }
  async putDeal(deal: Deal, options?: PutOptions) {
    if (options?.insert && this.s.deals.has(deal.id)) throw idTaken('deal', deal.id);
    this.restoreMap(this.s.deals, deal.id);
    this.s.deals.set(deal.id, deal);
  }
  async deleteDeal(id: string) {
    this.restoreMap(this.s.deals, id);
    this.s.deals.delete(id);
    this.restoreMap(this.s.enrolments, id);
    this.s.enrolments.delete(id);
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
  async putEnrolments(dealId: string, enrolments: Record<string, Enrolment>) {
    this.restoreMap(this.s.enrolments, dealId);
    this.s.enrolments.set(dealId, enrolments);
  }

  async pendingJobs(dealId: string) {
    return this.s.jobQueue.forDeal(dealId);
  }
  async getJob(id: string) {
    return this.s.jobQueue.get(id);
  }
  async putJob(job: Job, options?: PutOptions) {
    const prev = this.s.jobQueue.get(job.id);
    if (options?.insert && prev) throw idTaken('job', job.id);
    // No lease key made up while nothing is leased (every command's new jobs).
    if (this.s.leases.size > 0) this.dropLease(`job:${job.id}`);
    if (prev) this.s.dropJob(job.id);
    this.s.addJob(job);
    this.wake(job.dueAt);
    this.undo.push(() => {
      this.s.dropJob(job.id);
      if (prev) this.s.addJob(prev);
    });
  }
  async removeJob(id: string) {
    if (this.s.leases.size > 0) this.dropLease(`job:${id}`);
    const prev = this.s.dropJob(id);
    if (prev) this.undo.push(() => this.s.addJob(prev));
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
  async nextJobDueAt() {
    return this.s.jobQueue.next()?.dueAt;
  }

  async appendLog(entries: AnyHistoryEntry[]) {
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
    if (log.length === start) return;
    this.undo.push(() => {
      for (const e of log.splice(start)) if (e.dealId !== null) logByDeal.get(e.dealId)?.pop();
    });
  }
  async readLog(q: LogQuery = {}) {
    const source = q.dealId !== undefined ? (this.s.logByDeal.get(q.dealId) ?? []) : this.s.log;
    const types = q.types ? new Set(q.types) : undefined;
    return source.filter((e) => (!types || types.has(e.type)) && (q.from === undefined || e.at >= q.from) && (q.to === undefined || e.at < q.to));
  }

  async putOutbox(messages: OutboxMessage[], options?: PutOptions) {
    if (options?.insert) for (const m of messages) if (this.s.outbox.has(m.id)) throw idTaken('outbox message', m.id);
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
  async releaseLeases(token: string, ids?: string[]) {
    for (const key of this.heldBy(token, ids)) this.dropLease(key);
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
  async putRecord(record: StoredRecord, options?: PutOptions) {
    const m = this.kindMap(record.kind);
    const prev = m.get(record.id);
    if (options?.insert && prev) throw idTaken(`${record.kind} record`, record.id);
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
  async putMeta(key: string, value: Json) {
    this.restoreMap(this.s.meta, key);
    this.s.meta.set(key, value);
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
