import { DealflowError } from '../model/errors.js';

/**
 * SQLSTATEs that mean the session is gone or the server cannot serve it now, rather than that a
 * statement was wrong: class 08 (connection exception), 57P01-57P03 (the backend was terminated, the
 * server crashed or is starting up or shutting down), 53300 (no connection slot free).
 */
const LOST_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Node's socket errors: the server is not there, or the network dropped the connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * What `pg` and PGlite say when a connection ended or cannot be used (no SQLSTATE comes with
 * these): the socket closed, a client that already failed is used again, the pool timed out
 * connecting, or the PGlite instance was closed.
 */
const LOST_MESSAGES = [/^Connection terminated/, /is not queryable/, /^timeout exceeded when trying to connect/, /^Connection ended/, /PGlite is closed/];

/**
 * Whether `error` says the database connection is lost or cannot be had, as opposed to a
 * statement failing: the command cannot have been applied by this session (unless the break came
 * while committing), and retrying once the server is back is the remedy.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (e.code.startsWith('08') || LOST_STATES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
  // Node reports a refused connection to several addresses (IPv4 and IPv6) as an AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isConnectionLoss)) return true;
  return typeof e.message === 'string' && LOST_MESSAGES.some((re) => re.test(e.message as string));
}

/**
 * The typed error for a lost database: `STORAGE_UNAVAILABLE`, the driver's error as `cause`, and
 * a message that says what happened to the command and what to do. `during` names the step.
 */
export function storageUnavailable(cause: unknown, during: 'command' | 'watch' | 'open'): DealflowError {
  const message = (cause as { message?: unknown })?.message;
  const reason = typeof message === 'string' && message !== '' ? message : String(cause);
  const sqlState = (cause as { code?: unknown })?.code;
  let what: string;
  if (/PGlite is closed/.test(reason))
    what = 'the embedded PGlite database was closed, so this store cannot be used any more; open it again with createSqlStorage';
  else if (during === 'command')
    what =
      'the database connection was lost or could not be opened: the call was rolled back, unless the connection broke while committing; retry it once the database answers again (expectedVersion makes a retried update safe)';
  else if (during === 'watch') what = 'the connection listening for due work was lost; listen again (a runner does, with backoff, and polls meanwhile)';
  else what = 'the database could not be reached while opening the store; check the connection settings and that the server is up, then open it again';
  return new DealflowError('STORAGE_UNAVAILABLE', `${what} (${reason})`, {
    cause,
    details: { during, ...(typeof sqlState === 'string' ? { code: sqlState } : {}) },
  });
}
