import type { Job, OutboxMessage } from '../core/types.js';
import type { Storage, StorageTx } from '../ports/storage.js';
import type { ClaimRequest, WorkQueue } from '../ports/work-queue.js';

/**
 * The work-queue port on any Storage, through its transactions' claim and lease calls: for a
 * store that does not implement WorkQueue itself (a host's own, or a wrapper in a test). The
 * stores dealflow ships implement the port directly, in fewer round trips.
 */
export class TxWorkQueue implements WorkQueue {
  constructor(private readonly storage: Storage) {}

  claimJobs(request: ClaimRequest): Promise<Job[]> {
    return this.storage.transaction(async (tx) => {
      if (!request.only && !request.ordered) return tx.claimDueJobs(request.until, request.limit, request);
      // Narrowed or in strict due order: look first, then claim exactly those.
      const wanted = await wantedJobs(tx, request);
      if (wanted.length === 0) return [];
      const claimed = await tx.claimDueJobs(request.until, Math.max(request.limit, wanted.length) * 4, request);
      const got = new Map(claimed.map((j) => [j.id, j]));
      const out: Job[] = [];
      for (const w of wanted) {
        const job = got.get(w.id);
        // Held by someone else: an ordered claim stops there, so nothing after it runs first.
        if (!job) {
          if (request.ordered) break;
          continue;
        }
        out.push(job);
      }
      const keep = new Set(out.map((j) => j.id));
      const extra = claimed.filter((j) => !keep.has(j.id)).map((j) => j.id);
      if (extra.length > 0) await tx.releaseLeases(request.token, extra);
      return out;
    });
  }

  claimDeliveries(request: ClaimRequest): Promise<OutboxMessage[]> {
    return this.storage.transaction(async (tx) => {
      const limit = request.only ? Number.MAX_SAFE_INTEGER : request.limit;
      const claimed = await tx.claimDueOutbox(request.until, limit, request);
      if (!request.only) return claimed;
      const only = new Set(request.only);
      const extra = claimed.filter((m) => !only.has(m.id)).map((m) => m.id);
      if (extra.length > 0) await tx.releaseLeases(request.token, extra);
      return claimed.filter((m) => only.has(m.id)).slice(0, request.limit);
    });
  }

  renewLeases(token: string, ms: number, ids?: string[]): Promise<number> {
    return this.storage.transaction((tx) => tx.renewLeases(token, ms, ids));
  }

  releaseLeases(token: string, ids?: string[]): Promise<void> {
    return this.storage.transaction((tx) => tx.releaseLeases(token, ids));
  }

  async nextDueAt(): Promise<string | undefined> {
    const [job, message] = await this.storage.transaction(async (tx) => [await tx.nextJobDueAt(), await tx.nextOutboxDueAt()]);
    if (job === undefined) return message;
    if (message === undefined) return job;
    return Date.parse(job) <= Date.parse(message) ? job : message;
  }

  watch(onDue: (dueAt: string) => void, onLost?: (error: Error) => void): Promise<(() => Promise<void>) | undefined> {
    return this.storage.watch ? this.storage.watch(onDue, onLost) : Promise.resolve(undefined);
  }
}

/** The due jobs a narrowed or ordered claim may take: the prefix of the due order with no deal twice. */
async function wantedJobs(tx: StorageTx, request: ClaimRequest): Promise<Job[]> {
  const due = await tx.dueJobs(request.until, request.limit);
  const only = request.only ? new Set(request.only) : undefined;
  const skip = new Set(request.skip ?? []);
  const deals = new Set<string>();
  const out: Job[] = [];
  for (const job of due) {
    if (deals.has(job.dealId) || skip.has(job.id)) {
      if (request.ordered) break;
      continue;
    }
    deals.add(job.dealId);
    if (only && !only.has(job.id)) continue;
    out.push(job);
  }
  return out;
}
