import type { Job } from '../core/types.js';

/** How many claims' documents are kept at most: a runner has `concurrency` (default 4) batches in flight. */
const KEEP = 64;

/**
 * The documents of the jobs this store claimed, by claim token, until the batch that runs them
 * commits. A job its claim still holds was not written since (every write of a job drops its
 * lease), so the batch's views need not send it again: the server sends its id and the store
 * puts back the document the claim returned. This saved the server a jsonb-to-text and the
 * runner a JSON.parse of every job, once per batch. Bounded: the oldest claims are forgotten
 * first, and a claim forgotten only costs those bytes again.
 */
export class ClaimedJobs {
  private readonly byToken = new Map<string, Map<string, Job>>();

  add(token: string, jobs: ReadonlyArray<Job>): void {
    if (jobs.length === 0) return;
    // A token reused for another claim (engine.claimJobs takes the caller's) adds to its jobs.
    const held = this.byToken.get(token);
    if (held) for (const j of jobs) held.set(j.id, j);
    else this.byToken.set(token, new Map(jobs.map((j) => [j.id, j])));
    while (this.byToken.size > KEEP) this.byToken.delete(this.byToken.keys().next().value!);
  }

  get(token: string): ReadonlyMap<string, Job> | undefined {
    return this.byToken.get(token);
  }

  forget(token: string): void {
    this.byToken.delete(token);
  }
}
