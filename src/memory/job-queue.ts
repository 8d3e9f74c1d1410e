import type { Job } from '../core/types.js';

/**
 * Pending jobs in memory: by id, by deal, and in a binary min-heap keyed by (due time, sequence).
 *
 * The heap lives in parallel arrays — the keys in one Float64Array, the jobs in one array — so an
 * entry costs 24 bytes and no object of its own. Cancelling a job removes it from the maps only;
 * its heap entry goes stale and is dropped when it reaches the top, so no cancellation scans the
 * heap. An entry is live while the map still holds that very job object: a job replaced by a newer
 * version of itself leaves its old entry stale too.
 */
export class JobQueue {
  readonly byId = new Map<string, Job>();
  private readonly byDeal = new Map<string, Job[]>();
  /** Heap keys, interleaved: [due ms, sequence] per entry. */
  private keys = new Float64Array(2048);
  private jobs: Job[] = [];
  private count = 0;
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
    this.push(Date.parse(job.dueAt), ++this.seq, job);
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
    const untilMs = Date.parse(until);
    if (limit === 1 && accept === undefined) {
      // The engine's runDue asks for the next due job, one at a time: just look at the top.
      return this.dropStale() && this.keys[0]! <= untilMs ? [this.jobs[0]!] : [];
    }
    // Entries taken off the top, put back at the end: keys in pairs and jobs side by side, not a
    // tuple per entry (the runners claim a batch per call).
    const heldKeys: number[] = [];
    const heldJobs: Job[] = [];
    const seen = new Set<Job>();
    const out: Job[] = [];
    while (out.length < limit && this.dropStale()) {
      if (this.keys[0]! > untilMs) break;
      const job = this.jobs[0]!;
      heldKeys.push(this.keys[0]!, this.keys[1]!);
      heldJobs.push(job);
      this.pop();
      // A job re-added by a rollback may have two entries; it is still one job.
      if (seen.has(job)) continue;
      seen.add(job);
      const verdict = accept ? accept(job) : true;
      if (verdict === 'stop') break;
      if (verdict) out.push(job);
    }
    for (let i = 0; i < heldJobs.length; i++) this.push(heldKeys[2 * i]!, heldKeys[2 * i + 1]!, heldJobs[i]!);
    return out;
  }

  /** The earliest live job, left in the queue. */
  next(): Job | undefined {
    return this.dropStale() ? this.jobs[0] : undefined;
  }

  /** Pops stale entries off the top; true when a live one is on top. */
  private dropStale(): boolean {
    while (this.count > 0) {
      const top = this.jobs[0]!;
      if (this.byId.get(top.id) === top) return true;
      this.pop();
    }
    return false;
  }

  private less(i: number, j: number): boolean {
    const k = this.keys;
    const a = k[2 * i]!;
    const b = k[2 * j]!;
    return a < b || (a === b && k[2 * i + 1]! < k[2 * j + 1]!);
  }

  private swap(i: number, j: number): void {
    const k = this.keys;
    const d = k[2 * i]!;
    const s = k[2 * i + 1]!;
    k[2 * i] = k[2 * j]!;
    k[2 * i + 1] = k[2 * j + 1]!;
    k[2 * j] = d;
    k[2 * j + 1] = s;
    const job = this.jobs[i]!;
    this.jobs[i] = this.jobs[j]!;
    this.jobs[j] = job;
  }

  private push(due: number, seq: number, job: Job): void {
    if (2 * this.count >= this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    let i = this.count++;
    this.keys[2 * i] = due;
    this.keys[2 * i + 1] = seq;
    this.jobs[i] = job;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = --this.count;
    if (last > 0) this.swap(0, last);
    // Keep the capacity (the heap refills), drop the reference.
    (this.jobs as Array<Job | undefined>)[last] = undefined;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
