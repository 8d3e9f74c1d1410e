import type { Enrolment, Job, LogEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import type { DealQuery, LeaseRequest, LogQuery, OutboxQuery, StorageTx } from '../ports/storage.js';
import type { SqlQueryable } from './driver.js';

type Row = Record<string, unknown>;

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
}

/**
 * One transaction's statements, built for few round trips:
 *  - reading a deal locks its row (`FOR UPDATE`) and the deal's jobs and enrolments are then read
 *    in one statement and kept, so a command's snapshot costs two queries;
 *  - writes are buffered (the last write of a row wins) and sent as one statement before the next
 *    read that could see them, and at commit.
 * Locks are taken deal first, then its jobs, the order every command follows, so transactions on
 * one deal queue up rather than deadlock.
 */
export class SqlTx implements StorageTx {
  /** The earliest due time this transaction wrote (jobs, pending deliveries), for the NOTIFY at commit. */
  wakeAt: string | undefined;
  private readonly views = new Map<string, DealView>();
  private readonly loading = new Map<string, Promise<DealView>>();
  private queue: Promise<unknown> = Promise.resolve();

  // Buffered writes. Maps keep one entry per row; a delete is `null`.
  private readonly deals = new Map<string, Deal | null>();
  private readonly enrolments = new Map<string, Record<string, Enrolment> | null>();
  private readonly jobs = new Map<string, Job | null>();
  private readonly log: LogEntry[] = [];
  private readonly outbox = new Map<string, OutboxMessage>();
  /** Leases to give back with the buffered write of the same message: message id → token. */
  private readonly releases = new Map<string, string>();
  private readonly records = new Map<string, StoredRecord>();
  private readonly meta = new Map<string, Json>();
  private dirty = false;

  constructor(
    private readonly c: SqlQueryable,
    private readonly s: string,
  ) {}

