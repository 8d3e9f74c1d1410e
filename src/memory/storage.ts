import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Storage, StorageTx } from '../ports/storage.js';
import type { ClaimRequest, WorkQueue } from '../ports/work-queue.js';
import { highestNumberedIds } from '../ports/ids.js';
import { JobQueue } from './job-queue.js';
import { PendingOutbox } from './pending-outbox.js';
import { MemoryTx, type Lease, type MemoryState, type Undo } from './tx.js';
import { SerialQueue } from './serial.js';

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
export class InMemoryStorage implements Storage, WorkQueue, MemoryState {
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
    return this.serial.run(() => this.run(fn));
  }

  /**
   * One transaction, run at once: a `then` on its work, not an async wrapper awaiting it (every
   * command, claim and delivery record runs one; the wrapper's frame was ~0.5 KB each).
   */
  private run<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    const undo: Undo[] = [];
    const tx = new MemoryTx(this, undo);
    let work: Promise<T>;
    try {
      work = fn(tx);
    } catch (e) {
      rollBack(undo);
      return Promise.reject(e);
    }
    // Promise.resolve hands a promise back as it is; a plain value or thenable is adopted, as `await` would.
    return Promise.resolve(work).then(
      (result) => {
        if (tx.wakeAt !== undefined && this.watchers.size > 0) this.announce(tx.wakeAt);
        return result;
      },
      (error: unknown) => {
        rollBack(undo);
        throw error;
      },
    );
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

/** Undoes a transaction's writes, last first. */
function rollBack(undo: ReadonlyArray<Undo>): void {
  for (let i = undo.length - 1; i >= 0; i--) {
    const step = undo[i]!;
    if (typeof step === 'function') step();
    else step.restore();
  }
}
