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

  appendLog(entries: LogEntry[]): Promise<void>;
  readLog(query?: LogQuery): Promise<LogEntry[]>;

  /** Inserts or replaces by id. */
  putOutbox(messages: OutboxMessage[]): Promise<void>;
  /** Pending messages whose next attempt is at or before `until`, oldest first. */
  dueOutbox(until: string, limit: number): Promise<OutboxMessage[]>;
  nextOutboxDueAt(): Promise<string | undefined>;
  listOutbox(query?: OutboxQuery): Promise<OutboxMessage[]>;
  getOutbox(id: string): Promise<OutboxMessage | undefined>;

  putRecord(record: StoredRecord): Promise<void>;
  getRecord(kind: string, id: string): Promise<StoredRecord | undefined>;
  listRecords(kind: string, query?: { dealId?: string }): Promise<StoredRecord[]>;

  getMeta(key: string): Promise<Json | undefined>;
  putMeta(key: string, value: Json): Promise<void>;
}

export interface Storage {
  /** Runs `fn` in one transaction: commits if it resolves, rolls back everything if it throws. */
  transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T>;
  close?(): Promise<void>;
}
