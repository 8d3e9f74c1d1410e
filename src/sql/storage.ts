import { DealflowError } from '../model/errors.js';
import type { Storage, StorageTx } from '../ports/storage.js';
import { quoteIdent, toDriver, type PgPoolLike, type SqlClient, type SqlDriver } from './driver.js';
import { isConnectionLoss, storageUnavailable } from './errors.js';
import { NUMBERED_ID } from '../ports/ids.js';
import { migrate } from './migrations.js';
import { ConnectionSession, DriverTxSession } from './session.js';
import { ClaimedJobs } from './claimed-jobs.js';
import { SqlTx } from './tx.js';
import { inline, Statements, type Statement } from './statements.js';
import type { Job, OutboxMessage } from '../core/types.js';
import type { ClaimRequest, WorkQueue } from '../ports/work-queue.js';

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
  /**
   * At most one NOTIFY per this many ms from this store for work due no earlier than the last
   * one announced: a burst of commits wakes the runners once, not once per commit (NOTIFY takes a
   * lock at commit). Default 100.
   */
  notifyIntervalMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** The schema name as given, if it is a plain lower-case identifier; INVALID_CONFIG otherwise. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new DealflowError(
      'INVALID_CONFIG',
      `schema "${schema}" is not a plain name; use lower-case letters, digits and _ (at most 48), starting with a letter or _`,
    );
  }
  return schema;
}

/** Errors after which running the whole transaction again is the right answer. */
function isTransient(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  if (e?.code === '40001' || e?.code === '40P01') return true;
  // Two transactions created the same row at once (each had read it as missing): the loser's
  // re-run reads the winner's row (a deal id taken → CONFLICT; a digest pointer → joins that digest).
  return e?.code === '23505' && ['deals_pkey', 'outbox_pkey', 'records_pkey', 'meta_pkey'].includes(e.constraint ?? '');
}

/**
 * The storage port on PostgreSQL: a `pg` Pool against a server, or the same SQL on an embedded
 * PGlite. Documents are JSONB; the columns queries filter and sort on are kept beside them.
 * Reads of a deal lock its row (`FOR UPDATE`), so commands on one deal from many processes are
 * serialised and none is lost; jobs and deliveries are claimed with `FOR UPDATE SKIP LOCKED` and
 * a lease measured on the database's clock.
 */
export class SqlStorage implements Storage, WorkQueue {
  readonly driver: SqlDriver;
  readonly schema: string;
  /** The LISTEN/NOTIFY channel runners wake on. */
  readonly channel: string;
  private readonly q: string;
  private readonly notify: boolean;
  private readonly maxRetries: number;
  private readonly notifyIntervalMs: number;
  private lastNotify = { at: Number.NEGATIVE_INFINITY, due: '' };
  private readonly owned: (() => Promise<void>) | undefined;
  /** The statements, built for this schema. */
  private readonly st: Statements;
  /** The documents of jobs claimed here, for the batches that run them (sql/claimed-jobs.ts). */
  private readonly claimed = new ClaimedJobs();
  /** Watchers in this process, told at commit without waiting for the NOTIFY to come back. */
  private readonly local = new Set<(dueAt: string) => void>();

  /** Use `createSqlStorage`, which also migrates; this constructor only wires the driver. */
  constructor(
    driver: SqlDriver,
    options: { schema?: string; notify?: boolean; maxRetries?: number; notifyIntervalMs?: number; close?: () => Promise<void> } = {},
  ) {
    const schema = checkSchemaName(options.schema ?? 'dealflow');
    this.driver = driver;
    this.schema = schema;
    this.q = quoteIdent(schema);
    this.channel = `${schema}_due`;
    this.notify = options.notify ?? true;
    this.maxRetries = options.maxRetries ?? 5;
    this.notifyIntervalMs = options.notifyIntervalMs ?? 100;
    this.owned = options.close;
    this.st = new Statements(this.q, schema);
  }

