/**
 * A dry run, off the console's request thread: replays one history under the rules in force (A)
 * and the edited ones (B), as `dealflow diff` does, reporting progress as it goes. Runs in a
 * worker_threads Worker started by the console (dry-runs.ts); ending the worker cancels it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InMemoryDirectory } from '../../ports/directory.js';
import { isDealflowError } from '../../model/errors.js';
import { diffResults } from '../../simulation/diff.js';
import { generateHistory } from '../../simulation/generate.js';
import { simulate, type SimulateOptions, type SimulationEngineConfig } from '../../simulation/simulate.js';
import type { DryRunJob, WorkerMessage } from './protocol.js';

/** Progress is posted at most this often (ms), and every this many events. */
const PROGRESS_MS = 100;
const PROGRESS_EVERY = 200;

const post = (message: WorkerMessage) => parentPort!.postMessage(message);

async function run(job: DryRunJob): Promise<void> {
  let engine: SimulationEngineConfig = { ...job.engine };
  if (job.module) {
    const extra = (await import(job.module)) as { default?: SimulationEngineConfig };
    engine = { ...engine, ...extra.default };
  }
  if (job.users) engine.directory = new InMemoryDirectory(job.users);
  post({ type: 'progress', phase: 'history', done: 0, total: 0, at: null });
  const h = job.history;
  const history: Omit<SimulateOptions, 'rules'> =
    h.source === 'generated'
      ? { pipelines: job.pipelines, events: generateHistory({ deals: h.deals, days: h.days, seed: h.seed }), engine }
      : { pipelines: job.pipelines, events: h.events, from: h.from, to: h.to, engine };
  const timed = async (phase: 'A' | 'B', rules: unknown) => {
    let last = 0;
    const started = performance.now();
    const result = await simulate({
      ...history,
      rules,
      progressEvery: PROGRESS_EVERY,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS && p.done < p.total) return;
        last = now;
        post({ type: 'progress', phase, done: p.done, total: p.total, at: p.at });
      },
    });
    return { result, ms: Math.round(performance.now() - started) };
  };
  const a = await timed('A', job.current);
  const b = await timed('B', job.candidate);
  post({ type: 'progress', phase: 'diff', done: 0, total: 0, at: null });
  const diff = diffResults(a.result, b.result);
  const events = a.result.events;
  post({ type: 'done', diff, events: { total: events.total, replayed: events.replayed, failed: events.failed }, timings: { a: a.ms, b: b.ms } });
}

run(workerData as DryRunJob).catch((error: unknown) => {
  post({
    type: 'failed',
    error: isDealflowError(error)
      ? { code: error.code, message: error.message, issues: error.issues }
      : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
  });
});
