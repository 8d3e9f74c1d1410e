import type { Enrolment, Job, LogEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { DealQuery, LeaseRequest, LogQuery, OutboxQuery, Storage, StorageTx } from '../ports/storage.js';
import { quoteIdent, toDriver, type SqlClient, type SqlDriver, type SqlQueryable } from './driver.js';
import { migrate } from './migrations.js';

export interface SqlStorageOptions {
  /** A `pg` Pool, a PGlite instance, or a driver of your own. The store never closes a client it was given. */
  client?: SqlClient;
  /** Opens (or creates) an embedded PGlite database in this directory. Needs `@electric-sql/pglite`. */
  dataDir?: string;
  /** Connects a `pg` Pool to this URL. Needs `pg`. */
  connectionString?: string;
  /** The PostgreSQL schema holding dealflow's tables. Default `dealflow`. */
  schema?: string;
  /** Apply pending migrations when opening. Default true. */
  migrate?: boolean;
  /**
   * NOTIFY runners (LISTEN `<schema>_due`) when a transaction schedules a job or queues a
   * delivery, so a sleeping runner wakes at once. Default true.
   */
  notify?: boolean;
  /** How often a transaction is retried after a deadlock or a lost race to insert a row. Default 5. */
  maxRetries?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** Errors after which running the whole transaction again is the right answer. */
function isTransient(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  if (e?.code === '40001' || e?.code === '40P01') return true;
  // Two processes created the same deal id at once: the loser's retry sees the deal and reports CONFLICT.
  return e?.code === '23505' && e.constraint === 'deals_pkey';
}

/**
 * The storage port on PostgreSQL: a `pg` Pool against a server, or the same SQL on an embedded
 * PGlite. Documents are JSONB; the columns queries filter and sort on are kept beside them.
 * Reads of a deal lock its row (`FOR UPDATE`), so commands on one deal from many processes are
 * serialised and none is lost; jobs and deliveries are claimed with `FOR UPDATE SKIP LOCKED` and
 * a lease measured on the database's clock.
 */
export class SqlStorage implements Storage {
  readonly driver: SqlDriver;
  readonly schema: string;
  /** The LISTEN/NOTIFY channel runners wake on. */
  readonly channel: string;
  private readonly q: string;
  private readonly notify: boolean;
  private readonly maxRetries: number;
  private readonly owned: (() => Promise<void>) | undefined;

  /** Use `createSqlStorage`, which also migrates; this constructor only wires the driver. */
  constructor(driver: SqlDriver, options: { schema?: string; notify?: boolean; maxRetries?: number; close?: () => Promise<void> } = {}) {
    const schema = options.schema ?? 'dealflow';
    if (!SCHEMA_NAME.test(schema)) {
      throw new DealflowError(
        'INVALID_CONFIG',
        `schema "${schema}" is not a plain name; use lower-case letters, digits and _ (at most 48), starting with a letter or _`,
      );
    }
    this.driver = driver;
    this.schema = schema;
    this.q = quoteIdent(schema);
    this.channel = `${schema}_due`;
    this.notify = options.notify ?? true;
    this.maxRetries = options.maxRetries ?? 5;
    this.owned = options.close;
  }

  async transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.driver.transaction(async (conn) => {
          const tx = new SqlTx(conn, this.q);
          const result = await fn(tx);
          if (this.notify && tx.wakeAt !== undefined) await conn.query('SELECT pg_notify($1, $2)', [this.channel, tx.wakeAt]);
          return result;
        });
      } catch (error) {
        if (attempt < this.maxRetries && isTransient(error)) continue;
        throw translate(error);
      }
    }
  }

  /**
   * Calls `onDue` when another transaction schedules work, with the earliest due time it wrote.
   * Undefined when the driver cannot LISTEN; the runner then polls.
   */
  async watch(onDue: (dueAt: string) => void): Promise<(() => Promise<void>) | undefined> {
    if (!this.driver.listen) return undefined;
    return this.driver.listen(this.channel, onDue);
  }

  /** Closes the connection the store opened itself (from `dataDir` or `connectionString`); a client you passed stays open. */
  async close(): Promise<void> {
    await this.owned?.();
  }
}

function translate(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (e?.code === '22P05' || e?.code === '22021') {
    return new DealflowError('INVALID_INPUT', `PostgreSQL cannot store this text (${e.message}); remove NUL characters (\\u0000)`, { cause: error });
  }
  return error;
}

type Row = Record<string, unknown>;

