import type { Deal, Json } from '../model/deal.js';
import type { Enrolment, Job, LogEntry, OutboxMessage, OutboxStatus, StoredRecord } from '../core/types.js';

export interface DealQuery {
  pipelineId?: string;
  stageId?: string;
  ownerId?: string;
  ownerIds?: string[];
  open?: boolean;
}

export interface LogQuery {
  dealId?: string;
  types?: string[];
  from?: string;
  to?: string;
}

export interface OutboxQuery {
  status?: OutboxStatus;
  dealId?: string;
}

/**
 * A lease on claimed work (a due job, a delivery): who holds it, the token that fences it, and
 * for how long. The store measures the lease on its own clock (the database server's for SQL),
 * never the engine's, so business time and liveness do not mix.
 */
export interface LeaseRequest {
  owner: string;
  /** Unique per claim. Completing work checks it, so a holder whose lease was taken over cannot complete it too. */
  token: string;
  ms: number;
  /** Ids the holder is still working on (its lease may have lapsed while it stalled): never claimed again by it. */
  skip?: string[];
}

/**
 * One transaction's view of storage. Everything a command reads and writes goes through one of
 * these, and either all of it is committed or none of it. Adapters implement it on their
 * database; the in-memory store ships in the core.
 */
export interface StorageTx {
  getDeal(id: string): Promise<Deal | undefined>;
  putDeal(deal: Deal): Promise<void>;
  deleteDeal(id: string): Promise<void>;
  listDeals(query?: DealQuery): Promise<Deal[]>;

  getEnrolments(dealId: string): Promise<Record<string, Enrolment>>;
  putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void>;

  pendingJobs(dealId: string): Promise<Job[]>;
  getJob(id: string): Promise<Job | undefined>;
  putJob(job: Job): Promise<void>;
  removeJob(id: string): Promise<void>;
  /** Jobs due at or before `until`, earliest first (ties in scheduling order). */
  dueJobs(until: string, limit: number): Promise<Job[]>;
  nextJobDueAt(): Promise<string | undefined>;
  /**
   * Leases up to `limit` jobs due at or before `until`: jobs not leased, or whose lease expired.
   * Only each deal's earliest pending job is claimable, so one deal's jobs run in due order even
   * when several runners share the store. Earliest first.
   */
  claimDueJobs(until: string, limit: number, lease: LeaseRequest): Promise<Job[]>;
  /** The job if `token` still holds its lease (locked for this transaction), else undefined: it ran, was cancelled or was claimed again. */
  getClaimedJob(id: string, token: string): Promise<Job | undefined>;

  appendLog(entries: LogEntry[]): Promise<void>;
  readLog(query?: LogQuery): Promise<LogEntry[]>;

  /** Inserts or replaces by id. */
  putOutbox(messages: OutboxMessage[]): Promise<void>;
  /** Pending messages whose next attempt is at or before `until`, oldest first. */
  dueOutbox(until: string, limit: number): Promise<OutboxMessage[]>;
  nextOutboxDueAt(): Promise<string | undefined>;
  listOutbox(query?: OutboxQuery): Promise<OutboxMessage[]>;
  getOutbox(id: string): Promise<OutboxMessage | undefined>;
  /**
   * Leases up to `limit` pending messages due at or before `until`, oldest first. Writing a
   * message keeps its lease (the holder records its attempt, then releases it); re-putting a job
   * clears the job's, since what was claimed has changed.
   */
  claimDueOutbox(until: string, limit: number, lease: LeaseRequest): Promise<OutboxMessage[]>;
  /** The message if `token` still holds its lease (locked for this transaction), else undefined. */
  getClaimedOutbox(id: string, token: string): Promise<OutboxMessage | undefined>;

  /** Extends the leases `token` holds (only those with these ids, if given) to `ms` from now; returns how many it still holds. */
  renewLeases(token: string, ms: number, ids?: string[]): Promise<number>;
  /** Gives back the leases `token` holds (only those with these ids, if given), so any runner may claim them at once. */
  releaseLeases(token: string, ids?: string[]): Promise<void>;

  putRecord(record: StoredRecord): Promise<void>;
  getRecord(kind: string, id: string): Promise<StoredRecord | undefined>;
  listRecords(kind: string, query?: { dealId?: string }): Promise<StoredRecord[]>;

  getMeta(key: string): Promise<Json | undefined>;
  putMeta(key: string, value: Json): Promise<void>;
}

export interface Storage {
  /** Runs `fn` in one transaction: commits if it resolves, rolls back everything if it throws. */
  transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T>;
  /**
   * Calls `onDue` when a transaction (possibly in another process) schedules work, with the
   * earliest due time it wrote; resolves to a function that stops watching, or undefined when
   * the store cannot tell (the runner then polls).
   */
  watch?(onDue: (dueAt: string) => void): Promise<(() => Promise<void>) | undefined>;
  close?(): Promise<void>;
}
