/**
 * The floor under the simulated year: the same commands (year-timeline.ts) and the same 30 rules
 * through the pure transition alone, driven synchronously — snapshots in a Map, due jobs from the
 * in-memory store's JobQueue in time order (jobs a transition cancels or runs leave it), effects
 * counted, nothing stored, delivered or announced. Not a way to run dealflow: it says how much of
 * the year's time is the rules' own work, and so what the engine's year could at best reach.
 * The env is the engine's (a private method). Prints one JSON line.
 */
import { JobQueue } from '../../src/memory/job-queue.js';
import { createTestEngine, transition } from './dealflow.js';
import type { CoreEnv, DealSnapshot, DirectoryView } from './dealflow.js';
import { DAY, draftOf, OWNERS, patchAt, START, Timeline } from './year-timeline.js';
import { yearPipeline, yearRules } from './year-rules.js';

const DEALS = Number(process.argv[2] ?? 100_000);

const wall0 = performance.now();
const engine = createTestEngine({ pipelines: [yearPipeline], rules: yearRules, start: new Date(START) });
// The Directory records the engine would load for the effects (owners, for `manager`), loaded
// once: the engine's default Directory knows each owner by id alone, so `manager` is unresolved.
const directory: DirectoryView = { users: Object.fromEntries(OWNERS.map((id) => [id, { id }])), roles: {}, digests: {} };
const envAt = (ms: number): CoreEnv => {
  // Set on the engine's own env object, so the core sees the shape it sees in the engine (no spread).
  const env = (engine as unknown as { env(now: Date): CoreEnv }).env(new Date(ms));
  env.directory = directory;
  return env;
};
const none: DealSnapshot = { deal: null, jobs: [], enrolments: {} };
const snapshots = new Map<string, DealSnapshot>();
const ids = new Map<number, string>();
const queue = new JobQueue();
let commands = 0;
let rejected = 0;
let jobsScheduled = 0;
let jobsRun = 0;
let jobTransitions = 0;
let outbox = 0;

/** Time inside `transition` itself, apart from this driver's own bookkeeping. */
let coreMs = 0;
function timed(before: DealSnapshot, input: Parameters<typeof transition>[1], env: CoreEnv): ReturnType<typeof transition> {
  const t0 = performance.now();
  try {
    return transition(before, input, env);
  } finally {
    coreMs += performance.now() - t0;
  }
}

function apply(before: DealSnapshot, out: ReturnType<typeof transition>): void {
  const deal = out.snapshot.deal ?? before.deal;
  if (out.snapshot.deal) snapshots.set(out.snapshot.deal.id, out.snapshot);
  else if (deal) snapshots.delete(deal.id);
  for (const e of out.effects) {
    if (e.type === 'job.schedule') {
      queue.add(e.job);
      jobsScheduled++;
    } else if (e.type === 'job.cancel') queue.remove(e.jobId);
    else if (e.type === 'job.done') {
      queue.remove(e.jobId);
      jobsRun++;
    } else if (e.type === 'outbox') outbox++;
  }
}

/** Runs every job due at or before `until`, in time order. */
function runDue(until: number): void {
  for (let job = queue.next(); job && Date.parse(job.dueAt) <= until; job = queue.next()) {
    const snapshot = snapshots.get(job.dealId)!;
    jobTransitions++;
    apply(snapshot, timed(snapshot, { type: 'job', job }, envAt(Date.parse(job.dueAt))));
  }
}

const timeline = new Timeline(DEALS);
for (let item = timeline.next(); item; item = timeline.next()) {
  runDue(item.at);
  const { deal, step } = item;
  commands++;
  const env = envAt(item.at);
  try {
    if (step.kind === 'create') {
      const draft = { currency: 'USD', ...draftOf(deal) };
      const out = timed(none, { type: 'create', draft }, env);
      apply(none, out);
      ids.set(deal, out.snapshot.deal!.id);
      continue;
    }
    const id = ids.get(deal)!;
    const before = snapshots.get(id) ?? none;
    if (step.kind === 'move') apply(before, timed(before, { type: 'move', stageId: step.stage }, env));
    else if (step.kind === 'update') apply(before, timed(before, { type: 'update', patch: patchAt(step, item.at) as never }, env));
    else apply(before, timed(before, { type: 'event', event: { name: step.name, dealId: id, payload: step.payload } }, env));
  } catch (e) {
    rejected++;
    if (rejected < 5) console.error(String(e));
  }
}
runDue(START + 425 * DAY);
const wallMs = performance.now() - wall0;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    deals: DEALS,
    commands,
    rejected,
    jobsScheduled,
    jobsRun,
    jobTransitions,
    outbox,
    wallS: wallMs / 1000,
    coreS: coreMs / 1000,
    cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rssMb: usage.maxRSS / 1024,
  }),
);