/** Documents are selected as text and parsed here, so every driver returns the same values. */
function doc<T>(value: unknown): T {
  return JSON.parse(value as string) as T;
}

function docs<T>(rows: Row[], column = 'doc'): T[] {
  return rows.map((r) => doc<T>(r[column]));
}

/** One transaction's statements. Deal rows are locked on first read and stay locked until commit. */
class SqlTx implements StorageTx {
  /** The earliest due time this transaction wrote (jobs, pending deliveries), for the NOTIFY at commit. */
  wakeAt: string | undefined;
  private readonly lockedDeals = new Set<string>();

  constructor(
    private readonly c: SqlQueryable,
    private readonly s: string,
  ) {}

  private async rows(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.c.query<Row>(text, params)).rows;
  }

  private wake(at: string): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  // ---- deals -----------------------------------------------------------------------------------

  async getDeal(id: string): Promise<Deal | undefined> {
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.deals WHERE id = $1 FOR UPDATE`, [id]);
    this.lockedDeals.add(id);
    return rows[0] ? doc<Deal>(rows[0].doc) : undefined;
  }

  async putDeal(deal: Deal): Promise<void> {
    this.lockedDeals.add(deal.id);
    await this.rows(
      `INSERT INTO ${this.s}.deals (id, pipeline_id, stage_id, owner_id, open, version, doc)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (id) DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id,
         owner_id = excluded.owner_id, open = excluded.open, version = excluded.version, doc = excluded.doc`,
      [deal.id, deal.pipelineId, deal.stageId, deal.ownerId, deal.closedAt === null, deal.version, JSON.stringify(deal)],
    );
  }

  async deleteDeal(id: string): Promise<void> {
    await this.rows(`WITH gone AS (DELETE FROM ${this.s}.deals WHERE id = $1) DELETE FROM ${this.s}.enrolments WHERE deal_id = $1`, [id]);
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
    return docs<Deal>(await this.rows(`SELECT doc::text AS doc FROM ${this.s}.deals ${filter} ORDER BY seq`, params));
  }

  // ---- enrolments ------------------------------------------------------------------------------

  async getEnrolments(dealId: string): Promise<Record<string, Enrolment>> {
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.enrolments WHERE deal_id = $1`, [dealId]);
    return rows[0] ? doc<Record<string, Enrolment>>(rows[0].doc) : {};
  }

  async putEnrolments(dealId: string, enrolments: Record<string, Enrolment>): Promise<void> {
    await this.rows(
      `INSERT INTO ${this.s}.enrolments (deal_id, doc) VALUES ($1, $2::jsonb)
       ON CONFLICT (deal_id) DO UPDATE SET doc = excluded.doc`,
      [dealId, JSON.stringify(enrolments)],
    );
  }

  // ---- jobs ------------------------------------------------------------------------------------

  async pendingJobs(dealId: string): Promise<Job[]> {
    return docs<Job>(await this.rows(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE deal_id = $1 ORDER BY seq`, [dealId]));
  }

  /** Locks the job's deal first, then the job: the order commands take them in, so the two never deadlock. */
  private async lockedJob(id: string, token?: string): Promise<Job | undefined> {
    const owner = await this.rows(`SELECT deal_id FROM ${this.s}.jobs WHERE id = $1`, [id]);
    if (!owner[0]) return undefined;
    const dealId = owner[0].deal_id as string;
    if (!this.lockedDeals.has(dealId)) {
      await this.rows(`SELECT 1 FROM ${this.s}.deals WHERE id = $1 FOR UPDATE`, [dealId]);
      this.lockedDeals.add(dealId);
    }
    const rows =
      token === undefined
        ? await this.rows(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE id = $1 FOR UPDATE`, [id])
        : await this.rows(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE id = $1 AND lease_token = $2 FOR UPDATE`, [id, token]);
    return rows[0] ? doc<Job>(rows[0].doc) : undefined;
  }

  getJob(id: string): Promise<Job | undefined> {
    return this.lockedJob(id);
  }

  getClaimedJob(id: string, token: string): Promise<Job | undefined> {
    return this.lockedJob(id, token);
  }

  async putJob(job: Job): Promise<void> {
    // A re-put job takes a new place in the tie order and loses any lease, as in memory.
    await this.rows(
      `INSERT INTO ${this.s}.jobs (id, deal_id, due_at, doc) VALUES ($1, $2, $3::timestamptz, $4::jsonb)
       ON CONFLICT (id) DO UPDATE SET seq = nextval('${this.s}.jobs_seq'), deal_id = excluded.deal_id, due_at = excluded.due_at,
         doc = excluded.doc, lease_owner = NULL, lease_token = NULL, lease_until = NULL`,
      [job.id, job.dealId, job.dueAt, JSON.stringify(job)],
    );
    this.wake(job.dueAt);
  }

  async removeJob(id: string): Promise<void> {
    await this.rows(`DELETE FROM ${this.s}.jobs WHERE id = $1`, [id]);
  }

  async dueJobs(until: string, limit: number): Promise<Job[]> {
    return docs<Job>(
      await this.rows(`SELECT doc::text AS doc FROM ${this.s}.jobs WHERE due_at <= $1::timestamptz ORDER BY due_at, seq LIMIT $2`, [until, limit]),
    );
  }

  async nextJobDueAt(): Promise<string | undefined> {
    const rows = await this.rows(`SELECT doc->>'dueAt' AS due FROM ${this.s}.jobs ORDER BY due_at, seq LIMIT 1`);
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueJobs(until: string, limit: number, lease: LeaseRequest): Promise<Job[]> {
    // Only each deal's earliest job is claimable, so a deal's jobs run in order even across runners.
    const rows = await this.rows(
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
    const params = ids === undefined ? [token, ms] : [token, ms, ids];
    const rows = await this.rows(
      `WITH j AS (
         UPDATE ${this.s}.jobs SET lease_until = clock_timestamp() + $2::float8 * interval '1 millisecond'
         WHERE lease_token = $1 ${only} RETURNING 1),
       o AS (
         UPDATE ${this.s}.outbox SET lease_until = clock_timestamp() + $2::float8 * interval '1 millisecond'
         WHERE lease_token = $1 ${only} RETURNING 1)
       SELECT (SELECT count(*) FROM j)::int + (SELECT count(*) FROM o)::int AS n`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async releaseLeases(token: string, ids?: string[]): Promise<void> {
    const only = ids === undefined ? '' : 'AND id = ANY($2::text[])';
    const params = ids === undefined ? [token] : [token, ids];
    await this.rows(
      `WITH j AS (
         UPDATE ${this.s}.jobs SET lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE lease_token = $1 ${only})
       UPDATE ${this.s}.outbox SET lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE lease_token = $1 ${only}`,
      params,
    );
  }

  // ---- log -------------------------------------------------------------------------------------

  async appendLog(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.rows(
      `INSERT INTO ${this.s}.log (id, deal_id, type, at, doc)
       SELECT e->>'id', e->>'dealId', e->>'type', (e->>'at')::timestamptz, e
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n`,
      [JSON.stringify(entries)],
    );
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
    return docs<LogEntry>(await this.rows(`SELECT doc::text AS doc FROM ${this.s}.log ${filter} ORDER BY seq`, params));
  }

  // ---- outbox ----------------------------------------------------------------------------------

  async putOutbox(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // One row per id (the last wins), as ON CONFLICT may not touch a row twice in one statement.
    const byId = new Map(messages.map((m) => [m.id, m]));
    await this.rows(
      `INSERT INTO ${this.s}.outbox (id, key, deal_id, status, next_attempt_at, doc)
       SELECT m->>'id', m->>'key', m->>'dealId', m->>'status', (m->>'nextAttemptAt')::timestamptz, m
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(m, n) ORDER BY n
       ON CONFLICT (id) DO UPDATE SET key = excluded.key, deal_id = excluded.deal_id, status = excluded.status,
         next_attempt_at = excluded.next_attempt_at, doc = excluded.doc`,
      [JSON.stringify([...byId.values()])],
    );
    for (const m of byId.values()) if (m.status === 'pending') this.wake(m.nextAttemptAt);
  }

  async dueOutbox(until: string, limit: number): Promise<OutboxMessage[]> {
    return docs<OutboxMessage>(
      await this.rows(
        `SELECT doc::text AS doc FROM ${this.s}.outbox WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz ORDER BY next_attempt_at, seq LIMIT $2`,
        [until, limit],
      ),
    );
  }

  async nextOutboxDueAt(): Promise<string | undefined> {
    const rows = await this.rows(
      `SELECT doc->>'nextAttemptAt' AS due FROM ${this.s}.outbox WHERE status = 'pending' ORDER BY next_attempt_at, seq LIMIT 1`,
    );
    return (rows[0]?.due as string | undefined) ?? undefined;
  }

  async claimDueOutbox(until: string, limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    const rows = await this.rows(
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
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = $1 AND lease_token = $2 FOR UPDATE`, [id, token]);
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
    return docs<OutboxMessage>(await this.rows(`SELECT doc::text AS doc FROM ${this.s}.outbox ${filter} ORDER BY seq`, params));
  }

  /** Locks the message: features read a message to change it (digests, dead-letter retries). */
  async getOutbox(id: string): Promise<OutboxMessage | undefined> {
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.outbox WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? doc<OutboxMessage>(rows[0].doc) : undefined;
  }

  // ---- records and meta --------------------------------------------------------------------------

  async putRecord(record: StoredRecord): Promise<void> {
    await this.rows(
      `INSERT INTO ${this.s}.records (kind, id, deal_id, at, doc) VALUES ($1, $2, $3, $4::timestamptz, $5::jsonb)
       ON CONFLICT (kind, id) DO UPDATE SET deal_id = excluded.deal_id, at = excluded.at, doc = excluded.doc`,
      [record.kind, record.id, record.dealId, record.at, JSON.stringify(record)],
    );
  }

  /** Locks the record: features read a record to change it (an approval decided, a task closed). */
  async getRecord(kind: string, id: string): Promise<StoredRecord | undefined> {
    const rows = await this.rows(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 AND id = $2 FOR UPDATE`, [kind, id]);
    return rows[0] ? doc<StoredRecord>(rows[0].doc) : undefined;
  }

  async listRecords(kind: string, query: { dealId?: string } = {}): Promise<StoredRecord[]> {
    const rows =
      query.dealId === undefined
        ? await this.rows(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 ORDER BY seq`, [kind])
        : await this.rows(`SELECT doc::text AS doc FROM ${this.s}.records WHERE kind = $1 AND deal_id = $2 ORDER BY seq`, [kind, query.dealId]);
    return docs<StoredRecord>(rows);
  }

  /** Locks the key: features keep read-modify-write pointers here (a recipient's open digest). */
  async getMeta(key: string): Promise<Json | undefined> {
    const rows = await this.rows(`SELECT value::text AS value FROM ${this.s}.meta WHERE key = $1 FOR UPDATE`, [key]);
    return rows[0] ? doc<Json>(rows[0].value) : undefined;
  }

  async putMeta(key: string, value: Json): Promise<void> {
    await this.rows(`INSERT INTO ${this.s}.meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
      key,
      JSON.stringify(value),
    ]);
  }
}

/**
 * Opens the SQL store: on the client you pass, or on PGlite in `dataDir`, or on a new `pg` Pool to
 * `connectionString` (in that order), then applies pending migrations under an advisory lock.
 */
export async function createSqlStorage(options: SqlStorageOptions = {}): Promise<SqlStorage> {
  const { driver, close } = await connect(options);
  const storage = new SqlStorage(driver, { ...options, close });
  if (options.migrate ?? true) {
    try {
      await migrate(driver, storage.schema);
    } catch (error) {
      await close?.();
      throw error;
    }
  }
  return storage;
}

async function connect(options: SqlStorageOptions): Promise<{ driver: SqlDriver; close?: () => Promise<void> }> {
  if (options.client !== undefined) return { driver: toDriver(options.client) };
  if (options.dataDir !== undefined) {
    const { PGlite } = await importPeer<typeof import('@electric-sql/pglite')>('@electric-sql/pglite', 'dataDir');
    const db = await PGlite.create(options.dataDir);
    return { driver: toDriver(db), close: () => db.close() };
  }
  if (options.connectionString !== undefined) {
    const pg = await importPeer<{ default?: { Pool: typeof import('pg').Pool }; Pool?: typeof import('pg').Pool }>('pg', 'connectionString');
    const Pool = (pg.Pool ?? pg.default?.Pool)!;
    const pool = new Pool({ connectionString: options.connectionString });
    // An idle client's network error must not crash the host; the next query reports it.
    pool.on('error', () => undefined);
    return { driver: toDriver(pool), close: () => pool.end() };
  }
  throw new DealflowError('INVALID_CONFIG', 'createSqlStorage needs one of: client (a pg Pool or PGlite), dataDir (embedded PGlite), connectionString');
}

async function importPeer<T>(name: string, option: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new DealflowError('INVALID_CONFIG', `the ${option} option needs the optional peer dependency ${name}; install it: npm install ${name}`, {
      cause: error,
    });
  }
}