  /** One statement at a time on the connection, whatever the caller awaits in parallel. */
  private rows(text: string, params: unknown[] = []): Promise<Row[]> {
    const run = this.queue.then(() => this.c.query<Row>(text, params)).then((r) => r.rows);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(text: string, params: unknown[] = []): Promise<Row[]> {
    await this.flush();
    return this.rows(text, params);
  }

  private wake(at: string): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  // ---- deals -----------------------------------------------------------------------------------

  async getDeal(id: string): Promise<Deal | undefined> {
    const known = this.views.get(id);
    if (known) return known.deal;
    await this.flush();
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.deals WHERE id = $1 FOR UPDATE`, [id]);
    const deal = rows[0] ? doc<Deal>(rows[0].doc) : undefined;
    this.views.set(id, { deal });
    return deal;
  }

  async putDeal(deal: Deal): Promise<void> {
    this.deals.set(deal.id, deal);
    this.dirty = true;
    const view = this.views.get(deal.id);
    if (view) view.deal = deal;
    else this.views.set(deal.id, { deal });
  }

  async deleteDeal(id: string): Promise<void> {
    this.deals.set(id, null);
    this.enrolments.set(id, null);
    this.dirty = true;
    const view = this.views.get(id);
    if (view) {
      view.deal = undefined;
      view.enrolments = {};
    }
  }

  async listDeals(query: DealQuery = {}): Promise<Deal[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.pipelineId !== undefined) add('pipeline_id = ?', query.pipelineId);
    if (query.stageId !== undefined) add('stage_id = ?', query.stageId);
    if (query.ownerId !== undefined) add('owner_id = ?', query.ownerId);
    if (query.ownerIds !== undefined) add('owner_id = ANY(?::text[])', query.ownerIds);
    if (query.open !== undefined) add('open = ?', query.open);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<Deal>(await this.read(`SELECT doc::text AS doc FROM ${this.s}.deals ${filter} ORDER BY seq`, params));
  }

  /** A deal's pending jobs and enrolments, read once per transaction for a deal it locked. */
  private loadView(dealId: string): Promise<DealView> {
    const view = this.views.get(dealId);
    if (view?.jobs && view.enrolments) return Promise.resolve(view);
    let pending = this.loading.get(dealId);
    if (!pending) {
      pending = this.fetchView(dealId).finally(() => this.loading.delete(dealId));
      this.loading.set(dealId, pending);
    }
    return pending;
  }

  /** Read after the deal's row is locked, so the statement's snapshot includes every commit before the lock. */
  private async fetchView(dealId: string): Promise<DealView> {
    const rows = await this.read(`SELECT ${this.viewColumns('$1')}`, [dealId]);
    return this.keepView(dealId, rows[0]);
  }

  private viewColumns(dealParam: string): string {
    return `(SELECT doc::text FROM ${this.s}.enrolments WHERE deal_id = ${dealParam}) AS enrolments,
            (SELECT coalesce(json_agg(doc ORDER BY seq), '[]')::text FROM ${this.s}.jobs WHERE deal_id = ${dealParam}) AS jobs`;
  }

  private keepView(dealId: string, row: Row | undefined): DealView {
    const enrolments = row?.enrolments ? doc<Record<string, Enrolment>>(row.enrolments) : {};
    const jobs = doc<Job[]>(row?.jobs ?? '[]');
    const view = this.views.get(dealId);
    // Only a deal this transaction locked keeps its view; an id with no row is read afresh each time.
    if (!view) return { deal: undefined, enrolments, jobs };
    view.enrolments ??= enrolments;
    view.jobs ??= jobs;
    return view;
  }

  // ---- enrolments ------------------------------------------------------------------------------

  async getEnrolments(dealId: string): Promise<Record<string, Enrolment>> {
    return (await this.loadView(dealId)).enrolments!;
  }

  async putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void> {
    this.enrolments.set(dealId, enrolments);
    this.dirty = true;
    const view = this.views.get(dealId);
    if (view) view.enrolments = enrolments;
  }

  // ---- jobs ------------------------------------------------------------------------------------

  async pendingJobs(dealId: string): Promise<Job[]> {
    return [...(await this.loadView(dealId)).jobs!];
  }

  /** Locks the job's deal first, then the job (the order commands take them in), and reads the deal's view. */
  private async lockedJob(id: string, token?: string): Promise<Job | undefined> {
    await this.flush();
    // A job's deal never changes, so reading deal_id from the statement's snapshot is safe.
    const locked = await this.rows(
      `SELECT id, doc::text AS doc FROM ${this.s}.deals WHERE id = (SELECT deal_id FROM ${this.s}.jobs WHERE id = $1) FOR UPDATE`,
      [id],
    );
    const dealId = locked[0]?.id as string | undefined;
    if (dealId !== undefined && !this.views.has(dealId)) this.views.set(dealId, { deal: doc<Deal>(locked[0]!.doc) });
    const fence = token === undefined ? '' : 'AND lease_token = $3';
    const rows = await this.rows(
      `SELECT (SELECT doc::text FROM ${this.s}.jobs WHERE id = $1 ${fence} FOR UPDATE) AS job, ${this.viewColumns('$2')}`,
      token === undefined ? [id, dealId ?? null] : [id, dealId ?? null, token],
    );
    if (dealId !== undefined) this.keepView(dealId, rows[0]);
    return rows[0]?.job ? doc<Job>(rows[0].job) : undefined;
  }

  getJob(id: string): Promise<Job | undefined> {
    const buffered = this.jobs.get(id);
    if (buffered !== undefined) return Promise.resolve(buffered ?? undefined);
    return this.lockedJob(id);
  }

  getClaimedJob(id: string, token: string): Promise<Job | undefined> {
    return this.lockedJob(id, token);
  }

  async putJob(job: Job): Promise<void> {
    // Re-put: a new place in the tie order (the map re-inserts it last), as in memory.
    this.jobs.delete(job.id);
    this.jobs.set(job.id, job);
    this.dirty = true;
    this.wake(job.dueAt);
    for (const view of this.views.values()) if (view.jobs) view.jobs = view.jobs.filter((j) => j.id !== job.id);
    const view = this.views.get(job.dealId);
    if (view?.jobs) view.jobs.push(job);
  }

  async removeJob(id: string): Promise<void> {
    this.jobs.set(id, null);
    this.dirty = true;
    for (const view of this.views.values()) if (view.jobs) view.jobs = view.jobs.filter((j) => j.id !== id);
  }

  async dueJobs(until: string, limit: number): Promise<Job[]> {
    return docs<Job>(
      await this.read(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE due_at <= $1::timestamptz ORDER BY due_at, seq LIMIT $2`, [until, limit]),
    );
  }

  async nextJobDueAt(): Promise<string | undefined> {
    const rows = await this.read(`SELECT doc->>'dueAt' AS due FROM ${this.s}.jobs ORDER BY due_at, seq LIMIT 1`);
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueJobs(until: string, limit: number, lease: LeaseRequest): Promise<Job[]> {
    // Only each deal's earliest job is claimable, so a deal's jobs run in order even across runners.
    const rows = await this.read(
      `WITH picked AS (
         SELECT j.id FROM ${this.s}.jobs j
         WHERE j.due_at <= $1::timestamptz
           AND (j.lease_until IS NULL OR j.lease_until <= clock_timestamp())
           AND NOT (j.id = ANY($6::text[]))
           AND NOT EXISTS (
             SELECT 1 FROM ${this.s}.jobs e
             WHERE e.deal_id = j.deal_id AND (e.due_at, e.seq) < (j.due_at, j.seq))
         ORDER BY j.due_at, j.seq
         LIMIT $2
         FOR UPDATE OF j SKIP LOCKED),
       claimed AS (
         UPDATE ${this.s}.jobs SET lease_owner = $3, lease_token = $4,
           lease_until = clock_timestamp() + $5::float8 * interval '1 millisecond'
         FROM picked WHERE ${this.s}.jobs.id = picked.id
         RETURNING ${this.s}.jobs.doc, ${this.s}.jobs.due_at, ${this.s}.jobs.seq)
       SELECT doc::text AS doc FROM claimed ORDER BY due_at, seq`,
      [until, limit, lease.owner, lease.token, lease.ms, lease.skip ?? []],
    );
    return docs<Job>(rows);
  }

  // ---- leases ----------------------------------------------------------------------------------

  async renewLeases(token: string, ms: number, ids?: string[]): Promise<number> {
    const only = ids === undefined ? '' : 'AND id = ANY($3::text[])';
    const rows = await this.read(
      `WITH j AS (
         UPDATE ${this.s}.jobs SET lease_until = clock_timestamp() + $2::float8 * interval '1 millisecond'
         WHERE lease_token = $1 ${only} RETURNING 1),
       o AS (
         UPDATE ${this.s}.outbox SET lease_until = clock_timestamp() + $2::float8 * interval '1 millisecond'
         WHERE lease_token = $1 ${only} RETURNING 1)
       SELECT (SELECT count(*) FROM j)::int + (SELECT count(*) FROM o)::int AS n`,
      ids === undefined ? [token, ms] : [token, ms, ids],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async releaseLeases(token: string, ids?: string[]): Promise<void> {
    // Recording a delivery writes the message, then releases it: fold the release into that write.
    if (ids !== undefined && ids.length > 0 && ids.every((id) => this.outbox.has(id))) {
      for (const id of ids) this.releases.set(id, token);
      return;
    }
    const only = ids === undefined ? '' : 'AND id = ANY($2::text[])';
    await this.read(
      `WITH j AS (
         UPDATE ${this.s}.jobs SET lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE lease_token = $1 ${only})
       UPDATE ${this.s}.outbox SET lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE lease_token = $1 ${only}`,
      ids === undefined ? [token] : [token, ids],
    );
  }

  // ---- log -------------------------------------------------------------------------------------

  async appendLog(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.log.push(...entries);
    this.dirty = true;
  }

  async readLog(query: LogQuery = {}): Promise<LogEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.dealId !== undefined) add('deal_id = ?', query.dealId);
    if (query.types !== undefined) add('type = ANY(?::text[])', query.types);
    if (query.from !== undefined) add('at >= ?::timestamptz', query.from);
    if (query.to !== undefined) add('at < ?::timestamptz', query.to);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<LogEntry>(await this.read(`SELECT doc::text AS doc FROM ${this.s}.log ${filter} ORDER BY seq`, params));
  }

  // ---- outbox ----------------------------------------------------------------------------------

  async putOutbox(messages: OutboxMessage[]): Promise<void> {
    for (const m of messages) {
      // A re-put keeps the message's place in the list, as in memory.
      this.outbox.set(m.id, m);
      if (m.status === 'pending') this.wake(m.nextAttemptAt);
    }
    if (messages.length > 0) this.dirty = true;
  }

  async dueOutbox(until: string, limit: number): Promise<OutboxMessage[]> {
    return docs<OutboxMessage>(
      await this.read(
        `SELECT doc::text AS doc FROM ${this.s}.outbox WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz ORDER BY next_attempt_at, seq LIMIT $2`,
        [until, limit],
      ),
    );
  }

  async nextOutboxDueAt(): Promise<string | undefined> {
    const rows = await this.read(
      `SELECT doc->>'nextAttemptAt' AS due FROM ${this.s}.outbox WHERE status = 'pending' ORDER BY next_attempt_at, seq LIMIT 1`,
    );
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueOutbox(until: string, limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    const rows = await this.read(
      `WITH picked AS (
         SELECT id FROM ${this.s}.outbox
         WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
           AND (lease_until IS NULL OR lease_until <= clock_timestamp())
           AND NOT (id = ANY($6::text[]))
         ORDER BY next_attempt_at, seq
         LIMIT $2
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE ${this.s}.outbox SET lease_owner = $3, lease_token = $4,
           lease_until = clock_timestamp() + $5::float8 * interval '1 millisecond'
         FROM picked WHERE ${this.s}.outbox.id = picked.id
         RETURNING ${this.s}.outbox.doc, ${this.s}.outbox.next_attempt_at, ${this.s}.outbox.seq)
       SELECT doc::text AS doc FROM claimed ORDER BY next_attempt_at, seq`,
      [until, limit, lease.owner, lease.token, lease.ms, lease.skip ?? []],
    );
    return docs<OutboxMessage>(rows);
  }

  async getClaimedOutbox(id: string, token: string): Promise<OutboxMessage | undefined> {
    const rows = await this.read(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = $1 AND lease_token = $2 FOR UPDATE`, [id, token]);
    return rows[0] ? doc<OutboxMessage>(rows[0].doc) : undefined;
  }

  async listOutbox(query: OutboxQuery = {}): Promise<OutboxMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.dealId !== undefined) {
      params.push(query.dealId);
      where.push(`deal_id = $${params.length}`);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return docs<OutboxMessage>(await this.read(`SELECT doc::text AS doc FROM ${this.s}.outbox ${filter} ORDER BY seq`, params));
  }

  /** Locks the message: features read a message to change it (digests, dead-letter retries). */
  async getOutbox(id: string): Promise<OutboxMessage | undefined> {
    const rows = await this.read(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? doc<OutboxMessage>(rows[0].doc) : undefined;
  }

  // ---- records and meta --------------------------------------------------------------------------

  async putRecord(record: StoredRecord): Promise<void> {
    this.records.set(`${record.kind}\u0000${record.id}`, record);
    this.dirty = true;
  }

  /** Locks the record: features read a record to change it (an approval decided, a task closed). */
  async getRecord(kind: string, id: string): Promise<StoredRecord | undefined> {
    const rows = await this.read(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 AND id = $2 FOR UPDATE`, [kind, id]);
    return rows[0] ? doc<StoredRecord>(rows[0].doc) : undefined;
  }

  async listRecords(kind: string, query: { dealId?: string } = {}): Promise<StoredRecord[]> {
    const rows =
      query.dealId === undefined
        ? await this.read(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 ORDER BY seq`, [kind])
        : await this.read(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 AND deal_id = $2 ORDER BY seq`, [kind, query.dealId]);
    return docs<StoredRecord>(rows);
  }

  /** Locks the key: features keep read-modify-write pointers here (a recipient's open digest). */
  async getMeta(key: string): Promise<Json | undefined> {
    const rows = await this.read(`SELECT value::text AS value FROM ${this.s}.meta WHERE key = $1 FOR UPDATE`, [key]);
    return rows[0] ? doc<Json>(rows[0].value) : undefined;
  }

  async putMeta(key: string, value: Json): Promise<void> {
    this.meta.set(key, value);
    this.dirty = true;
  }

  // ---- the write buffer ----------------------------------------------------------------------------

  /**
   * Sends every buffered write as one statement of data-modifying CTEs (each row appears once, so
   * no two parts touch the same row), with `notify` (channel, payload) appended at commit.
   */
  async flush(notify?: [string, string]): Promise<void> {
    if (!this.dirty && !notify) return;
    const parts: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const s = this.s;
    const json = (v: unknown) => param(JSON.stringify(v));

    const dealPuts = [...this.deals.values()].filter((d): d is Deal => d !== null);
    const dealDeletes = [...this.deals].filter(([, d]) => d === null).map(([id]) => id);
    if (dealPuts.length > 0) {
      parts.push(`INSERT INTO ${s}.deals (id, pipeline_id, stage_id, owner_id, open, version, doc)
        SELECT d->>'id', d->>'pipelineId', d->>'stageId', d->>'ownerId', (d->'closedAt') = 'null'::jsonb, (d->>'version')::int, d
        FROM jsonb_array_elements(${json(dealPuts)}::jsonb) WITH ORDINALITY AS t(d, n) ORDER BY n
        ON CONFLICT (id) DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
          owner_id = excluded.owner_id, open = excluded.open, version = excluded.version, doc = excluded.doc`);
    }
    if (dealDeletes.length > 0) parts.push(`DELETE FROM ${s}.deals WHERE id = ANY(${param(dealDeletes)}::text[])`);

    const enrolPuts = [...this.enrolments].filter(([, e]) => e !== null).map(([dealId, doc]) => ({ dealId, doc }));
    const enrolDeletes = [...this.enrolments].filter(([, e]) => e === null).map(([id]) => id);
    if (enrolPuts.length > 0) {
      parts.push(`INSERT INTO ${s}.enrolments (deal_id, doc)
        SELECT e->>'dealId', e->'doc' FROM jsonb_array_elements(${json(enrolPuts)}::jsonb) AS t(e)
        ON CONFLICT (deal_id) DO UPDATE SET doc = excluded.doc`);
    }
    if (enrolDeletes.length > 0) parts.push(`DELETE FROM ${s}.enrolments WHERE deal_id = ANY(${param(enrolDeletes)}::text[])`);

    const jobPuts = [...this.jobs.values()].filter((j): j is Job => j !== null);
    const jobDeletes = [...this.jobs].filter(([, j]) => j === null).map(([id]) => id);
    if (jobPuts.length > 0) {
      // A re-put job takes a new place in the tie order and loses any lease, as in memory.
      parts.push(`INSERT INTO ${s}.jobs (id, deal_id, due_at, doc)
        SELECT j->>'id', j->>'dealId', (j->>'dueAt')::timestamptz, j
        FROM jsonb_array_elements(${json(jobPuts)}::jsonb) WITH ORDINALITY AS t(j, n) ORDER BY n
        ON CONFLICT (id) DO UPDATE SET seq = nextval('${s}.jobs_seq'), deal_id = excluded.deal_id, due_at = excluded.due_at,
          doc = excluded.doc, lease_owner = NULL, lease_token = NULL, lease_until = NULL`);
    }
    if (jobDeletes.length > 0) parts.push(`DELETE FROM ${s}.jobs WHERE id = ANY(${param(jobDeletes)}::text[])`);

    if (this.log.length > 0) {
      parts.push(`INSERT INTO ${s}.log (id, deal_id, type, at, doc)
        SELECT e->>'id', e->>'dealId', e->>'type', (e->>'at')::timestamptz, e
        FROM jsonb_array_elements(${json(this.log)}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n`);
    }
    if (this.outbox.size > 0) {
      // Writing a message keeps its lease, unless this transaction released it (with the holder's token).
      let leases = '';
      if (this.releases.size > 0) {
        const tokens = json(Object.fromEntries(this.releases));
        const keep = (col: string) => `${col} = CASE WHEN ${s}.outbox.lease_token = (${tokens}::jsonb ->> excluded.id) THEN NULL ELSE ${s}.outbox.${col} END`;
        leases = `, ${keep('lease_owner')}, ${keep('lease_until')}, ${keep('lease_token')}`;
      }
      parts.push(`INSERT INTO ${s}.outbox (id, key, deal_id, status, next_attempt_at, doc)
        SELECT m->>'id', m->>'key', m->>'dealId', m->>'status', (m->>'nextAttemptAt')::timestamptz, m
        FROM jsonb_array_elements(${json([...this.outbox.values()])}::jsonb) WITH ORDINALITY AS t(m, n) ORDER BY n
        ON CONFLICT (id) DO UPDATE SET key = excluded.key, deal_id = excluded.deal_id, status = excluded.status,
          next_attempt_at = excluded.next_attempt_at, doc = excluded.doc${leases}`);
    }
    if (this.records.size > 0) {
      parts.push(`INSERT INTO ${s}.records (kind, id, deal_id, at, doc)
        SELECT r->>'kind', r->>'id', r->>'dealId', (r->>'at')::timestamptz, r
        FROM jsonb_array_elements(${json([...this.records.values()])}::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
        ON CONFLICT (kind, id) DO UPDATE SET deal_id = excluded.deal_id, at = excluded.at, doc = excluded.doc`);
    }
    if (this.meta.size > 0) {
      const entries = [...this.meta].map(([key, value]) => ({ key, value }));
      parts.push(`INSERT INTO ${s}.meta (key, value)
        SELECT m->>'key', m->'value' FROM jsonb_array_elements(${json(entries)}::jsonb) AS t(m)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    }

    this.deals.clear();
    this.enrolments.clear();
    this.jobs.clear();
    this.log.length = 0;
    this.outbox.clear();
    this.releases.clear();
    this.records.clear();
    this.meta.clear();
    this.dirty = false;

    const tail = notify ? `SELECT pg_notify(${param(notify[0])}, ${param(notify[1])})` : 'SELECT 1';
    if (parts.length === 0) {
      await this.rows(tail, params);
      return;
    }
    const ctes = parts.map((p, i) => `w${i} AS (${p})`).join(',\n');
    await this.rows(`WITH ${ctes}\n${tail}`, params);
  }
}