  async transaction<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (error) {
        if (attempt < this.maxRetries && isTransient(error)) continue;
        throw translate(error);
      }
    }
  }

  private async attempt<T>(fn: (tx: StorageTx) => Promise<T>): Promise<T> {
    const finish = (tx: SqlTx) => tx.finalStatements(this.shouldNotify(tx.wakeAt) ? [this.channel, tx.wakeAt!] : undefined);
    if (this.driver.connect) {
      // A connection of our own: BEGIN and COMMIT ride along with the first and last statements.
      const session = new ConnectionSession(await this.driver.connect());
      let ok = false;
      try {
        const tx = new SqlTx(session, this.q, this.st, this.claimed);
        const result = await fn(tx);
        await session.commit(finish(tx));
        ok = true;
        this.committed(tx);
        return result;
      } finally {
        if (!ok) await session.rollback();
        session.release();
      }
    }
    let done: SqlTx | undefined;
    const result = await this.driver.transaction(async (conn) => {
      const session = new DriverTxSession(conn);
      const tx = new SqlTx(session, this.q, this.st, this.claimed);
      const result = await fn(tx);
      await session.commit(finish(tx));
      done = tx;
      return result;
    });
    this.committed(done!);
    return result;
  }

  private committed(tx: SqlTx): void {
    // The batch that ran those claims committed: their jobs are gone or rewritten.
    for (const token of tx.claimsUsed) this.claimed.forget(token);
    const wakeAt = tx.wakeAt;
    if (wakeAt === undefined || this.local.size === 0) return;
    for (const w of [...this.local]) {
      try {
        w(wakeAt);
      } catch {
        // A watcher's failure is its own; the transaction committed.
      }
    }
  }

  // ---- the work-queue port: each call one statement, outside any transaction (it is atomic on its own) ----

  /**
   * Sends one statement: on a connection of the store's own as a prepared statement of that
   * connection's set (planned once, generically: see ConnectionSession), else as a named
   * statement where the driver has them, else as text with literal values.
   */
  private async one(st: Statement): Promise<Record<string, unknown>[]> {
    try {
      if (this.driver.connect) {
        const session = new ConnectionSession(await this.driver.connect());
        try {
          return (await session.once([st]))[0]!;
        } finally {
          session.release();
        }
      }
      // Its own name: a transaction may have PREPAREd the same statement on this connection under `st.name`.
      if (this.driver.named) return (await this.driver.named(`p${st.name}`, st.text, [...st.values].map(param))).rows;
      return (await this.driver.query(inline(st))).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  /** Leases due jobs, each deal's earliest only, in one statement (see WorkQueue.claimJobs). */
  async claimJobs(request: ClaimRequest): Promise<Job[]> {
    const jobs = (await this.one(this.st.claimJobs(request))).map((r) => JSON.parse(r.doc as string) as Job);
    this.claimed.add(request.token, jobs);
    return jobs;
  }

  /** Leases due deliveries in one statement (see WorkQueue.claimDeliveries). */
  async claimDeliveries(request: ClaimRequest): Promise<OutboxMessage[]> {
    return (await this.one(this.st.claimDeliveries(request))).map((r) => JSON.parse(r.doc as string) as OutboxMessage);
  }

  async renewLeases(token: string, ms: number, ids?: string[]): Promise<number> {
    return Number((await this.one(this.st.renewLeases(token, ms, ids)))[0]?.n ?? 0);
  }

  async releaseLeases(token: string, ids?: string[]): Promise<void> {
    this.claimed.forget(token);
    await this.one(this.st.releaseLeases(token, ids));
  }

  async nextDueAt(): Promise<string | undefined> {
    const row = (await this.one(this.st.nextDue()))[0];
    const job = (row?.job as string | null | undefined) ?? undefined;
    const message = (row?.message as string | null | undefined) ?? undefined;
    if (job === undefined) return message;
    if (message === undefined) return job;
    return Date.parse(job) <= Date.parse(message) ? job : message;
  }

  private shouldNotify(due: string | undefined): boolean {
    if (!this.notify || due === undefined) return false;
    const now = Date.now();
    if (now - this.lastNotify.at < this.notifyIntervalMs && this.lastNotify.due <= due) return false;
    this.lastNotify = { at: now, due };
    return true;
  }

  /**
   * Calls `onDue` when another transaction schedules work, with the earliest due time it wrote.
   * Undefined when the driver cannot LISTEN; the runner then polls. If the listening connection
   * breaks, `onLost` gets a STORAGE_UNAVAILABLE error and nothing more is heard: watch again.
   */
  async watch(onDue: (dueAt: string) => void, onLost?: (error: DealflowError) => void): Promise<(() => Promise<void>) | undefined> {
    if (!this.driver.listen) return undefined;
    let stop: () => Promise<void>;
    try {
      stop = await this.driver.listen(this.channel, onDue, onLost && ((error) => onLost(storageUnavailable(error, 'watch'))));
    } catch (error) {
      throw isConnectionLoss(error) ? storageUnavailable(error, 'watch') : error;
    }
    // This process's own commits are heard at once, not when the (throttled) NOTIFY comes back.
    const local = (dueAt: string) => onDue(dueAt);
    this.local.add(local);
    return async () => {
      this.local.delete(local);
      await stop();
    };
  }

  /**
   * The highest number per kind of numbered id (`deal-7`) anywhere in the schema: every row's
   * document, the history, leases. Read once by an engine whose IdGenerator counts; a full scan,
   * so meant for the test-sized stores SequentialIds are for.
   */
  async highestIds(): Promise<Record<string, number>> {
    const q = this.q;
    const docs = ['deals', 'enrolments', 'jobs', 'log', 'outbox', 'records'].map((t) => `SELECT doc::text AS t FROM ${q}.${t}`);
    const leases = ['jobs', 'outbox'].map((t) => `SELECT to_json(lease_token)::text FROM ${q}.${t} WHERE lease_token IS NOT NULL`);
    const sql = `SELECT m[1] AS kind, max(m[2]::bigint)::text AS n
      FROM (SELECT regexp_matches(t, '${NUMBERED_ID.source}', 'g') AS m
            FROM (${[...docs, `SELECT value::text FROM ${q}.meta`, `SELECT to_json(key)::text FROM ${q}.meta`, ...leases].join(' UNION ALL ')}) AS texts) AS found
      GROUP BY 1`;
    try {
      const { rows } = await this.driver.query<{ kind: string; n: string }>(sql);
      const out: Record<string, number> = {};
      for (const r of rows) Object.defineProperty(out, r.kind, { value: Number(r.n), enumerable: true, writable: true, configurable: true });
      return out;
    } catch (error) {
      throw translate(error);
    }
  }

  /** Closes the connection the store opened itself (from `dataDir` or `connectionString`); a client you passed stays open. */
  async close(): Promise<void> {
    await this.owned?.();
  }
}

/** A value as `pg` binds it: arrays as they are (text[]), everything else as text. */
function param(value: unknown): unknown {
  if (value === null || value === undefined || Array.isArray(value) || typeof value === 'string') return value ?? null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function translate(error: unknown): unknown {
  if (isConnectionLoss(error)) return storageUnavailable(error, 'command');
  const e = error as { code?: string; message?: string; constraint?: string; detail?: string };
  if (e?.code === '23505' && /^(deals|jobs|outbox|records)_pkey$/.test(e.constraint ?? '')) {
    // A new row whose id is taken (a read-then-create race is re-run first, so this is not one).
    const what = e.constraint!.slice(0, -5);
    return new DealflowError(
      'CONFLICT',
      `a new row's id is already taken in ${what} (${e.detail ?? e.message}), and a new row never replaces a stored one; the engine's IdGenerator made up an id in use: give engines sharing a store ids that cannot collide (UuidIds, the default), and run one SequentialIds engine per store at a time`,
      { cause: error, details: { table: what, detail: e.detail ?? null } },
    );
  }
  if (e?.code === '22P05' || e?.code === '22021') {
    return new DealflowError('INVALID_INPUT', `PostgreSQL cannot store this text (${e.message}); remove NUL characters (\\u0000)`, { cause: error });
  }
  return error;
}

/**
 * Opens the SQL store: on the client you pass, or on PGlite in `dataDir`, or on a new `pg` Pool to
 * `connectionString` (in that order), then applies pending migrations under an advisory lock.
 */
export async function createSqlStorage(options: SqlStorageOptions = {}): Promise<SqlStorage> {
  checkSchemaName(options.schema ?? 'dealflow');
  const { driver, close } = await connect(options);
  const storage = new SqlStorage(driver, { ...options, close });
  if (options.migrate ?? true) {
    try {
      await migrate(driver, storage.schema);
    } catch (error) {
      await close?.().catch(() => undefined);
      throw isConnectionLoss(error) ? storageUnavailable(error, 'open') : error;
    }
  }
  return storage;
}

async function connect(options: SqlStorageOptions): Promise<{ driver: SqlDriver; close?: () => Promise<void> }> {
  if (options.client !== undefined) {
    guardPool(options.client);
    return { driver: toDriver(options.client) };
  }
  if (options.dataDir !== undefined) {
    const { PGlite } = await importPeer<typeof import('@electric-sql/pglite')>('@electric-sql/pglite', 'dataDir');
    const db = await PGlite.create(options.dataDir);
    return { driver: toDriver(db), close: () => db.close() };
  }
  if (options.connectionString !== undefined) {
    const pg = await importPeer<{ default?: { Pool: typeof import('pg').Pool }; Pool?: typeof import('pg').Pool }>('pg', 'connectionString');
    const Pool = (pg.Pool ?? pg.default?.Pool)!;
    const pool = new Pool({ connectionString: options.connectionString });
    guardPool(pool);
    return { driver: toDriver(pool), close: () => pool.end() };
  }
  throw new DealflowError('INVALID_CONFIG', 'createSqlStorage needs one of: client (a pg Pool or PGlite), dataDir (embedded PGlite), connectionString');
}

/**
 * A `pg` Pool emits `'error'` when an idle client's connection breaks (the server restarted), and
 * Node ends a process on an `'error'` event nobody listens to. The store adds a listener that
 * ignores it (the next query on the pool reports the outage) when the pool has none of its own.
 */
function guardPool(client: unknown): void {
  const pool = client as Partial<PgPoolLike> & { on?: (event: 'error', listener: () => void) => unknown; listenerCount?: (event: string) => number };
  if (typeof pool.totalCount !== 'number' || typeof pool.on !== 'function') return;
  if (typeof pool.listenerCount === 'function' && pool.listenerCount('error') > 0) return;
  pool.on('error', () => undefined);
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
