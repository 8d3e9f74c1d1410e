import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConsoleError } from '../http.js';
import type { DryRunHistory, DryRunView } from '../views.js';
import type { DryRunJob, WorkerMessage } from './protocol.js';

declare const __filename: string | undefined;

/**
 * The worker's script. Built, it sits next to the console's entry (dist/console/dry-run-worker.js,
 * or .cjs beside index.cjs); from source (tests, `npm run console`) it is worker.ts next to this
 * file, loaded through tsx, whose hooks must be registered in the worker before it is imported.
 */
function startWorker(job: DryRunJob): Worker {
  // CommonJS has __filename; an ES module has import.meta.url (the CommonJS build never reads it).
  const here = typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    const script = new URL('./worker.ts', here).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
    return new Worker(boot, { eval: true, workerData: job });
  }
  return new Worker(new URL(here.pathname.endsWith('.cjs') ? './dry-run-worker.cjs' : './dry-run-worker.js', here), { workerData: job });
}

/** One dry run: who started it, its worker while it runs, what it said last. */
interface Run {
  id: string;
  actorId: string;
  history: DryRunHistory;
  startedAt: number;
  endedAt: number | null;
  worker: Worker | null;
  view: DryRunView;
  diff: Extract<WorkerMessage, { type: 'done' }> | null;
}

/** How long a finished run's result is kept for its owner to page through. */
const KEEP_MS = 30 * 60_000;

/**
 * The console's dry runs: each in its own worker thread, so the request thread keeps answering
 * while one runs; one at a time per user, at most `max` at once; a finished run is kept a while
 * for the user who started it (nobody else sees it), then dropped.
 */
export class DryRuns {
  private readonly runs = new Map<string, Run>();
  private next = 1;

  constructor(private readonly max: number) {}

  /** Starts a run in a new worker; refused while this user has one running or `max` are running. */
  start(actorId: string, history: DryRunHistory, job: DryRunJob): DryRunView {
    this.sweep();
    const running = [...this.runs.values()].filter((r) => r.worker !== null);
    const own = running.find((r) => r.actorId === actorId);
    if (own) throw new ConsoleError(409, 'BUSY', `your dry run ${own.id} is still running; wait for it or cancel it`);
    if (running.length >= this.max)
      throw new ConsoleError(429, 'BUSY', `${running.length} dry run(s) are running, the most this console runs at once; try again shortly`);
    // A user keeps one result: the new run replaces the last one.
    for (const r of this.runs.values()) if (r.actorId === actorId) this.runs.delete(r.id);
    const id = `dry-run-${this.next++}`;
    const worker = startWorker(job);
    // A dry run never keeps the host's process alive.
    worker.unref();
    const startedAt = Date.now();
    const run: Run = {
      id,
      actorId,
      history,
      startedAt,
      endedAt: null,
      worker,
      diff: null,
      view: {
        id,
        status: 'running',
        history,
        progress: { phase: 'history', done: 0, total: 0, at: null },
        startedAt: new Date(startedAt).toISOString(),
        elapsedMs: 0,
        error: null,
        result: null,
      },
    };
    const end = (status: DryRunView['status'], error: DryRunView['error'] = null) => {
      if (run.worker === null) return;
      run.worker = null;
      run.endedAt = Date.now();
      run.view = { ...run.view, status, error };
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') run.view = { ...run.view, progress: { phase: m.phase, done: m.done, total: m.total, at: m.at } };
      else if (m.type === 'done') {
        run.diff = m;
        end('done');
      } else end('failed', m.error);
    });
    worker.on('error', (e) => end('failed', { code: 'INTERNAL', message: `the dry run's worker stopped: ${e.message}` }));
    worker.on('exit', () => end('failed', { code: 'INTERNAL', message: 'the dry run’s worker exited before it finished' }));
    this.runs.set(id, run);
    return this.view(run, 0, 0);
  }

  /** A run as its owner sees it, with a page of the changed deals once done. */
  get(id: string, actorId: string, offset: number, limit: number): DryRunView {
    return this.view(this.own(id, actorId), offset, limit);
  }

  /** Cancels a running run: its worker is ended, nothing of it is kept but the fact. */
  cancel(id: string, actorId: string): DryRunView {
    const run = this.own(id, actorId);
    if (run.worker) {
      const worker = run.worker;
      run.worker = null;
      run.endedAt = Date.now();
      run.view = { ...run.view, status: 'cancelled' };
      void worker.terminate();
    }
    return this.view(run, 0, 0);
  }

  /** Ends every running worker (the host is shutting down). */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.worker?.terminate()));
    this.runs.clear();
  }

  private own(id: string, actorId: string): Run {
    this.sweep();
    const run = this.runs.get(id);
    // Another user's run is as good as none: its existence is not theirs to learn.
    if (!run || run.actorId !== actorId)
      throw new ConsoleError(404, 'NOT_FOUND', `no dry run ${id} of yours (finished ones are kept ${KEEP_MS / 60_000} minutes)`);
    return run;
  }

  private sweep(): void {
    const now = Date.now();
    for (const r of this.runs.values()) if (r.endedAt !== null && now - r.endedAt > KEEP_MS) this.runs.delete(r.id);
  }

  private view(run: Run, offset: number, limit: number): DryRunView {
    const elapsedMs = (run.endedAt ?? Date.now()) - run.startedAt;
    const done = run.diff;
    if (!done) return { ...run.view, elapsedMs };
    const d = done.diff;
    const ids = [...new Set([...d.summaries.a.rules.map((r) => r.ruleId), ...d.summaries.b.rules.map((r) => r.ruleId)])].sort();
    return {
      ...run.view,
      elapsedMs,
      result: {
        from: d.from,
        to: d.to,
        events: done.events,
        totals: d.totals,
        rules: ids.map((ruleId) => ({
          ruleId,
          a: d.summaries.a.rules.find((r) => r.ruleId === ruleId) ?? null,
          b: d.summaries.b.rules.find((r) => r.ruleId === ruleId) ?? null,
        })),
        deals: d.deals.slice(offset, offset + limit),
        offset,
        dealsChanged: d.deals.length,
        timings: done.timings,
      },
    };
  }
}
