import type { Job, OutboxMessage } from '../core/types.js';
import { toIsoString } from '../core/time/iso.js';
import type { IdGenerator } from '../ports/ids.js';
import type { LeaseRequest } from '../ports/storage.js';
import type { WorkQueue } from '../ports/work-queue.js';
import type { Announcer } from './announcer.js';
import type { Delivery } from './delivery.js';
import type { CommandExecutor } from './executor.js';
import { runJobBatch, type JobBatchDeps, type JobResult } from './job-batch.js';

/** What one `runDue` call did: jobs run, jobs that failed, and outbox messages delivered. */
export interface RunDueResult {
  jobsRun: number;
  jobsFailed: number;
  delivered: number;
}

/** What due work runs on: the work queue, the job-batch and delivery code, and the executor's clock and queue. */
export interface DueWorkDeps {
  work: WorkQueue;
  ids: IdGenerator;
  executor: CommandExecutor;
  delivery: Delivery;
  announcer: Announcer;
  /** The job batch's decide and write steps: the executor's, as commands run them. */
  batch: JobBatchDeps;
  /** How long `runDue`'s claim on a batch of jobs lasts (its transaction gives it back). */
  jobLeaseMs: number;
}

/** How many due jobs one `runDue` claim takes: one transaction each. */
const RUN_DUE_BATCH = 100;

/**
 * Due jobs and deliveries: `runDue` for an engine on its own, and the claim API runners use
 * (src/runner). Jobs run through src/engine/job-batch.ts, deliveries through src/engine/delivery.ts;
 * this module claims, runs and announces. The documentation of each is on the Engine method.
 */
export class DueWork {
  constructor(private readonly deps: DueWorkDeps) {}

  runDue(): Promise<RunDueResult> {
    const { executor, work } = this.deps;
    return executor.exclusive(async () => {
      const now = executor.readClock();
      const until = toIsoString(now.getTime());
      let jobsRun = 0;
      let jobsFailed = 0;
      for (;;) {
        const lease = { owner: 'engine', token: this.deps.ids.next('lease'), ms: this.deps.jobLeaseMs, until, limit: RUN_DUE_BATCH, ordered: true };
        const claimed = await work.claimJobs(lease);
        if (claimed.length === 0) break;
        let results: JobResult[];
        try {
          results = await this.runBatch(claimed, lease.token, now);
        } catch (error) {
          await work
            .releaseLeases(
              lease.token,
              claimed.map((j) => j.id),
            )
            .catch(() => undefined);
          throw error;
        }
        for (const r of results) {
          if (r === 'ran') jobsRun++;
          else if (r === 'failed') jobsFailed++;
        }
      }
      const { delivered } = await executor.deliver(now);
      return { jobsRun, jobsFailed, delivered };
    });
  }

  async claimJobs(limit: number, lease: LeaseRequest): Promise<Job[]> {
    const until = toIsoString(this.deps.executor.readClock().getTime());
    return this.deps.work.claimJobs({ ...lease, until, limit });
  }

  async claimDeliveries(limit: number, lease: LeaseRequest): Promise<OutboxMessage[]> {
    const until = toIsoString(this.deps.executor.readClock().getTime());
    return this.deps.work.claimDeliveries({ ...lease, until, limit });
  }

  async runJobs(jobs: ReadonlyArray<Job>, token: string): Promise<JobResult[]> {
    await this.deps.executor.resumeIds();
    return this.runBatch(jobs, token, this.deps.executor.readClock());
  }

  async deliverMessages(messages: ReadonlyArray<OutboxMessage>, token: string, concurrency: number): Promise<Array<'delivered' | 'failed' | 'skipped'>> {
    await this.deps.executor.resumeIds();
    const recorded = await this.deps.delivery.deliverBatch(messages, token, this.deps.executor.readClock(), concurrency, concurrency);
    return recorded.map((entries) => {
      for (const e of entries) this.deps.announcer.announceEntry(e);
      const type = entries[0]?.type;
      return type === undefined ? 'skipped' : type === 'outbox.delivered' ? 'delivered' : 'failed';
    });
  }

  deliverOutbox(): Promise<number> {
    const { executor } = this.deps;
    return executor.exclusive(async () => (await executor.deliver(executor.readClock())).delivered);
  }

  async nextDueAt(): Promise<Date | undefined> {
    const first = await this.deps.work.nextDueAt();
    return first === undefined ? undefined : new Date(first);
  }

  private async runBatch(jobs: ReadonlyArray<Job>, token: string, now: Date): Promise<JobResult[]> {
    const { results, announce } = await runJobBatch(this.deps.batch, jobs, token, now);
    for (const e of announce) this.deps.announcer.announceEntry(e);
    return results;
  }
}
