import { DealflowError } from '../model/errors.js';
import type { Logger } from '../ports/logger.js';

/**
 * How a runner claims and paces work; every field is optional. Tune `concurrency` and `batchSize`
 * for throughput, `leaseMs` for how soon another runner takes over a crashed one's work, and
 * `onError` to route failures to your own logging.
 */
export interface RunnerOptions {
  /**
   * How many claimed batches run at once, of jobs and (separately) of deliveries; within a
   * delivery batch, how many sends are in flight. Default 4.
   */
  concurrency?: number;
  /**
   * How long a claim lasts, in ms, measured on the store's clock. A runner that dies holds its
   * work this long; another claims it after. A live runner renews what it holds (queued or in
   * flight) every third of it. Default 30 s.
   */
  leaseMs?: number;
  /** The longest sleep between looks at the store, in ms (a wake-up or the next due time ends it sooner). Default 1 s. */
  pollIntervalMs?: number;
  /** The name this runner claims under. Default `<host>:<pid>:<random>`. */
  owner?: string;
  /** Waits after failures (the store unreachable, a job whose transaction failed): doubled per failure from `baseMs` up to `maxMs`. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * How many items one claim may take (of each kind). A claim of jobs runs as one batch: one
   * transaction that locks the batch's deals, re-checks each job and writes every effect
   * (docs/runner.md); a claim of deliveries is sent, then recorded in one transaction. Default 100.
   */
  batchSize?: number;
  /** How long `stop()` waits for work in flight, in ms. Default 10 s. */
  stopTimeoutMs?: number;
  /**
   * Problems the store's log cannot hold because the store is what failed (or a lease was lost).
   * Default: `logger.error`.
   */
  onError?: (error: unknown, context: RunnerErrorContext) => void;
  /**
   * Where the runner says what it does: each failure (`error`, with the RunnerErrorContext's
   * fields and `err`), each batch (`debug`). Default: failures to stderr, nothing else.
   */
  logger?: Logger;
}

/**
 * What the runner was doing when a failure reached `onError`, so a handler can tell a store outage
 * (`claim`, `renew`) from one job or delivery that could not be recorded, and log or alert on it.
 */
export interface RunnerErrorContext {
  /**
   * `claim`: asking the store for due work; `job` / `delivery`: running one claimed item (the
   * store, not the action, failed); `renew`: extending leases; `watch`: listening for the store's
   * wake-ups (LISTEN) failed or the connection was lost: the runner polls meanwhile and listens
   * again after `retryInMs`. A lost database is a `STORAGE_UNAVAILABLE` DealflowError.
   */
  during: 'claim' | 'job' | 'delivery' | 'renew' | 'watch';
  /** The job or outbox message concerned, when there is one. */
  id?: string;
  /** Every job or message of a failed batch of more than one, in claim order (`id` is the first). */
  ids?: string[];
  /** How many times in a row this failed (a job here, claiming, listening). */
  attempt?: number;
  /** For a failed job: how long it stays claimed here before any runner may try it again; for `claim` and `watch`: when the runner tries again. */
  retryInMs?: number;
}

/**
 * Running totals since `start()`, on `runner.stats`: cheap to read from a health check or a
 * metrics exporter to see that a runner is doing work and how much of it fails.
 */
export interface RunnerStats {
  /** Scheduled jobs this runner ran to completion. */
  jobsRun: number;
  /** Jobs whose own cascade threw: dropped with a `job.failed` log entry, not retried (retrying cannot help). */
  jobsFailed: number;
  /** Claimed jobs another process ran or cancelled first, or that were claimed again after the lease ran out. */
  jobsSkipped: number;
  /** Outbox messages the notifier accepted. */
  delivered: number;
  /** Delivery attempts the notifier rejected; the outbox retries them later or dead-letters them. */
  deliveriesFailed: number;
  /** Claimed messages already delivered or claimed again by another runner when this one got to them. */
  deliveriesSkipped: number;
  /** Runner-level failures reported to `onError`. */
  errors: number;
}

export function positive(n: number, name: string): number {
  if (!(typeof n === 'number' && n > 0 && Number.isFinite(n)))
    throw new DealflowError('INVALID_CONFIG', `runner option ${name} must be a positive number of ms, got ${String(n)}`);
  return n;
}

export function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new DealflowError('INVALID_CONFIG', `runner option ${name} must be a whole number of at least 1, got ${String(n)}`);
  return n;
}
