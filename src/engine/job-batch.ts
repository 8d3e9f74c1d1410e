import type { CoreInput, Outcome } from '../core/transition.js';
import type { DealSnapshot, Job, AnyHistoryEntry, StoredRecord } from '../core/types.js';
import { toIsoString } from '../core/time/iso.js';
import type { DealflowError } from '../model/errors.js';
import type { IdGenerator } from '../ports/ids.js';
import type { ClaimedJobView, Storage, StorageTx } from '../ports/storage.js';
import type { JobRunResult } from '../ports/telemetry.js';
import { jobFailedResult, jobRunResult } from './telemetry.js';

/** What one claimed job came to: `skipped` when its lease no longer held (it ran, was cancelled or was claimed again). */
export type JobResult = 'ran' | 'failed' | 'skipped';

/** What a batch needs from the engine: the pure decision and the writer, both as the engine runs them for commands. */
export interface JobBatchDeps {
  storage: Storage;
  ids: IdGenerator;
  /** The record kinds core features read: the part of a deal's records its snapshot carries. */
  recordKinds: ReadonlyArray<string>;
  decide(before: DealSnapshot, input: CoreInput, now: Date): Outcome | Promise<Outcome>;
  /**
   * The decided outcome's effects made final by the core, after loading what they read
   * (Directory records, open digests) through `tx`. Outside the catch that drops a job whose
   * rules threw: a failure here is the store's or the Directory's, and rolls the batch back.
   */
  finalize(tx: StorageTx, before: DealSnapshot, out: Outcome, now: Date): Outcome | Promise<Outcome>;
  write(tx: StorageTx, before: DealSnapshot, out: Outcome, now: Date): Promise<void>;
  /**
   * Tells telemetry how each job of a part ended, once the part committed (absent: no telemetry).
   * A job's span marks its outcome; the part's transaction is shared by its jobs, so its time is
   * not any one job's.
   */
  reportJob?(job: Job, now: Date, result: JobRunResult): Promise<void>;
}

/** A batch's results, in claim order, and the log entries to announce once it committed. */
export interface JobBatchResult {
  results: JobResult[];
  announce: AnyHistoryEntry[];
}

/** A part's results with what telemetry hears of each job that ran or failed. */
interface PartResult extends JobBatchResult {
  reports: Array<{ job: Job; result: JobRunResult }>;
}

/**
 * Runs claimed jobs as one transaction: their deals locked in id order and their views read
 * together (one round trip where the store can), each job re-checked by its own pure transition
 * against its locked deal, in claim (due) order, every effect written together at commit. A job
 * whose rules throw is dropped with its own `job.failed` entry and the others commit; a storage
 * failure rolls the whole batch back (nothing written) and rejects, so the caller retries it.
 * Claims hold at most one job per deal (each deal's earliest); should one hold more, the batch is
 * cut where a deal repeats, so each job is decided on a view that includes its predecessor's writes.
 */
export async function runJobBatch(deps: JobBatchDeps, claims: ReadonlyArray<Job>, token: string, now: Date): Promise<JobBatchResult> {
  const results: JobResult[] = [];
  const announce: AnyHistoryEntry[] = [];
  for (let start = 0; start < claims.length; ) {
    const seen = new Set<string>();
    let end = start;
    while (end < claims.length && !seen.has(claims[end]!.dealId)) seen.add(claims[end++]!.dealId);
    const part = await deps.storage.transaction((tx) => runPart(deps, tx, claims.slice(start, end), token, now));
    results.push(...part.results);
    announce.push(...part.announce);
    if (deps.reportJob) for (const r of part.reports) await deps.reportJob(r.job, now, r.result);
    start = end;
  }
  return { results, announce };
}

async function runPart(deps: JobBatchDeps, tx: StorageTx, claims: ReadonlyArray<Job>, token: string, now: Date): Promise<PartResult> {
  const views = tx.lockClaimedJobs ? await tx.lockClaimedJobs(claims, token) : await lockOneByOne(tx, claims, token, deps.recordKinds);
  const results: JobResult[] = [];
  const announce: AnyHistoryEntry[] = [];
  const reports: PartResult['reports'] = [];
  for (const claim of claims) {
    const view = views.get(claim.id);
    if (!view) {
      results.push('skipped');
      continue;
    }
    const before = snapshotOf(view, deps.recordKinds);
    let out: Outcome;
    try {
      out = await deps.decide(before, { type: 'job', job: view.job }, now);
    } catch (error) {
      // The job's own rules threw: retrying cannot help. Drop it with a record of why; the rest of the batch commits.
      await tx.removeJob(view.job.id);
      const entry: AnyHistoryEntry = {
        id: deps.ids.next('log'),
        at: toIsoString(now.getTime()),
        dealId: view.job.dealId,
        type: 'job.failed',
        ruleId: view.job.ruleId,
        data: { jobId: view.job.id, actionId: view.job.actionId, code: (error as DealflowError).code ?? null, error: (error as Error).message },
      };
      await tx.appendLog([entry]);
      announce.push(entry);
      if (deps.reportJob) reports.push({ job: view.job, result: jobFailedResult(entry) });
      results.push('failed');
      continue;
    }
    out = await deps.finalize(tx, before, out, now);
    await deps.write(tx, before, out, now);
    for (const e of out.effects) if (e.type === 'log') announce.push(e.entry);
    if (deps.reportJob) reports.push({ job: view.job, result: jobRunResult(view.job, out.effects) });
    results.push('ran');
  }
  return { results, announce, reports };
}

/** For stores without `lockClaimedJobs`: job by job, deals in id order as the batch statement takes them. */
async function lockOneByOne(
  tx: StorageTx,
  claims: ReadonlyArray<Job>,
  token: string,
  recordKinds: ReadonlyArray<string>,
): Promise<Map<string, ClaimedJobView>> {
  const out = new Map<string, ClaimedJobView>();
  const ordered = [...claims].sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
  for (const claim of ordered) {
    const job = await tx.getClaimedJob(claim.id, token);
    if (!job) continue;
    const deal = await tx.getDeal(job.dealId);
    if (!deal) {
      out.set(claim.id, { job, deal, jobs: [], enrolments: {}, records: [] });
      continue;
    }
    // One after the other: every store answers these from what getDeal loaded.
    const jobs = await tx.pendingJobs(job.dealId);
    const enrolments = await tx.getEnrolments(job.dealId);
    const records: StoredRecord[] = [];
    for (const kind of recordKinds) records.push(...(await tx.listRecords(kind, { dealId: job.dealId })));
    out.set(claim.id, { job, deal, jobs, enrolments, records });
  }
  return out;
}

/** The snapshot the core sees: the deal's view with the records of the kinds features read. */
function snapshotOf(view: ClaimedJobView, recordKinds: ReadonlyArray<string>): DealSnapshot {
  if (!view.deal) return { deal: null, jobs: [], enrolments: {} };
  const snapshot: DealSnapshot = { deal: view.deal, jobs: view.jobs, enrolments: view.enrolments };
  if (recordKinds.length > 0 && view.records.length > 0) {
    // Kind by kind, each in storage order: as the engine loads a command's snapshot.
    const records: StoredRecord[] = [];
    for (const kind of recordKinds) for (const r of view.records) if (r.kind === kind) records.push(r);
    if (records.length > 0) snapshot.records = records;
  }
  return snapshot;
}
