import type { Job, OutboxMessage } from '../core/types.js';
import type { LeaseRequest } from './storage.js';

/**
 * What to claim: work due at or before `until`, at most `limit` items, under `lease`.
 * `only` narrows the claim to these ids (a command delivering what it just wrote); `ordered`
 * stops a job claim at the first job it cannot take in due order, so one caller running claims
 * back to back (`runDue`) fires jobs in exactly their due order. An ordered claim may also hold
 * the jobs right behind a deal's earliest in due order (the in-memory store's does): its caller
 * runs them one after the other, each on its deal as the one before it left it.
 */
export interface ClaimRequest extends LeaseRequest {
  until: string;
  limit: number;
  only?: ReadonlyArray<string>;
  ordered?: boolean;
}

/**
 * The port for due work, separate from the deal store: scheduled jobs and outbox deliveries are
 * claimed in batches under a lease, the lease renewed while the work runs and given back when it
 * stops. Completing work is not here: a claimed job completes in the deal store's transaction
 * that runs it (fenced by the lease token), a delivery in the one that records its outcome.
 * InMemoryStorage and SqlStorage implement it; the runner and `runDue` depend on nothing else
 * to find work.
 */
export interface WorkQueue {
  /**
   * Leases due jobs: not leased, or whose lease ran out, and never one in `skip`. Only each deal's
   * earliest pending job is claimable, so a deal's jobs run in due order whoever claims them; a
   * claim therefore holds at most one job per deal (an `ordered` one may hold more). Earliest first.
   */
  claimJobs(request: ClaimRequest): Promise<Job[]>;
  /** Leases pending outbox messages due by `until`, oldest first (digests are sealed by whoever sends them). */
  claimDeliveries(request: ClaimRequest): Promise<OutboxMessage[]>;
  /** Extends the leases `token` holds on these ids (all its leases without ids) to `ms` from now; how many it still holds. */
  renewLeases(token: string, ms: number, ids?: string[]): Promise<number>;
  /** Gives back the leases `token` holds on these ids (all without), so anyone may claim them at once. */
  releaseLeases(token: string, ids?: string[]): Promise<void>;
  /** The earliest time any job or pending delivery comes due, leased or not; undefined when there is none. */
  nextDueAt(): Promise<string | undefined>;
  /**
   * Calls `onDue` with the earliest due time a committed transaction wrote (jobs scheduled,
   * deliveries queued), in this process and, where the store can tell, in others; resolves to a
   * function that stops watching, or undefined when the store cannot tell (poll instead). If the
   * watch breaks, `onLost` is called once; watch again.
   */
  watch?(onDue: (dueAt: string) => void, onLost?: (error: Error) => void): Promise<(() => Promise<void>) | undefined>;
}

/** Whether a store implements the port itself (InMemoryStorage, SqlStorage do). */
export function isWorkQueue(value: unknown): value is WorkQueue {
  const v = value as Partial<WorkQueue> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.claimJobs === 'function' && typeof v.claimDeliveries === 'function' && typeof v.nextDueAt === 'function'
  );
}
