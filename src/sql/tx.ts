import type { Enrolment, Job, AnyHistoryEntry, OutboxMessage, OutboxStatus, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
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
import { bool, instant, num, text, texts } from './literal.js';
import type { Row, Sendable, Session } from './session.js';
import { claimOf, type Statements } from './statements.js';
import type { ClaimedJobs } from './claimed-jobs.js';
import { WriteBuffer } from './write-buffer.js';

/** Documents are selected as text and parsed here, so every driver returns the same values. */
function doc<T>(value: unknown): T {
  return JSON.parse(value as string) as T;
}

function docs<T>(rows: Row[], column = 'doc'): T[] {
  return rows.map((r) => doc<T>(r[column]));
}

/** What this transaction knows of one deal it locked: read once, kept in step with its own writes. */
interface DealView {
  deal: Deal | undefined;
  /** Pending jobs in scheduling order, once read. */
  jobs?: Job[];
  enrolments?: Record<string, Enrolment>;
  /** Every record of the deal, in storage order, once read; kept in step with this transaction's puts. */
  records?: StoredRecord[];
}

/**
 * One transaction's statements, built for few round trips:
 *  - reading a deal locks its row (`FOR UPDATE`) and, in the same round trip but a later
 *    statement (so a fresh snapshot, taken after the lock), reads its jobs and enrolments;
 *  - writes are buffered (the last write of a row wins) and go out as one statement in front of
 *    the next read that could see them, or with COMMIT.
 * Statements are sent several per round trip, so values are written as escaped literals
 * (literal.ts). Locks are taken deal first, then its jobs, the order every command follows, so
 * transactions on one deal queue up rather than deadlock.
 */
export class SqlTx implements StorageTx {
  /** The earliest due time this transaction wrote (jobs, pending deliveries), for the NOTIFY at commit. */
  wakeAt: string | undefined;
  private readonly views = new Map<string, DealView>();
  /** The deal of each job in a view read or put here (a job's deal never changes). */
  private readonly jobDeals = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  /** The writes not yet sent. */
  private readonly w: WriteBuffer;

  /** The claim tokens whose jobs' documents this transaction took from `claimed`: forgotten once it commits. */
  readonly claimsUsed: string[] = [];

  constructor(
    private readonly session: Session,
    private readonly s: string,
    private readonly st: Statements,
    private readonly claimed?: ClaimedJobs,
  ) {
    this.w = new WriteBuffer(s, (shape) => st.writeName(shape));
  }

  /** Sends the buffered writes and `statements` in one round trip; resolves to the statements' rows. One round trip at a time. */
  private run(statements: Sendable[]): Promise<Row[][]> {
    const go = async () => {
      const writes = this.w.take();
      const out = await this.session.run(writes ? [writes, ...statements] : statements);
      return out.slice(out.length - statements.length);
    };
    const result = this.queue.then(go, go);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async one(statement: Sendable): Promise<Row[]> {
    return (await this.run([statement]))[0]!;
  }

  /** The writes still buffered and the NOTIFY, as the last statement before COMMIT. */
  finalStatements(notify?: [string, string]): Sendable[] {
    const writes = this.w.take(notify);
    return writes ? [writes] : [];
  }

  private wake(at: string): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  // ---- deals -----------------------------------------------------------------------------------

  async getDeal(id: string): Promise<Deal | undefined> {
    const known = this.views.get(id);
    if (known) return known.deal;
    const [locked, view] = await this.run([this.st.lockDeal(id), this.st.dealView(id)]);
    const deal = locked![0] ? doc<Deal>(locked![0].doc) : undefined;
    if (!deal) this.w.missing.deals.add(id);
    this.views.set(id, { deal });
    this.keepView(id, view![0]);
    return deal;
  }

  // Writes go to the transaction's buffer (written at commit, src/sql/write-buffer.ts): each has
  // finished when it returns, so it returns DONE and the engine waits no turn for it.
  putDeal(deal: Deal, options?: PutOptions): Promise<void> {
    if (options?.insert) this.w.inserts.deals.add(deal.id);
    this.w.deals.set(deal.id, deal);
    const view = this.views.get(deal.id);
    if (view) view.deal = deal;
    else this.views.set(deal.id, { deal });
    return DONE;
  }

  deleteDeal(id: string): Promise<void> {
    this.w.deals.set(id, null);
    this.w.enrolments.set(id, null);
    const view = this.views.get(id);
    if (view) {
      view.deal = undefined;
      view.enrolments = {};
    }
    return DONE;
  }

  async listDeals(query: DealQuery = {}): Promise<Deal[]> {
    const where: string[] = [];
    if (query.pipelineId !== undefined) where.push(`pipeline_id = ${text(query.pipelineId)}`);
    if (query.stageId !== undefined) where.push(`stage_id = ${text(query.stageId)}`);
    if (query.ownerId !== undefined) where.push(`owner_id = ${text(query.ownerId)}`);
    if (query.ownerIds !== undefined) where.push(`owner_id = ANY(${texts(query.ownerIds)})`);
    if (query.open !== undefined) where.push(`open = ${bool(query.open)}`);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<Deal>(await this.one(`SELECT doc::text AS doc FROM ${this.s}.deals ${filter} ORDER BY seq`));
  }

  private viewColumns(dealId: string): string {
    return this.st.viewColumns(dealId);
  }

  /** Keeps the view read for a deal in one row (its columns as JSON texts). */
  private keepView(dealId: string, row: Row | undefined): DealView {
    return this.keepParts(dealId, {
      enrolments: row?.enrolments ? doc<Record<string, Enrolment>>(row.enrolments) : {},
      jobs: doc<Job[]>(row?.jobs ?? '[]'),
      records: doc<StoredRecord[]>(row?.records ?? '[]'),
    });
  }

  /** Keeps what was read for a deal this transaction locked; an id with no row to lock is read afresh each time. */
  private keepParts(dealId: string, read: { enrolments: Record<string, Enrolment>; jobs: Job[]; records: StoredRecord[] }): DealView {
    const { enrolments, jobs, records } = read;
    const view = this.views.get(dealId);
    if (!view) return { deal: undefined, enrolments, jobs, records };
    view.enrolments ??= enrolments;
    if (!view.jobs) {
      view.jobs = jobs;
      for (const j of jobs) this.jobDeals.set(j.id, j.dealId);
    }
    view.records ??= records;
    return view;
  }

  private async loadView(dealId: string): Promise<DealView> {
    const view = this.views.get(dealId);
    if (view?.jobs && view.enrolments) return view;
    return this.keepView(dealId, (await this.one(this.st.dealView(dealId)))[0]);
  }

  // ---- enrolments ------------------------------------------------------------------------------

  async getEnrolments(dealId: string): Promise<Record<string, Enrolment>> {
    return (await this.loadView(dealId)).enrolments!;
  }

  putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void> {
    this.w.enrolments.set(dealId, enrolments);
    const view = this.views.get(dealId);
    if (view) view.enrolments = enrolments;
    return DONE;
  }

  // ---- jobs ------------------------------------------------------------------------------------

  async pendingJobs(dealId: string): Promise<Job[]> {
    return [...(await this.loadView(dealId)).jobs!];
  }

  /**
   * Locks the job's deal first, then the job (the order commands take them in), and reads the
   * deal's view, in one round trip: each statement after the lock sees every commit before it.
   */
  private async lockedJob(id: string, token?: string): Promise<Job | undefined> {
    const jobDeal = `(SELECT deal_id FROM ${this.s}.jobs WHERE id = ${text(id)})`;
    const fence = token === undefined ? '' : `AND lease_token = ${text(token)}`;
    // A job's deal never changes, so reading deal_id from a statement's snapshot is safe.
    const [locked, rows] = await this.run([
      `SELECT id, doc::text AS doc FROM ${this.s}.deals WHERE id = ${jobDeal} FOR UPDATE`,
      `SELECT (SELECT doc::text FROM ${this.s}.jobs WHERE id = ${text(id)} ${fence} FOR UPDATE) AS job, ${this.viewColumns(jobDeal)}`,
    ]);
    const dealRow = locked![0];
    if (dealRow) {
      const dealId = dealRow.id as string;
      if (!this.views.has(dealId)) this.views.set(dealId, { deal: doc<Deal>(dealRow.doc) });
      this.keepView(dealId, rows![0]);
    }
    return rows![0]?.job ? doc<Job>(rows![0].job) : undefined;
  }

  getJob(id: string): Promise<Job | undefined> {
    const buffered = this.w.jobs.get(id);
    if (buffered !== undefined) return Promise.resolve(buffered ?? undefined);
    return this.lockedJob(id);
  }

  getClaimedJob(id: string, token: string): Promise<Job | undefined> {
    return this.lockedJob(id, token);
  }

  /**
   * One round trip for a batch: the deals locked in id order, then the jobs `token` still holds
   * (locked after their deals, the order commands take), then every deal's view, each statement
   * seeing what committed before the locks it waited for.
   */
  async lockClaimedJobs(claims: ReadonlyArray<{ id: string; dealId: string }>, token: string): Promise<Map<string, ClaimedJobView>> {
    const dealIds = [...new Set(claims.map((c) => c.dealId))];
    const ids = claims.map((c) => c.id);
    const known = this.claimed?.get(token);
    const [deals, held, enrolRows, jobRows, recordRows] = await this.run([
      this.st.lockDeals(dealIds),
      this.st.lockHeldJobs(ids, token),
      this.st.batchEnrolments(dealIds),
      this.st.batchJobs(dealIds, known ? token : null),
      this.st.batchRecords(dealIds),
    ]);
    if (known) this.claimsUsed.push(token);
    const parts = new Map(dealIds.map((id) => [id, { enrolments: {} as Record<string, Enrolment>, jobs: [] as Job[], records: [] as StoredRecord[] }]));
    for (const r of enrolRows!) parts.get(r.deal_id as string)!.enrolments = doc(r.doc);
    // A held job comes without its document (null): the claim's copy, or (not expected: every
    // job `token` holds came back from its claim) read again.
    const missing: string[] = [];
    for (const r of jobRows!) {
      const job = r.doc === null ? known?.get(r.id as string) : doc<Job>(r.doc);
      if (job === undefined) missing.push(r.id as string);
      parts.get(r.deal_id as string)!.jobs.push(job ?? ({ id: r.id } as Job));
    }
    if (missing.length > 0) {
      const again = new Map((await this.one(this.st.jobDocs(missing))).map((r) => [r.id as string, doc<Job>(r.doc)]));
      for (const p of parts.values()) p.jobs = p.jobs.map((j) => again.get(j.id) ?? j);
    }
    for (const r of recordRows!) parts.get(r.deal_id as string)!.records.push(doc(r.doc));
    const dealDocs = new Map(deals!.map((r) => [r.id as string, r.doc as string]));
    for (const [dealId, read] of parts) {
      if (!this.views.has(dealId)) {
        const text = dealDocs.get(dealId);
        const deal = text === undefined ? undefined : doc<Deal>(text);
        if (!deal) this.w.missing.deals.add(dealId);
        this.views.set(dealId, { deal });
      }
      this.keepParts(dealId, read);
    }
    const out = new Map<string, ClaimedJobView>();
    const dealOf = new Map(claims.map((c) => [c.id, c.dealId]));
    for (const row of held!) {
      const id = row.id as string;
      const view = this.views.get(dealOf.get(id)!)!;
      // Locked before the views were read, so its deal's view holds it as the claim left it.
      const job = view.jobs!.find((j) => j.id === id);
      if (!job) continue;
      out.set(id, { job, deal: view.deal, jobs: [...view.jobs!], enrolments: view.enrolments!, records: [...view.records!] });
    }
    return out;
  }

  putJob(job: Job, options?: PutOptions): Promise<void> {
    if (options?.insert) this.w.inserts.jobs.add(job.id);
    // Re-put: a new place in the tie order (the map re-inserts it last), as in memory.
    this.w.jobs.delete(job.id);
    this.w.jobs.set(job.id, job);
    this.wake(job.dueAt);
    // A job's deal never changes: only that deal's view can hold it.
    this.jobDeals.set(job.id, job.dealId);
    const view = this.views.get(job.dealId);
    if (view?.jobs) {
      view.jobs = view.jobs.filter((j) => j.id !== job.id);
      view.jobs.push(job);
    }
    return DONE;
  }

  removeJob(id: string): Promise<void> {
    this.w.jobs.set(id, null);
    // Only the view of its deal can hold it (a batch removes one job from each of ~100 views).
    const dealId = this.jobDeals.get(id);
    const views = dealId === undefined ? this.views.values() : [this.views.get(dealId)];
    for (const view of views) if (view?.jobs) view.jobs = view.jobs.filter((j) => j.id !== id);
    return DONE;
  }

  async dueJobs(until: string, limit: number): Promise<Job[]> {
    return docs<Job>(await this.one(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE due_at <= ${instant(until)} ORDER BY due_at, seq LIMIT ${num(limit)}`));
  }

  async nextJobDueAt(): Promise<string | undefined> {
    const rows = await this.one(`SELECT doc->>'dueAt' AS due FROM ${this.s}.jobs ORDER BY due_at, seq LIMIT 1`);
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueJobs(until: string, limit: number, lease: LeaseRequest): Promise<Job[]> {
    // Only each deal's earliest job is claimable, so a deal's jobs run in order even across runners.
    return docs<Job>(await this.one(this.st.claimJobs(claimOf(until, limit, lease))));
  }

  // ---- leases ----------------------------------------------------------------------------------

  async renewLeases(token: string, ms: number, ids?: string[]): Promise<number> {
    const rows = await this.one(this.st.renewLeases(token, ms, ids));
    return Number(rows[0]?.n ?? 0);
  }

  async releaseLeases(token: string, ids?: string[]): Promise<void> {
    // Recording a delivery writes the message, then releases it: fold the release into that write.
    if (ids !== undefined && ids.length > 0 && ids.every((id) => this.w.outbox.has(id))) {
      for (const id of ids) this.w.releases.set(id, token);
      return;
    }
    await this.one(this.st.releaseLeases(token, ids));
  }

  // ---- log -------------------------------------------------------------------------------------

  appendLog(entries: AnyHistoryEntry[]): Promise<void> {
    this.w.log.push(...entries);
    return DONE;
  }

  async readLog(query: LogQuery = {}): Promise<AnyHistoryEntry[]> {
    const where: string[] = [];
    if (query.dealId !== undefined) where.push(`deal_id = ${text(query.dealId)}`);
    if (query.types !== undefined) where.push(`type = ANY(${texts(query.types)})`);
    if (query.from !== undefined) where.push(`at >= ${instant(query.from)}`);
    if (query.to !== undefined) where.push(`at < ${instant(query.to)}`);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<AnyHistoryEntry>(await this.one(`SELECT doc::text AS doc FROM ${this.s}.log ${filter} ORDER BY seq`));
  }

  // ---- outbox ----------------------------------------------------------------------------------

  putOutbox(messages: OutboxMessage[], options?: PutOptions): Promise<void> {
    for (const m of messages) {
      if (options?.insert) this.w.inserts.outbox.add(m.id);
      // A re-put keeps the message's place in the list, as in memory.
      this.w.outbox.set(m.id, m);
      if (m.status === 'pending') this.wake(m.nextAttemptAt);
    }
    return DONE;
  }

  async dueOutbox(until: string, limit: number): Promise<OutboxMessage[]> {
    return docs<OutboxMessage>(
      await this.one(
        `SELECT doc::text AS doc FROM ${this.s}.outbox WHERE status = 'pending' AND next_attempt_at <= ${instant(until)} ORDER BY next_attempt_at, seq LIMIT ${num(limit)}`,
      ),
    );
  }

  async nextOutboxDueAt(): Promise<string | undefined> {
    const rows = await this.one(`SELECT doc->>'nextAttemptAt' AS due FROM ${this.s}.outbox WHERE status = 'pending' ORDER BY next_attempt_at, seq LIMIT 1`);
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueOutbox(until: string, limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    return docs<OutboxMessage>(await this.one(this.st.claimDeliveries(claimOf(until, limit, lease))));
  }

  async getClaimedOutboxes(ids: ReadonlyArray<string>, token: string): Promise<Map<string, OutboxMessage>> {
    const rows = await this.one(this.st.heldMessages(ids, token));
    return new Map(rows.map((r) => [r.id as string, doc<OutboxMessage>(r.doc)]));
  }

  async getClaimedOutbox(id: string, token: string): Promise<OutboxMessage | undefined> {
    const rows = await this.one(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = ${text(id)} AND lease_token = ${text(token)} FOR UPDATE`);
    return rows[0] ? doc<OutboxMessage>(rows[0].doc) : undefined;
  }

  async listOutbox(query: OutboxQuery = {}): Promise<OutboxMessage[]> {
    const where: string[] = [];
    if (query.status !== undefined) where.push(`status = ${text(query.status)}`);
    if (query.dealId !== undefined) where.push(`deal_id = ${text(query.dealId)}`);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<OutboxMessage>(await this.one(`SELECT doc::text AS doc FROM ${this.s}.outbox ${filter} ORDER BY seq`));
  }

  /** Counted on the status index, without reading a document. */
  async countOutbox(status: OutboxStatus): Promise<number> {
    const rows = await this.one(`SELECT count(*)::int AS n FROM ${this.s}.outbox WHERE status = ${text(status)}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Locks the message: features read a message to change it (digests, dead-letter retries). */
  async getOutbox(id: string): Promise<OutboxMessage | undefined> {
    const rows = await this.one(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = ${text(id)} FOR UPDATE`);
    if (!rows[0]) this.w.missing.outbox.add(id);
    return rows[0] ? doc<OutboxMessage>(rows[0].doc) : undefined;
  }

  // ---- records and meta --------------------------------------------------------------------------

  putRecord(record: StoredRecord, options?: PutOptions): Promise<void> {
    const key = `${record.kind}\u0000${record.id}`;
    if (options?.insert) this.w.inserts.records.add(key);
    this.w.records.set(key, record);
    // Keep the views read in step: an upsert keeps its place (its seq), a new record goes last.
    for (const [dealId, view] of this.views) {
      if (!view.records) continue;
      const i = view.records.findIndex((r) => r.kind === record.kind && r.id === record.id);
      if (dealId === record.dealId) {
        if (i >= 0) view.records[i] = record;
        else view.records.push(record);
      } else if (i >= 0) view.records.splice(i, 1);
    }
    return DONE;
  }

  /** Locks the record: features read a record to change it (an approval decided, a task closed). */
  async getRecord(kind: string, id: string): Promise<StoredRecord | undefined> {
    const rows = await this.one(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = ${text(kind)} AND id = ${text(id)} FOR UPDATE`);
    if (!rows[0]) this.w.missing.records.add(`${kind}\u0000${id}`);
    return rows[0] ? doc<StoredRecord>(rows[0].doc) : undefined;
  }

  async listRecords(kind: string, query: { dealId?: string } = {}): Promise<StoredRecord[]> {
    // A deal this transaction read: its records came with its view.
    const view = query.dealId === undefined ? undefined : this.views.get(query.dealId);
    if (view?.records) return view.records.filter((r) => r.kind === kind);
    const byDeal = query.dealId === undefined ? '' : `AND deal_id = ${text(query.dealId)}`;
    return docs<StoredRecord>(await this.one(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = ${text(kind)} ${byDeal} ORDER BY seq`));
  }

  /** Locks the key: features keep read-modify-write pointers here (a recipient's open digest). */
  async getMeta(key: string): Promise<Json | undefined> {
    const rows = await this.one(`SELECT value::text AS value FROM ${this.s}.meta WHERE key = ${text(key)} FOR UPDATE`);
    if (!rows[0]) this.w.missing.meta.add(key);
    return rows[0] ? doc<Json>(rows[0].value) : undefined;
  }

  putMeta(key: string, value: Json): Promise<void> {
    this.w.meta.set(key, value);
    return DONE;
  }
}
