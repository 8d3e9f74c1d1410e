import type { Job } from './types.js';

/**
 * A deal's pending jobs during one transition, copy on write: reads go to the snapshot's own
 * array until the first change copies it, and a transition that changes no job hands the same
 * array back. (A Map built anew per transition was about a tenth of the time of one, for the two
 * or three jobs a deal has.) Lookups scan the array; a deal with more jobs than SCAN_LIMIT gets
 * an id index, rebuilt after a change. Never mutates the array it was given.
 */
export class JobTable {
  private list: Job[];
  private owned = false;
  private index: Map<string, number> | undefined;

  constructor(jobs: Job[]) {
    this.list = jobs;
  }

  get size(): number {
    return this.list.length;
  }

  get(id: string): Job | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.list[i];
  }

  /** Adds a job, or replaces the one with its id where it stands. */
  set(job: Job): void {
    const i = this.find(job.id);
    const list = this.own();
    if (i < 0) {
      list.push(job);
      this.index?.set(job.id, list.length - 1);
    } else list[i] = job;
  }

  /**
   * The table's job with `job`'s id. A due job usually is the very object the table holds (the
   * snapshot's), found by comparing references before any id: the deal's jobs are cold in memory,
   * and an id comparison reads each of them and its id string.
   */
  current(job: Job): Job | undefined {
    return this.list.indexOf(job) >= 0 ? job : this.get(job.id);
  }

  /** Removes the job with this id; false when there is none. */
  delete(id: string): boolean {
    return this.removeAt(this.find(id));
  }

  /** Removes `job` (by reference, else by its id); false when the table has no job with its id. */
  deleteJob(job: Job): boolean {
    const i = this.list.indexOf(job);
    return this.removeAt(i >= 0 ? i : this.find(job.id));
  }

  /** The jobs in order (added last, last); a copy is not made, so copy before changing the table while iterating. */
  values(): IterableIterator<Job> {
    return this.list.values();
  }

  /** The jobs of a rule, in order; a shared empty array when none (not to be changed). */
  ofRule(ruleId: string): ReadonlyArray<Job> {
    let out: Job[] | undefined;
    for (const job of this.list) if (job.ruleId === ruleId) (out ??= []).push(job);
    return out ?? NO_JOBS;
  }

  /** A copy of the jobs, to change the table while going through them. */
  copy(): Job[] {
    return this.list.slice();
  }

  /** The jobs as an array: the snapshot's own when nothing changed. */
  toArray(): Job[] {
    return this.list;
  }

  private removeAt(i: number): boolean {
    if (i < 0) return false;
    // Shifted down in place rather than spliced: splice makes an array of what it removes.
    const list = this.own();
    for (let k = i + 1; k < list.length; k++) list[k - 1] = list[k]!;
    list.pop(); // the last, now shifted down (pop is inlined; setting length is a builtin call)
    this.index = undefined;
    return true;
  }

  private own(): Job[] {
    if (!this.owned) {
      this.list = this.list.slice();
      this.owned = true;
    }
    return this.list;
  }

  private find(id: string): number {
    const list = this.list;
    if (list.length <= SCAN_LIMIT) {
      for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return i;
      return -1;
    }
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < list.length; i++) this.index.set(list[i]!.id, i);
    }
    return this.index.get(id) ?? -1;
  }
}

const SCAN_LIMIT = 16;
const NO_JOBS: ReadonlyArray<Job> = [];
