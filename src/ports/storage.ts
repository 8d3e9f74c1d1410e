import type { Deal, Json } from '../model/deal.js';
import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, OutboxStatus, StoredRecord } from '../core/types.js';

/** Filters for listing deals; `open` true keeps deals not closed, false closed ones. */
export interface DealQuery {
  pipelineId?: string;
  stageId?: string;
  ownerId?: string;
  ownerIds?: string[];
  open?: boolean;
}

/** Filters for reading history: by deal, entry types, and time range (`from` inclusive, `to` exclusive). */
export interface LogQuery {
  dealId?: string;
  types?: string[];
  from?: string;
  to?: string;
}

/** Filters for listing outbox messages: by status and deal. */
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
 * How a put writes. `insert`: the row is new — its id was just made up by the engine's
 * IdGenerator — so it is inserted, never written over a row already stored under that id: a taken
 * id rejects the transaction with a `CONFLICT` DealflowError. Without it a put inserts or replaces.
 */
export interface PutOptions {
  insert?: boolean;
}

/** A claimed job still held, locked, with its deal's view (see `StorageTx.lockClaimedJobs`). */
export interface ClaimedJobView {
  job: Job;
  deal: Deal | undefined;
  jobs: Job[];
  enrolments: Record<string, Enrolment>;
  /** Every record of the deal, of any kind, in storage order. */
  records: StoredRecord[];
}

/**
 * One transaction's view of storage. Everything a command reads and writes goes through one of
 * these, and either all of it is committed or none of it. Adapters implement it on their
 * database; the in-memory store ships in the core.
 */
export interface StorageTx {
  /** A deal by id, or undefined. */
  getDeal(id: string): Promise<Deal | undefined>;
  /** Inserts or replaces a deal, by id; with `insert`, only inserts (a taken id is CONFLICT). */
  putDeal(deal: Deal, options?: PutOptions): Promise<void>;
  /** Removes a deal and its enrolments (jobs, log and records are handled separately). */
  deleteDeal(id: string): Promise<void>;
  /** Deals matching the query. */
  listDeals(query?: DealQuery): Promise<Deal[]>;

  /** The deal's rule enrolments, by enrolment key; empty when none. */
  getEnrolments(dealId: string): Promise<Record<string, Enrolment>>;
  /** Replaces the deal's enrolments. */
  putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void>;

  /** The deal's pending jobs. */
  pendingJobs(dealId: string): Promise<Job[]>;
  /** A pending job by id, or undefined. */
  getJob(id: string): Promise<Job | undefined>;
  /** Inserts or replaces a job, by id; clears any lease on it. With `insert`, only inserts (a taken id is CONFLICT). */
  putJob(job: Job, options?: PutOptions): Promise<void>;
  /** Removes a job (it ran or was cancelled). */
  removeJob(id: string): Promise<void>;
  /** Jobs due at or before `until`, earliest first (ties in scheduling order). */
  dueJobs(until: string, limit: number): Promise<Job[]>;
  /** The earliest due time of any pending job, or undefined when there is none. */
  nextJobDueAt(): Promise<string | undefined>;
  /**
   * Leases up to `limit` jobs due at or before `until`: jobs not leased, or whose lease expired.
   * Only each deal's earliest pending job is claimable, so one deal's jobs run in due order even
   * when several runners share the store. Earliest first.
   */
  claimDueJobs(until: string, limit: number, lease: LeaseRequest): Promise<Job[]>;
  /** The job if `token` still holds its lease (locked for this transaction), else undefined: it ran, was cancelled or was claimed again. */
  getClaimedJob(id: string, token: string): Promise<Job | undefined>;
  /**
   * Optional, for a batch of claimed jobs (at most one per deal): locks their deals in id order (so
   * two batches never deadlock), then the jobs `token` still holds, and reads each deal's view —
   * what `getDeal`, `pendingJobs`, `getEnrolments` and `listRecords(kind, { dealId })` would
   * answer — in one round trip. Jobs no longer held are left out. Without it the engine asks job
   * by job, deals in the same order.
   */
  lockClaimedJobs?(claims: ReadonlyArray<{ id: string; dealId: string }>, token: string): Promise<Map<string, ClaimedJobView>>;

  /** Appends history entries, in order. */
  appendLog(entries: AnyHistoryEntry[]): Promise<void>;
  /** History entries matching the query, oldest first. */
  readLog(query?: LogQuery): Promise<AnyHistoryEntry[]>;

