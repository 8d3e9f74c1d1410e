import { DealflowError } from '../model/errors.js';
import type { PreparedSet } from './statements.js';

/** What the SQL store needs from a connection: one parameterised query at a time. */
export interface SqlQueryable {
  /**
   * Runs one statement with `$1`, `$2`, … bound to `params` and resolves to its rows. The store
   * passes every value as a parameter, never spliced into the text.
   */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /**
   * Optional: several statements without parameters in one round trip (the simple query
   * protocol), resolving to each one's rows. Without it the store sends them one by one.
   */
  script?(sql: string): Promise<Array<{ rows: Record<string, unknown>[] }>>;
}

/** A connection checked out for one transaction the store drives itself (BEGIN and COMMIT ride along with its first and last statements). */
export interface SqlConnection {
  /**
   * Sends several `;`-separated statements without parameters in one round trip (the simple
   * query protocol) and resolves to each statement's rows, in order. The store puts BEGIN in
   * front of its first script and COMMIT (or ROLLBACK) after its last.
   */
  script(sql: string): Promise<Array<{ rows: Record<string, unknown>[] }>>;
  /**
   * Hands the connection back when the transaction is over. `broken` is set when ROLLBACK itself
   * failed: the connection's state is unknown, so a pool should close it rather than reuse it.
   */
  release(broken?: Error): void;
  /**
   * Optional: the named statements prepared on this connection (the same set each time the pool
   * hands it out). With it the store sends its statements as EXECUTE of statements it prepared
   * once per connection, so the server plans them once; without it, as text with literal values.
   */
  readonly prepared?: PreparedSet;
}

/**
 * The driver port: run a query, run a transaction, and (optionally) listen to a channel. A PGlite
 * instance already is one; a `pg` Pool is wrapped by `poolDriver`; a host may pass its own.
 */
export interface SqlDriver extends SqlQueryable {
  /** Runs `fn` between BEGIN and COMMIT on one connection; ROLLBACK if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` for each NOTIFY on `channel`; resolves to a function that stops listening.
   * `onLost` is called (once) if the listening connection breaks: nothing more will be heard on
   * it, and the caller may listen again.
   */
  listen?(channel: string, onPayload: (payload: string) => void, onLost?: (error: Error) => void): Promise<() => Promise<void>>;
  /** Whether one connection serves everything (PGlite): concurrency buys nothing there. */
  readonly singleConnection?: boolean;
  /** Optional: a connection of its own for a transaction, so BEGIN and COMMIT cost no round trip of their own. */
  connect?(): Promise<SqlConnection>;
  /** Optional: one statement outside a transaction as a named prepared statement (the driver prepares it once per connection). */
  named?<R = Record<string, unknown>>(name: string, text: string, params: unknown[]): Promise<{ rows: R[] }>;
}

