import { isoToMs } from '../core/time/iso.js';
import type { Job } from '../core/types.js';
import { DueHeap } from './due-heap.js';

/**
 * Pending jobs in memory: by id, by deal, and in a min-heap keyed by (due time, sequence)
 * (src/memory/due-heap.ts). Cancelling a job removes it from the maps only; its heap entry goes
 * stale and is dropped when it reaches the top, so no cancellation scans the heap. An entry is
 * live while the map still holds that very job object: a job replaced by a newer version of
 * itself leaves its old entry stale too.
 */
export class JobQueue {
  readonly byId = new Map<string, Job>();
  private readonly byDeal = new Map<string, Job[]>();
  private readonly heap = new DueHeap<Job>((job) => this.byId.get(job.id) === job);
  private seq = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Job | undefined {
    return this.byId.get(id);
  }

  forDeal(dealId: string): Job[] {
    return this.byDeal.get(dealId)?.slice() ?? [];
  }

  /** Adds a job, replacing any with the same id. */
  add(job: Job): void {
    if (this.byId.has(job.id)) this.remove(job.id);
    this.byId.set(job.id, job);
    const list = this.byDeal.get(job.dealId);
    if (list) list.push(job);
    else this.byDeal.set(job.dealId, [job]);
    this.heap.push(isoToMs(job.dueAt), ++this.seq, job);
  }

  remove(id: string): Job | undefined {
    const job = this.byId.get(id);
    if (!job) return undefined;
    this.byId.delete(id);
    const list = this.byDeal.get(job.dealId)!;
    list.splice(list.indexOf(job), 1);
    if (list.length === 0) this.byDeal.delete(job.dealId);
    return job;
  }

  /**
   * Live jobs due at or before `until`, earliest first, left in the queue. `accept` may pass over
   * some (they still count as seen, not as taken), or end the look with `'stop'`. At most `limit`
   * are returned.
   */
  due(until: string, limit: number, accept?: (job: Job) => boolean | 'stop'): Job[] {
    return this.heap.take(isoToMs(until), limit, accept);
  }

  /** The earliest live job, left in the queue. */
  next(): Job | undefined {
    return this.heap.peek();
  }
}