  /** Inserts or replaces by id; with `insert`, only inserts (a taken id is CONFLICT). */
  putOutbox(messages: OutboxMessage[], options?: PutOptions): Promise<void>;
  /** Pending messages whose next attempt is at or before `until`, oldest first. */
  dueOutbox(until: string, limit: number): Promise<OutboxMessage[]>;
  /** The earliest next-attempt time of any pending outbox message, or undefined. */
  nextOutboxDueAt(): Promise<string | undefined>;
  /** Outbox messages matching the query. */
  listOutbox(query?: OutboxQuery): Promise<OutboxMessage[]>;
  /**
   * How many outbox messages have this status, counted by the store without loading them (the
   * outbox's depth, for a metrics gauge). Optional: a store without it has no depth gauge.
   */
  countOutbox?(status: OutboxStatus): Promise<number>;
  /** An outbox message by id, or undefined. */
  getOutbox(id: string): Promise<OutboxMessage | undefined>;
  /**
   * Leases up to `limit` pending messages due at or before `until`, oldest first. Writing a
   * message keeps its lease (the holder records its attempt, then releases it); re-putting a job
   * clears the job's, since what was claimed has changed.
   */
  claimDueOutbox(until: string, limit: number, lease: LeaseRequest): Promise<OutboxMessage[]>;
  /** The message if `token` still holds its lease (locked for this transaction), else undefined. */
  getClaimedOutbox(id: string, token: string): Promise<OutboxMessage | undefined>;
  /** Optional: `getClaimedOutbox` for many ids in one round trip; the messages still held, by id. */
  getClaimedOutboxes?(ids: ReadonlyArray<string>, token: string): Promise<Map<string, OutboxMessage>>;

  /** Extends the leases `token` holds (only those with these ids, if given) to `ms` from now; returns how many it still holds. */
  renewLeases(token: string, ms: number, ids?: string[]): Promise<number>;
  /** Gives back the leases `token` holds (only those with these ids, if given), so any runner may claim them at once. */
  releaseLeases(token: string, ids?: string[]): Promise<void>;

  /** Inserts or replaces a record, by kind and id; with `insert`, only inserts (a taken id is CONFLICT). */
  putRecord(record: StoredRecord, options?: PutOptions): Promise<void>;
  /** A record by kind and id, or undefined. */
  getRecord(kind: string, id: string): Promise<StoredRecord | undefined>;
  /** Records of a kind, optionally only one deal's. */
  listRecords(kind: string, query?: { dealId?: string }): Promise<StoredRecord[]>;

  /** A metadata value (rule versions, schema state, …), or undefined. */
  getMeta(key: string): Promise<Json | undefined>;
  /** Sets a metadata value. */
  putMeta(key: string, value: Json): Promise<void>;
}

/**
 * A write that finished at once may return this very promise: the engine then goes on without
 * waiting a turn for it (the in-memory store does; an await per write was ~0.3 KB of promise and
 * frame, eight writes a command). Any other promise is awaited as usual, so a store need not use it.
 */
export const DONE: Promise<void> = Promise.resolve();

/** The storage port: a transactional store of deals, enrolments, jobs, history, outbox, records and metadata. InMemoryStorage and the SQL storage implement it. */
export interface Storage {
  /**
   * Runs `fn` in one transaction: commits if it resolves, rolls back everything if it throws. A
   * store that lost its database rejects with a `STORAGE_UNAVAILABLE` DealflowError (the driver's
   * error as `cause`).
   */
  transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T>;
  /**
   * Calls `onDue` when a transaction (possibly in another process) schedules work, with the
   * earliest due time it wrote; resolves to a function that stops watching, or undefined when
   * the store cannot tell (the runner then polls). If the watch breaks (its connection was lost),
   * `onLost` is called once and nothing more is heard; the caller watches again.
   */
  watch?(onDue: (dueAt: string) => void, onLost?: (error: Error) => void): Promise<(() => Promise<void>) | undefined>;
  /** Releases connections or other resources the store holds. */
  close?(): Promise<void>;
  /**
   * The highest number each kind of numbered id reaches in what the store holds, anywhere (rows,
   * history, leases): `{ deal: 7, job: 12 }` for `deal-7` and `job-12`. The engine hands it to a
   * counting IdGenerator (`SequentialIds`) before its first id, so ids continue past what an
   * earlier run stored instead of reusing it.
   */
  highestIds?(): Promise<Record<string, number>>;
}