/** The parts of a `pg` Pool the store uses (duck-typed: `pg` is an optional peer dependency). */
export interface PgPoolLike {
  /**
   * Checks out a client for one transaction, or to hold LISTEN while a runner sleeps. The store
   * uses the callback form: it is called synchronously as the client is handed over, so the store
   * attaches its `'error'` listener before pg reads another message from the socket. A pool-like
   * object that only returns a promise works too (without that guarantee).
   */
  connect(callback: (error: Error | undefined, client: PgClientLike | undefined) => void): unknown;
  /** A single statement outside a transaction, on whichever client the pool has free (a config object names a prepared statement). */
  query(text: string | { name: string; text: string; values: unknown[] }, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Only read to recognise a Pool: a `pg` Pool has it, a PGlite instance or a driver does not. */
  readonly totalCount: number;
}

interface PgClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  release(destroy?: boolean | Error): void;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The parts of a PGlite instance the store uses. */
export interface PGliteLike {
  /** One parameterised statement, outside a transaction. */
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs `fn` in a transaction PGlite begins and commits (or rolls back if `fn` throws). */
  transaction<T>(fn: (tx: { query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T>;
  /** LISTEN on `channel`: wakes a runner in the same process when a transaction schedules work. */
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  /** Where the embedded database lives on disk (absent for an in-memory one). */
  readonly dataDir?: string;
  /** Resolves once the database is open; its presence is how the store tells PGlite from other drivers. */
  readonly waitReady?: Promise<void>;
}

/**
 * Anything `createSqlStorage({ client })` accepts: a `pg` Pool (for a PostgreSQL server), a PGlite
 * instance (embedded, for tests and single-process apps), or a {@link SqlDriver} of your own
 * (to reuse a host's connection handling or instrument queries). The store never closes it.
 */
export type SqlClient = PgPoolLike | PGliteLike | SqlDriver;

function isPool(c: unknown): c is PgPoolLike {
  return typeof c === 'object' && c !== null && typeof (c as PgPoolLike).connect === 'function' && typeof (c as PgPoolLike).totalCount === 'number';
}

function isTransactional(c: unknown): c is PGliteLike | SqlDriver {
  return typeof c === 'object' && c !== null && typeof (c as SqlDriver).query === 'function' && typeof (c as SqlDriver).transaction === 'function';
}

/** Accepts a `pg` Pool, a PGlite instance, or a ready driver; anything else is a configuration error. */
export function toDriver(client: unknown): SqlDriver {
  if (isPool(client)) return poolDriver(client);
  if (isTransactional(client)) {
    // PGlite has `waitReady`; it runs on one connection, so its store skips connection-level parallelism.
    const single = (client as SqlDriver).singleConnection ?? 'waitReady' in client;
    const c = client as SqlDriver;
    const pglite = typeof (client as { exec?: unknown }).exec === 'function';
    return {
      query: (text, params) => c.query(text, params),
      // PGlite's transaction object runs several statements at once with exec().
      transaction: pglite
        ? (fn) =>
            c.transaction((tx) =>
              fn({ query: (text, params) => tx.query(text, params) as never, script: (sql: string) => (tx as unknown as PGliteExec).exec(sql) }),
            )
        : (fn) => c.transaction(fn),
      // PGlite's third argument is a transaction, and its in-process channel cannot break; a host driver gets `onLost`.
      ...(typeof c.listen === 'function'
        ? {
            listen: pglite
              ? (channel: string, cb: (p: string) => void) => c.listen!(channel, cb)
              : (channel: string, cb: (p: string) => void, onLost?: (error: Error) => void) => c.listen!(channel, cb, onLost),
          }
        : {}),
      singleConnection: single,
    };
  }
  throw new DealflowError(
    'INVALID_CONFIG',
    'the SQL store needs a pg Pool, a PGlite instance, or a driver with query(text, params) and transaction(fn); got ' +
      (client === null ? 'null' : typeof client),
  );
}

interface PGliteExec {
  exec(sql: string): Promise<Array<{ rows: Record<string, unknown>[] }>>;
}

/** A pg result of a simple query: one Result, or an array of them for several statements. */
function results(r: unknown): Array<{ rows: Record<string, unknown>[] }> {
  return (Array.isArray(r) ? r : [r]) as Array<{ rows: Record<string, unknown>[] }>;
}

/**
 * A client checked out of a Pool, with an `'error'` listener for as long as it is out. pg-pool
 * listens on idle clients only: a backend terminated while a client is checked out (waiting on a
 * lock, or idle in a transaction while the engine awaits the Directory) emits `'error'` on the
 * client, and with no listener Node ends the process. The listener keeps the error, so the client
 * goes back to the pool as broken (destroyed, not reused), and the next statement fails instead.
 */
async function checkout(
  pool: PgPoolLike,
  onLost?: (error: Error) => void,
): Promise<{ client: PgClientLike; lost(): Error | undefined; release(error?: Error): void }> {
  let lost: Error | undefined;
  const listener = (error: Error) => {
    if (lost) return;
    lost = error;
    onLost?.(error);
  };
  // Not `await pool.connect()`: pg-pool removes its idle listener as it hands a client over, and
  // pg parses every message of a TCP chunk in one go. A backend terminated just as its connection
  // opened sends ReadyForQuery and the FATAL error in one chunk: the FATAL is emitted before a
  // promise's continuation could attach a listener, and the host process ends (seen in CI with a
  // runner through a server restart). The callback runs between the two messages.
  const client = await new Promise<PgClientLike>((resolve, reject) => {
    let handed = false;
    const take = (client: PgClientLike) => {
      if (handed) return;
      handed = true;
      client.on('error', listener);
      resolve(client);
    };
    const promised = pool.connect((error, client) => (error || !client ? reject(error ?? new Error('the pool handed over no client')) : take(client)));
    if (isThenable(promised)) promised.then(take, reject);
  });
  let released = false;
  return {
    client,
    lost: () => lost,
    release(error?: Error) {
      if (released) return;
      released = true;
      const broken = error ?? lost;
      // A kept client loses the listener (the pool's own takes over while it idles); a broken one
      // keeps it, since pg reports the dead socket more than once (the server's FATAL message,
      // then the closed socket) and the pool destroys the client without listening to it.
      if (!broken) client.removeListener('error', listener);
      client.release(broken);
    },
  };
}

/** What each pooled client has prepared, kept as long as the client lives. */
const preparedOn = new WeakMap<object, PreparedSet>();

/** Wraps a `pg` Pool: each transaction checks out one client; LISTEN holds one client while listening. */
export function poolDriver(pool: PgPoolLike): SqlDriver {
  return {
    async connect() {
      const held = await checkout(pool);
      let prepared = preparedOn.get(held.client);
      if (!prepared) preparedOn.set(held.client, (prepared = { names: new Set(), dirty: false }));
      return {
        script: async (sql: string) => results(await held.client.query(sql)),
        release: (broken?: Error) => held.release(broken),
        prepared,
      };
    },
    query: (text, params) => pool.query(text, params) as never,
    named: (name, text, params) => pool.query({ name, text, values: params } as never) as never,
    async transaction(fn) {
      const held = await checkout(pool);
      const { client } = held;
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client as SqlQueryable);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is gone; do not hand it back to the pool.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        held.release(broken);
      }
    },
    async listen(channel, onPayload, onLost) {
      const held = await checkout(pool, onLost);
      const { client } = held;
      client.on('notification', (msg) => {
        if (msg.channel === channel) onPayload(msg.payload ?? '');
      });
      try {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        held.release(error as Error);
        throw error;
      }
      return async () => {
        try {
          if (!held.lost()) await client.query(`UNLISTEN ${quoteIdent(channel)}`);
        } finally {
          held.release();
        }
      };
    },
  };
}

/** Quotes an identifier that was already validated as a plain lower-case name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function isThenable(v: unknown): v is Promise<PgClientLike> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
